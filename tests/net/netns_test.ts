/**
 * The real node (main.ts) on a private LAN of three hosts in Linux network namespaces
 * (tests/helpers/netns.ts, DESIGN §7), broadcasting to 255.255.255.255, which stays inside:
 * a payment spreads to every host; 2,000 transactions sync to fresh hosts, one of which
 * loses 10% of its inbound datagrams; a host whose interface was down catches up by
 * anti-entropy alone. Runs as root; skips with a printed reason otherwise.
 * @module
 */
import { assert, assertEquals } from "../helpers/assert.ts";
import { fromHex, toHex } from "../../lib/core/hash.ts";
import { keyPairFromSecret } from "../../lib/core/keys.ts";
import { txid } from "../../lib/core/tx.ts";
import { loadDefaultGenesis } from "../../lib/ledger/genesis_file.ts";
import { openLedger } from "../../lib/ledger/ledger.ts";
import { coinsOf, pay, testKeys } from "../helpers/fixtures.ts";
import {
  createLan,
  ensureNft,
  type Lan,
  mainOneShot,
  netnsUnavailable,
  NsNode,
  poll,
} from "../helpers/netns.ts";
import type { Genesis } from "../../lib/core/genesis.ts";
import type { KeyPair } from "../../lib/core/keys.ts";
import type { Tx } from "../../lib/core/tx.ts";

const DEMO_WALLET = new URL("../../genesis/demo_wallet.json", import.meta.url).pathname;

const skip = await netnsUnavailable();
if (skip) console.log(`netns tests skipped: ${skip}`);

/** The demo wallet's keys: it owns the default network's whole supply. */
export async function demoKeys(): Promise<KeyPair> {
  const w = JSON.parse(await Deno.readTextFile(DEMO_WALLET));
  return keyPairFromSecret(fromHex(w.secretKey));
}

/** `n` chained payments from the demo wallet on the default network, 1 unit each. */
export function demoChain(genesis: Genesis, owner: KeyPair, n: number): Tx[] {
  const bob = testKeys(1);
  const out: Tx[] = [];
  let coin = coinsOf(genesis.tx, [owner])[0];
  const t0 = Date.now() - 3_600_000;
  for (let i = 0; i < n; i++) {
    const tx = pay([coin], [{ to: bob, amount: 1n }], t0 + i);
    out.push(tx);
    coin = coinsOf(tx, [bob, owner])[1];
  }
  return out;
}

/** Stores `txs` in the ledger of data directory `dir` before any node runs on it. */
export async function preload(dir: string, genesis: Genesis, txs: readonly Tx[]): Promise<void> {
  await Deno.mkdir(dir, { recursive: true, mode: 0o700 });
  const l = await openLedger(`${dir}/ledger.db`, { genesis });
  try {
    const results = l.addTxs(txs);
    const bad = results.find((r) => r.kind !== "accepted");
    if (bad) throw new Error(`preload refused ${bad.txid}: ${JSON.stringify(bad)}`);
  } finally {
    l.close();
  }
}

interface ExportTx {
  txid: string;
  status: string;
  work: number;
  inputs: unknown[];
  outputs: unknown[];
}

/** `main.ts export` without the wallet, transactions sorted by txid. */
export async function exportOf(dir: string) {
  const e = JSON.parse(await mainOneShot(["export", "--data", dir]));
  const txs = (e.transactions as ExportTx[]).map((t) => ({
    txid: t.txid,
    status: t.status,
    work: t.work,
    inputs: t.inputs,
    outputs: t.outputs,
  })).sort((a, b) => a.txid < b.txid ? -1 : 1);
  return { network: e.network, transactions: txs, balances: e.balances, supply: e.supply };
}

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
      for (let i = 0; i < 3; i++) nodes.push(await NsNode.start(lan, lan.hosts[i], dirs[i]));
      const [a, b, c] = nodes;
      const to = await b.address();
      const id = (await a.ask(`t ${to} 25`, /^txid ([0-9a-f]{64})/))[1];
      await b.waitFor(/^Payment received: \+?25\b/, 10_000);
      for (const n of [b, c]) {
        await poll(async () => await n.count() === 2, 10_000, `${n.host.name} holds the payment`);
      }
      const ea = await exportOf(dirs[0]);
      assert(ea.transactions.some((t) => t.txid === id), "A stored its payment");
      assertEquals(await exportOf(dirs[1]), ea);
      assertEquals(await exportOf(dirs[2]), ea);
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
      await preload(dirs[0], genesis, chain);
      const [, hb] = lan.hosts;
      await lan.setInboundLoss(hb, 10);
      nodes.push(await NsNode.start(lan, lan.hosts[0], dirs[0]));
      const t0 = performance.now();
      nodes.push(await NsNode.start(lan, lan.hosts[1], dirs[1]));
      nodes.push(await NsNode.start(lan, lan.hosts[2], dirs[2]));
      const [, b, c] = nodes;
      const timings: Record<string, number> = {};
      await Promise.all([b, c].map(async (n) => {
        await poll(
          async () => await n.count() === 2001,
          90_000,
          `${n.host.name} to hold 2,001 transactions`,
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
