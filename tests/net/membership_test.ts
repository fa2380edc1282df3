/**
 * Private networks (issue 17 item 6) on loopback (127.255.255.255, free ports): two nodes
 * holding the membership key pay each other through the real CLI while a keyless node on the
 * same port sees nothing but `auth-failed`; a keyed node survives a flood of hostile and
 * replayed datagrams with its ledger unchanged and still syncs a keyed peer; and
 * `deno task genesis --private` writes the key.
 * @module
 */
import { assert, assertEquals } from "../helpers/assert.ts";
import { toHex } from "../../lib/core/hash.ts";
import { openLedger } from "../../lib/ledger/ledger.ts";
import { netLedgerOf } from "../../lib/cli/net_ledger.ts";
import { parseNetworkKey, writeNewNetworkKey } from "../../lib/wallet/network_key_file.ts";
import { Membership } from "../../lib/net/membership.ts";
import { NetNode } from "../../lib/net/node.ts";
import { encodeDatagram } from "../../lib/wire/mod.ts";
import { DatagramSealer } from "../../lib/wire/sealed.ts";
import { makeNetwork } from "../../genesis/make.ts";
import { NodeProc, runMain } from "../helpers/proc.ts";
import { freeUdpPort, LOOPBACK_BROADCAST, paymentChain, waitFor } from "../helpers/net_fixtures.ts";
import { T0, testKeys } from "../helpers/fixtures.ts";
import { TEST_CONFIRM_WORK, testGenesis } from "../helpers/ledger_fixtures.ts";
import type { Genesis } from "../../lib/core/genesis.ts";

const DEMO_WALLET = new URL("../../genesis/demo_wallet.json", import.meta.url).pathname;
const rnd = (n: number) => crypto.getRandomValues(new Uint8Array(n));

Deno.test("two keyed nodes pay each other; a keyless node on the same LAN sees only auth-failed", async () => {
  const root = await Deno.makeTempDir({ prefix: "crackcoin-private-" });
  const key = `${root}/network.key`;
  await writeNewNetworkKey(key);
  assertEquals((await Deno.stat(key)).mode! & 0o777, 0o600);
  const port = String(freeUdpPort());
  const net = ["--port", port, "--broadcast", LOOPBACK_BROADCAST];
  let a: NodeProc | undefined, b: NodeProc | undefined, c: NodeProc | undefined;
  try {
    assertEquals(
      (await runMain(["wallet", "--import", DEMO_WALLET, "--data", `${root}/a`])).code,
      0,
    );
    a = await NodeProc.startMain([
      "--data",
      `${root}/a`,
      ...net,
      "--network-key",
      key,
      "--miners",
      "1",
    ]);
    // B keeps the key in its data directory instead of passing the flag.
    await Deno.mkdir(`${root}/b`, { mode: 0o700 });
    await Deno.copyFile(key, `${root}/b/network.key`);
    await Deno.chmod(`${root}/b/network.key`, 0o600);
    b = await NodeProc.startMain(["--data", `${root}/b`, ...net, "--miners", "0"]);
    c = await NodeProc.startMain(["--data", `${root}/c`, ...net, "--miners", "0"]);
    const addrA = (await a.waitFor(/^Address: (C\w+)$/))[1];
    const addrB = (await b.waitFor(/^Address: (C\w+)$/))[1];
    await c.waitFor(/Type h for help/);
    const t1 = (await a.ask(`t ${addrB} 1000`, /^txid ([0-9a-f]{64})/))[1];
    await b.waitFor(
      new RegExp(`^Payment of 1000 from ${addrA} confirmed \\(${t1.slice(0, 16)}\\)`),
      45_000,
    );
    const t2 = (await b.ask(`t ${addrA} 400`, /^txid ([0-9a-f]{64})/))[1];
    await a.waitFor(
      new RegExp(`^Payment of 400 from \\w+ confirmed \\(${t2.slice(0, 16)}\\)`),
      45_000,
    );
    await b.waitFor(
      new RegExp(`^Your payment of 400 to ${addrA} confirmed \\(${t2.slice(0, 16)}\\)`),
      45_000,
    );
    // The keyless node learned nothing and counted what it could not open.
    c.send("b");
    await new Promise((r) => setTimeout(r, 1500));
    const ci = await c.ask("i", /^Ledger:\s+(\d+) transactions/);
    assertEquals(ci[1], "1", "only its genesis");
    await c.ask("p", /^Peers \(0\):/);
    const cAuth = Number((await c.ask("p", /(\d+) auth-failed/))[1]);
    assert(cAuth > 0, "the keyless node counted sealed datagrams");
    // The keyed nodes see each other only, and counted the keyless node's datagrams.
    await a.ask("p", /^Peers \(1\):/);
    const aAuth = Number((await a.ask("p", /(\d+) auth-failed/))[1]);
    assert(aAuth > 0, "the keyed node counted the keyless node's datagrams");
    for (const n of [a, b, c]) {
      await n.ask("q", /^Stopped\.$/);
      assertEquals((await n.close()).code, 0);
    }
    // No node logged the key.
    const keyHex = (await Deno.readTextFile(key)).trim();
    for (const n of [a, b, c]) {
      assert(!n.lines.join("\n").includes(keyHex) && !n.errLines.join("\n").includes(keyHex));
    }
    a = b = c = undefined;
  } finally {
    for (const n of [a, b, c]) if (n) await n.kill("SIGKILL");
    await Deno.remove(root, { recursive: true });
  }
});

