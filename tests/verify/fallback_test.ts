/**
 * The real node (main.ts, a subprocess with the start task's permissions) chooses its
 * verification backend at start, says which in its log and in `i`, and verifies received
 * transactions correctly with it. With the addon made unloadable (CRACKCOIN_SECP256K1_DIR
 * pointing at a folder that does not exist) it runs on node:crypto; without, on libsecp256k1
 * wherever the package ships a prebuilt addon. UDP stays on 127.0.0.0/8.
 */
import { assert, assertEquals } from "../helpers/assert.ts";
import { toHex } from "../../lib/core/hash.ts";
import { keyPairFromSecret } from "../../lib/core/keys.ts";
import { encodeTx, type Tx, txidHex } from "../../lib/core/tx.ts";
import { loadDefaultGenesis } from "../../lib/ledger/genesis_file.ts";
import { ADDON_DIR_ENV } from "../../lib/verify/secp256k1_addon.ts";
import { packTxs } from "../../lib/wire/mod.ts";
import { coinsOf, pay, testKeys } from "../helpers/fixtures.ts";
import { freeUdpPort, LOOPBACK_BROADCAST } from "../helpers/net_fixtures.ts";
import { NodeProc, runMain } from "../helpers/proc.ts";
import { HAS_PREBUILT } from "../helpers/verify_backends.ts";

const DEMO_WALLET = new URL("../../genesis/demo_wallet.json", import.meta.url);

/** Two valid payments and two that must fail the signature check (a changed output, a flipped r bit). */
async function payments(): Promise<{ good: Tx[]; bad: Tx[]; network: Uint8Array }> {
  const genesis = await loadDefaultGenesis();
  const wallet = JSON.parse(await Deno.readTextFile(DEMO_WALLET)) as { secretKey: string };
  const demo = keyPairFromSecret(
    Uint8Array.from(wallet.secretKey.match(/../g)!, (h) => parseInt(h, 16)),
  );
  const bob = testKeys(1);
  const now = Date.now();
  const t1 = pay([coinsOf(genesis.tx, [demo])[0]], [{ to: bob, amount: 500n }], now);
  const change = coinsOf(t1, [bob, demo])[1];
  const t2 = pay([change], [{ to: bob, amount: 7n }], now + 1);
  const forged: Tx = {
    ...t2,
    outputs: [{ ...t2.outputs[0], amount: 8n }, { ...t2.outputs[1], amount: change.amount - 8n }],
  };
  const flipped = Uint8Array.from(t2.inputs[0].signature);
  flipped[10] ^= 0x01; // r stays in range and s stays low: only verification can refuse it
  const badSig: Tx = { ...t2, inputs: [{ ...t2.inputs[0], signature: flipped }] };
  return { good: [t1, t2], bad: [forged, badSig], network: genesis.network };
}

async function runCase(env: Record<string, string>, expected: string): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "crackcoin-fallback-" });
  const port = freeUdpPort();
  let node: NodeProc | undefined = await NodeProc.startMain(
    ["--data", dir, "--port", String(port), "--broadcast", LOOPBACK_BROADCAST, "--miners", "0"],
    env,
  );
  const sock = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  try {
    await node.waitFor(/^Listening on UDP/, 30_000);
    const log = node.errLines.find((l) => l.includes("signature verification"));
    assert(log?.includes(`backend=${expected}`), `log line: ${log}`);
    await node.ask("i", new RegExp(`^Verify:\\s+${expected.replace(":", "\\:")}$`));

    const { good, bad, network } = await payments();
    const [t1, t2] = good;
    const sender = crypto.getRandomValues(new Uint8Array(8));
    for (const d of packTxs(network, sender, [t1, ...bad, t2].map(encodeTx))) {
      await sock.send(d, { transport: "udp", hostname: "127.0.0.1", port });
    }
    const t0 = Date.now();
    for (;;) {
      const m = await node.ask("i", /^Ledger:\s+(\d+) transactions/);
      if (Number(m[1]) >= 3 || Date.now() - t0 > 15_000) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const ex = await runMain(["export", "--data", dir]);
    assertEquals(ex.code, 0, ex.stderr);
    const stored = new Set(
      (JSON.parse(ex.stdout).transactions as { txid: string }[]).map((t) => t.txid),
    );
    for (const t of good) assert(stored.has(txidHex(t)), `${expected}: a valid payment is missing`);
    for (const t of bad) {
      assert(!stored.has(txidHex(t)), `${expected}: a forged payment was stored`);
    }
    assertEquals(stored.size, 3, `${expected}: ${[...stored].join(", ")}`);
    await node.send("q");
    const st = await node.close();
    node = undefined;
    assertEquals(st.code, 0);
  } finally {
    sock.close();
    if (node) await node.kill("SIGKILL");
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("with the addon unloadable the node starts on node:crypto, says so, and verifies correctly", async () => {
  const missing = `/nonexistent-${toHex(crypto.getRandomValues(new Uint8Array(6)))}`;
  await runCase({ [ADDON_DIR_ENV]: missing }, "node:crypto");
});

Deno.test("with the addon loadable the node runs on libsecp256k1 (where prebuilt) and verifies correctly", async () => {
  await runCase({}, HAS_PREBUILT ? "libsecp256k1" : "node:crypto");
});
