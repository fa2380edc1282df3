/**
 * The real node (main.ts) on a private LAN of three hosts in Linux network namespaces
 * (tests/helpers/netns.ts, docs/ARCHITECTURE.md "Network on one machine"), broadcasting to
 * 255.255.255.255, which stays inside:
 * a payment spreads to every host; 2,000 transactions sync to fresh hosts, one of which
 * loses 10% of its inbound datagrams; a host whose interface was down catches up by
 * anti-entropy alone. Runs as root; skips with a printed reason otherwise.
 * @module
 */
import { assert, assertEquals } from "../helpers/assert.ts";
import { toHex } from "../../lib/core/hash.ts";
import { txid } from "../../lib/core/tx.ts";
import { loadDefaultGenesis } from "../../lib/ledger/genesis_file.ts";
import {
  createLan,
  DEMO_WALLET,
  demoChain,
  demoKeys,
  ensureNft,
  exportOf,
  type Lan,
  mainOneShot,
  netnsUnavailable,
  NsNode,
  poll,
  preload,
} from "../helpers/netns.ts";

const skip = await netnsUnavailable();
if (skip) console.log(`netns tests skipped: ${skip}`);

async function withLan(
  tmpPrefix: string,
  fn: (lan: Lan, dirs: string[], nodes: NsNode[]) => Promise<void>,
): Promise<void> {
  const tmp = await Deno.makeTempDir({ prefix: tmpPrefix });
  const lan = await createLan(3);
  const nodes: NsNode[] = [];
  try {
    const dirs = lan.hosts.map((h) => `${tmp}/${h.name}`);
    await fn(lan, dirs, nodes);
  } finally {
    for (const n of nodes) await n.stop().catch(() => {});
    await lan.destroy();
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
  }
}

const opts = { ignore: skip !== null, sanitizeResources: false, sanitizeOps: false };

Deno.test({
  ...opts,
  name: "netns: a payment made on host A reaches B and C",
  async fn() {
    await withLan("cc-ns-pay-", async (lan, dirs, nodes) => {
      await Deno.mkdir(dirs[0], { recursive: true });
      await mainOneShot(["wallet", "--import", DEMO_WALLET, "--data", dirs[0]]);
      // A mines (one worker), so its confirmations must spread too.
      nodes.push(await NsNode.start(lan, lan.hosts[0], dirs[0], { miners: 1 }));
      for (let i = 1; i < 3; i++) nodes.push(await NsNode.start(lan, lan.hosts[i], dirs[i]));
      const [a, b, c] = nodes;
      const to = await b.address();
      const id = (await a.ask(`t ${to} 25`, /^txid ([0-9a-f]{64})/))[1];
      await b.waitFor(/^Payment received: \+?25\b/, 10_000);
      for (const n of [b, c]) {
        await poll(async () => await n.count() === 2, 10_000, `${n.host.name} holds the payment`);
      }
      // Confirmations found by A's miner reach B and C.
      const workOf = async (dir: string) =>
        (await exportOf(dir)).transactions.find((t) => t.txid === id)?.work ?? 0;
      for (const dir of dirs.slice(1)) {
        await poll(async () => await workOf(dir) > 0, 30_000, "a confirmation from A", 500);
      }
      await a.stop();
      nodes.shift();
      // A mined on; without weight and status (which follows weight) the three are
      // identical, and every host holds weight for the payment.
      const strip = (e: Awaited<ReturnType<typeof exportOf>>) => ({
        ...e,
        transactions: e.transactions.map((t) => ({ ...t, work: 0, status: "" })),
      });
      const ea = await exportOf(dirs[0]);
      const wa = ea.transactions.find((t) => t.txid === id)!.work;
      for (const dir of dirs.slice(1)) {
        const e = await exportOf(dir);
        assertEquals(strip(e), strip(ea));
        const w = e.transactions.find((t) => t.txid === id)!.work;
        assert(w > 0, `work ${w} on a peer, ${wa} on A`);
      }
      console.log(JSON.stringify({ workOnA: wa }));
      assertEquals(ea.balances[to], "25");
      assertEquals(ea.supply.ok, true);
    });
  },
});

