import { assert, assertEquals } from "../helpers/assert.ts";
import { makeNetwork } from "../../genesis/make.ts";
import { toHex } from "../../lib/core/hash.ts";
import { BALANCE_LINE as BALANCE, NodeProc, runMain } from "../helpers/proc.ts";
import { freeUdpPort, LOOPBACK_BROADCAST } from "../helpers/net_fixtures.ts";

Deno.test("a node of a new genesis network holds the supply, pays a peer, and the default network ignores it", async () => {
  const root = await Deno.makeTempDir({ prefix: "crackcoin-genesis-node-" });
  const net = `${root}/net`;
  let a: NodeProc | undefined, b: NodeProc | undefined, c: NodeProc | undefined;
  try {
    const made = await makeNetwork({
      prefix: "",
      workers: 1,
      supply: 5_000_000n,
      work: 20,
      out: net,
    });
    const port = String(freeUdpPort());
    const common = ["--port", port, "--broadcast", LOOPBACK_BROADCAST, "--quiet"];
    // The genesis directory is the owner's data directory: its genesis.json selects the network.
    a = await NodeProc.startMain(["--data", net, ...common, "--miners", "1"]);
    b = await NodeProc.startMain([
      "--data",
      `${root}/b`,
      "--genesis",
      made.genesisPath,
      ...common,
      "--miners",
      "0",
    ]);
    c = await NodeProc.startMain(["--data", `${root}/c`, ...common, "--miners", "0"]);
    await a.waitFor(new RegExp(`network ${toHex(made.genesis.network)}`));
    assertEquals((await a.waitFor(/^Address: (C\w+)$/))[1], made.address);
    const addrB = (await b.waitFor(/^Address: (C\w+)$/))[1];
    // Its 20-bit genesis weighs 2^20, below the 2^24 threshold (protocol v2): A's miner
    // confirms it within a few confirmations.
    let info = await a.ask("i", BALANCE);
    for (let k = 0; k < 120 && info[1] !== "5000000"; k++) {
      await new Promise((r) => setTimeout(r, 250));
      info = await a.ask("i", BALANCE);
    }
    assertEquals(info.slice(1, 5), ["5000000", "5000000", "0", "0"]);

    const txid = (await a.ask(`t ${addrB} 4321`, /^txid ([0-9a-f]{64})/))[1];
    await b.waitFor(
      new RegExp(`^Payment of 4321 from ${made.address} confirmed \\(${txid.slice(0, 16)}\\)$`),
      30_000,
    );
    const infoB = await b.ask("i", BALANCE);
    assertEquals(infoB.slice(1, 5), ["4321", "4321", "0", "0"]);

    // C, of the default network, heard the datagrams and ignored them all.
    await c.ask("p", /other network/);
    const counters = (await c.ask("p", /^Datagrams: .* (\d+) other network/))[1];
    assert(Number(counters) > 0, "C counted other-network datagrams");
    const exC = JSON.parse((await runMain(["export", "--data", `${root}/c`])).stdout);
    assertEquals(exC.transactions.length, 1);
    assert(exC.transactions.every((t: { txid: string }) => t.txid !== txid));
    const exB = JSON.parse(
      (await runMain(["export", "--data", `${root}/b`, "--genesis", made.genesisPath])).stdout,
    );
    assertEquals(exB.network, toHex(made.genesis.network));
    assertEquals(exB.supply.ok, true);
    for (const p of [a, b, c]) assertEquals((await p.kill("SIGTERM")).code, 0);
    a = b = c = undefined;
  } finally {
    for (const p of [a, b, c]) if (p) await p.kill("SIGKILL");
    await Deno.remove(root, { recursive: true });
  }
});
