/**
 * A node started on a data directory whose ledger an older version wrote logs the upgrade:
 * each step before it runs (what it does and needs), and a line when it is done. The real
 * main.ts on loopback, on a schema-5 ledger made from a current one.
 */
import { DatabaseSync } from "node:sqlite";
import { assert, assertEquals } from "../helpers/assert.ts";
import { loadDefaultGenesis } from "../../lib/ledger/genesis_file.ts";
import { backToSchema5Sql } from "../helpers/ledger_fixtures.ts";
import { preload } from "../helpers/netns.ts";
import { freeUdpPort, LOOPBACK_BROADCAST } from "../helpers/net_fixtures.ts";
import { NodeProc } from "../helpers/proc.ts";

Deno.test("a node on a schema-5 ledger logs the upgrade step and its end, then runs", async () => {
  const root = await Deno.makeTempDir({ prefix: "crackcoin-upgrade-" });
  let node: NodeProc | undefined;
  try {
    const data = `${root}/data`;
    await preload(data, await loadDefaultGenesis(), []);
    const db = new DatabaseSync(`${data}/ledger.db`);
    db.exec(backToSchema5Sql(db));
    db.exec("PRAGMA user_version = 5");
    db.close();
    node = await NodeProc.startMain([
      "--data",
      data,
      "--port",
      String(freeUdpPort()),
      "--broadcast",
      LOOPBACK_BROADCAST,
      "--miners",
      "0",
    ]);
    await node.waitFor(/Type h for help/);
    const logs = node.errLines.join("\n");
    const step = node.errLines.findIndex((l) =>
      l.startsWith("info: upgrading the ledger's schema (once; copies the transactions table,") &&
      / from=5 to=6$/.test(l)
    );
    const done = node.errLines.findIndex((l) =>
      /^info: the ledger's schema is upgraded .* from=5 to=6 ms=\d+$/.test(l)
    );
    assert(step >= 0, logs);
    assert(done > step, logs);
    assert(!/\(.*\(/.test(node.errLines[step].split(" file=")[0]), "no nested brackets");
    await node.send("q");
    assertEquals((await node.close()).code, 0);
    const after = new DatabaseSync(`${data}/ledger.db`, { readOnly: true });
    assertEquals(
      (after.prepare("PRAGMA user_version").get() as { user_version: number }).user_version,
      6,
    );
    after.close();
  } finally {
    if (node !== undefined && !node.exited) await node.close().catch(() => {});
    await Deno.remove(root, { recursive: true });
  }
});
