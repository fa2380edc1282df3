import { assert, assertEquals } from "../helpers/assert.ts";
import { openLedger } from "../../lib/ledger/ledger.ts";
import { testKeys } from "../helpers/fixtures.ts";
import { TEST_CONFIRM_WORK, testGenesis } from "../helpers/ledger_fixtures.ts";
import { prng } from "../helpers/fixtures.ts";

const CHILD = new URL("./crash_child.ts", import.meta.url).pathname;
const KILLS = 20;

Deno.test(`Ledger survives ${KILLS} SIGKILLs with every reported txid, integrity and supply`, async () => {
  const dir = await Deno.makeTempDir({ prefix: "crackcoin-crash-" });
  const path = `${dir}/ledger.db`;
  const reported = new Set<string>();
  const rnd = prng(20261125);
  try {
    for (let k = 0; k < KILLS; k++) {
      const child = new Deno.Command(Deno.execPath(), {
        args: ["run", "--allow-read", "--allow-write", "--allow-env", CHILD, path],
        stdout: "piped",
        stderr: "inherit",
      }).spawn();
      const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
      let buf = "";
      let ready = false;
      let killAt = Infinity;
      // Read until "ready", then kill after a random 20–300 ms of ingesting.
      for (;;) {
        const timeout = killAt === Infinity ? 20_000 : Math.max(0, killAt - Date.now());
        const r = await Promise.race([
          reader.read(),
          new Promise<null>((res) => setTimeout(() => res(null), timeout)),
        ]);
        if (r === null) break;
        if (r.done) break;
        buf += r.value;
        let i;
        while ((i = buf.indexOf("\n")) >= 0) {
          const line = buf.slice(0, i);
          buf = buf.slice(i + 1);
          if (line === "ready") {
            ready = true;
            killAt = Date.now() + 20 + Math.floor(rnd() * 280);
          } else if (/^[0-9a-f]{64}$/.test(line)) reported.add(line);
        }
        if (Date.now() >= killAt) break;
      }
      assert(ready, `child ${k} started`);
      child.kill("SIGKILL");
      await child.status;
      await reader.cancel().catch(() => {});
      const l = await openLedger(path, {
        genesis: testGenesis(testKeys(0)),
        confirmWork: TEST_CONFIRM_WORK,
        minConfBits: 1,
      });
      try {
        assertEquals(l.integrityCheck(), "ok", `integrity after kill ${k}`);
        for (const id of reported) assert(l.hasTx(id), `reported ${id} survived kill ${k}`);
        assertEquals(l.supply().ok, true, `supply after kill ${k}`);
      } finally {
        l.close();
      }
    }
    console.log(`${reported.size} reported transactions survived ${KILLS} SIGKILLs`);
    assert(reported.size > KILLS, `ingested ${reported.size} transactions across the kills`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