Deno.test({
  ...opts,
  name: "netns: 2,000 transactions sync to fresh hosts, one losing 10% of inbound datagrams",
  async fn() {
    await ensureNft();
    await withLan("cc-ns-sync-", async (lan, dirs, nodes) => {
      const genesis = await loadDefaultGenesis();
      const chain = demoChain(genesis, await demoKeys(), 2000);
      // Confirmed as if mined, so that lost `conf` datagrams must be recovered as well.
      await preload(dirs[0], genesis, chain, { confirmBits: 24 });
      const [, hb] = lan.hosts;
      await lan.setInboundLoss(hb, 10);
      nodes.push(await NsNode.start(lan, lan.hosts[0], dirs[0]));
      const want = await nodes[0].digest();
      const t0 = performance.now();
      nodes.push(await NsNode.start(lan, lan.hosts[1], dirs[1]));
      nodes.push(await NsNode.start(lan, lan.hosts[2], dirs[2]));
      const [, b, c] = nodes;
      const timings: Record<string, number> = {};
      await Promise.all([b, c].map(async (n) => {
        await poll(
          async () => await n.digest() === want,
          90_000,
          `${n.host.name} to hold 2,001 transactions with their confirmations`,
          500,
        );
        timings[n.host.name] = Math.round(performance.now() - t0);
      }));
      const loss = await lan.lossCounters(hb);
      console.log(JSON.stringify({
        syncedMs: timings,
        lossyHost: hb.name,
        inboundUdp: loss.seen,
        dropped: loss.dropped,
        lossRate: +(loss.dropped / Math.max(1, loss.seen)).toFixed(3),
      }));
      assert(loss.dropped > 0, "the loss rule dropped datagrams");
      const ea = await exportOf(dirs[0]);
      assertEquals(ea.transactions.length, 2001);
      assert(ea.transactions.every((t) => t.work >= 24), "every tx carries the confirmation");
      const last = chain.at(-1)!;
      assert(ea.transactions.some((t) => t.txid === toHex(txid(last))), "A holds the chain");
      assertEquals(await exportOf(dirs[1]), ea);
      assertEquals(await exportOf(dirs[2]), ea);
      assertEquals(ea.supply.ok, true);
    });
  },
});

Deno.test({
  ...opts,
  name: "netns: a host cut off while payments happen catches up without b",
  async fn() {
    await withLan("cc-ns-cut-", async (lan, dirs, nodes) => {
      await Deno.mkdir(dirs[0], { recursive: true });
      await mainOneShot(["wallet", "--import", DEMO_WALLET, "--data", dirs[0]]);
      for (let i = 0; i < 3; i++) nodes.push(await NsNode.start(lan, lan.hosts[i], dirs[i]));
      const [a, b, c] = nodes;
      const to = await b.address();
      await poll(async () => (await c.count()) === 1, 5000, "C up");
      await lan.setLink(c.host, false);
      for (let i = 1; i <= 5; i++) await a.ask(`t ${to} ${i}`, /^txid [0-9a-f]{64}/);
      await poll(async () => await b.count() === 6, 10_000, "B holds the 5 payments");
      assertEquals(await c.count(), 1, "C saw nothing while cut off");
      const from = c.lines.length;
      await lan.setLink(c.host, true);
      const ms = await poll(async () => await c.count() === 6, 20_000, "C to catch up", 200);
      console.log(JSON.stringify({ caughtUpMs: Math.round(ms) }));
      assert(!c.lines.slice(from).some((l) => l.startsWith("Sync requested")), "no b typed");
      const ea = await exportOf(dirs[0]);
      assertEquals(await exportOf(dirs[1]), ea);
      assertEquals(await exportOf(dirs[2]), ea);
      assertEquals(ea.supply.ok, true);
    });
  },
});