async function keyedNode(genesis: Genesis, port: number, key: Uint8Array, txs = 0) {
  const ledger = await openLedger(":memory:", {
    genesis,
    confirmWork: TEST_CONFIRM_WORK,
    clock: () => T0 + 3_600_000,
  });
  for (const tx of paymentChain(genesis, testKeys(0), txs)) ledger.addTx(tx);
  const net = new NetNode({
    ledger: netLedgerOf(ledger),
    nodeId: rnd(8),
    port,
    bind: "0.0.0.0",
    broadcast: LOOPBACK_BROADCAST,
    summaryIntervalMs: 500,
    membership: new Membership(key, rnd),
  });
  net.start();
  return { ledger, net, stop: async () => (await net.stop(), ledger.close()) };
}

Deno.test({
  name:
    "a keyed node drops 20,000 hostile, forged and replayed datagrams (a quarter sealed by a member), then still syncs",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const genesis = testGenesis(testKeys(0));
    const key = rnd(32);
    const port = freeUdpPort();
    const a = await keyedNode(genesis, port, key, 50);
    const socks = Array.from(
      { length: 4 },
      () => Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 }),
    );
    let b;
    try {
      const before = toHex(a.ledger.summary().digest);
      const count = a.ledger.count;
      // A genuine sealed datagram from a member, to replay and to mutate.
      const member = new DatagramSealer(key, rnd);
      const inner = encodeDatagram({
        network: genesis.network,
        sender: rnd(8),
        message: { type: "summary", count: 999, digest: rnd(32) },
      });
      const genuine = member.seal(inner, Date.now());
      const outsider = new DatagramSealer(rnd(32), rnd);
      const kinds = [
        () => rnd(Math.floor(Math.random() * 600)), // random bytes
        () => inner, // a valid but unsealed datagram
        () => outsider.seal(inner, Date.now()), // sealed under another key
        () => genuine, // a replay
        () => { // a bit flipped in a genuine one
          const d = genuine.slice();
          d[Math.floor(Math.random() * d.length)] ^= 1 << Math.floor(Math.random() * 8);
          return d;
        },
        () => { // right header, random body
          const d = genuine.slice();
          d.set(rnd(d.length - 42), 42);
          return d;
        },
        // Hostile datagrams sealed by a member: they open, and the decoder behind the seal
        // must refuse them (random bytes; every strict prefix of a valid datagram).
        () => member.seal(rnd(Math.floor(Math.random() * 600)), Date.now()),
        () => member.seal(inner.subarray(0, Math.floor(Math.random() * inner.length)), Date.now()),
      ];
      const OUTSIDE = 6; // the first six kinds come from outside the membership
      const to = { transport: "udp" as const, hostname: "127.0.0.1", port: a.net.unicastPort };
      let sent = 0;
      for (let i = 0; i < 20_000; i++) {
        const s = socks[i % socks.length];
        await s.send(kinds[i % kinds.length](), to);
        sent++;
        if (i % 200 === 199) await new Promise((r) => setTimeout(r, 5));
      }
      await waitFor(
        () => a.net.counters.datagramsIn >= sent * 0.9,
        20_000,
        "the node to read the flood",
      );
      await new Promise((r) => setTimeout(r, 300));
      const c = a.net.counters;
      console.log(JSON.stringify({
        sent,
        received: c.datagramsIn,
        authFailed: c.authFailed,
        malformed: c.malformed,
        rateLimited: c.rateLimited,
      }));
      const malformed = Object.values(c.malformed).reduce((x, y) => x + y, 0);
      // Every datagram is accounted for: refused by the seal, refused by the decoder behind
      // it, the node's own broadcasts, or (once) the genuine summary.
      assert(
        c.authFailed + malformed + c.rateLimited + c.ownIgnored >= c.datagramsIn - 1,
        JSON.stringify(c),
      );
      const outside = (sent * OUTSIDE) / kinds.length;
      assert(c.authFailed >= outside * 0.8, "the outsiders' datagrams were counted as auth-failed");
      assert(malformed >= (sent - outside) * 0.8, "members' hostile datagrams reached the decoder");
      assertEquals(c.txReceived + c.confReceived, 0);
      assertEquals(a.ledger.count, count);
      assertEquals(toHex(a.ledger.summary().digest), before);
      // Still serving: a keyed newcomer syncs everything.
      b = await keyedNode(genesis, port, key);
      await waitFor(
        () => toHex(b!.ledger.summary().digest) === before,
        20_000,
        "a keyed peer to sync from the flooded node",
      );
    } finally {
      for (const s of socks) s.close();
      await a.stop();
      await b?.stop();
    }
  },
});

Deno.test("deno task genesis --private writes DIR/network.key (0600) beside the genesis", async () => {
  const dir = await Deno.makeTempDir({ prefix: "crackcoin-gen-" });
  try {
    const r = await makeNetwork({
      prefix: "",
      workers: 1,
      supply: 1000n,
      work: 4,
      out: `${dir}/net`,
      private: true,
    });
    assertEquals(r.networkKeyPath, `${dir}/net/network.key`);
    const st = await Deno.stat(r.networkKeyPath!);
    assertEquals(st.mode! & 0o777, 0o600);
    assertEquals(parseNetworkKey(await Deno.readFile(r.networkKeyPath!)).length, 32);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
