/**
 * Hostile-input test: a live NetNode on 127.0.0.1 with a populated ledger receives well over
 * 100,000 datagrams from several sockets: random bytes of random sizes (0 and > 8192
 * included), valid headers with random bodies, mutations of valid datagrams of every type,
 * and other networks' datagrams. Afterwards the node still answers, a fresh node still syncs
 * from it, its ledger is unchanged, and its memory stayed bounded.
 *
 * The generator is exported for tests/bench/net_bench.ts (10^6 datagrams). Every datagram is
 * sent to 127.0.0.1 only (DESIGN §7).
 * @module
 */
import { assert, assertEquals } from "../helpers/assert.ts";
import { toHex } from "../../lib/core/hash.ts";
import { confirmationWork } from "../../lib/core/pow.ts";
import { type Tx, txid } from "../../lib/core/tx.ts";
import type { Ledger } from "../../lib/ledger/ledger.ts";
import { openLedger } from "../../lib/ledger/ledger.ts";
import {
  decodeDatagram,
  encodeDatagram,
  HEADER_BYTES,
  MAX_DATAGRAM_BYTES,
  type Message,
  packConfs,
  packTxs,
} from "../../lib/wire/mod.ts";
import { prng, T0, testKeys } from "../helpers/fixtures.ts";
import { nonceForWork, TEST_CONFIRM_WORK, testGenesis } from "../helpers/ledger_fixtures.ts";
import { freeUdpPort, paymentChain, startNode, waitFor } from "../helpers/net_fixtures.ts";
import type { Genesis } from "../../lib/core/genesis.ts";

/** What the generator needs to know about the target's ledger. */
export interface FuzzTarget {
  /** The target's network id. */
  readonly network: Uint8Array;
  /** Stored transactions with their best nonce (null when unconfirmed). */
  readonly txs: readonly { tx: Tx; nonce: bigint | null }[];
}

/** Kinds of generated datagram, counted by the generator. */
export type FuzzKind =
  | "random"
  | "random-header"
  | "bit-flip"
  | "truncated"
  | "extended"
  | "overwritten"
  | "other-network"
  | "valid";

/**
 * A deterministic generator of hostile datagrams against `target`. It never yields a
 * datagram that could change the target's ledger: the only valid messages that could are
 * confirmations with more work than the stored one, and those are filtered out by decoding
 * every candidate the way the node will. (A mutated transaction cannot be valid and new
 * without a forged signature, since the sighash commits to every field but the signatures.)
 */
export class FuzzGenerator {
  readonly counts: Record<FuzzKind, number> = {
    "random": 0,
    "random-header": 0,
    "bit-flip": 0,
    "truncated": 0,
    "extended": 0,
    "overwritten": 0,
    "other-network": 0,
    "valid": 0,
  };
  /** Candidates dropped because they would have improved a stored confirmation. */
  filtered = 0;
  readonly #rnd: () => number;
  readonly #network: Uint8Array;
  readonly #work = new Map<string, number>();
  readonly #valid: Uint8Array[] = [];
  readonly #foreign: Uint8Array[] = [];

  constructor(target: FuzzTarget, seed: number) {
    this.#rnd = prng(seed);
    this.#network = target.network;
    const sender = () => crypto.getRandomValues(new Uint8Array(8));
    const net = target.network;
    const ids = target.txs.map((t) => txid(t.tx));
    target.txs.forEach((t, i) => {
      this.#work.set(toHex(ids[i]), t.nonce === null ? 0 : confirmationWork(ids[i], t.nonce));
    });
    const pick = <T>(a: readonly T[]) => a[Math.floor(this.#rnd() * a.length)];
    const msgs: Message[] = [
      { type: "sync-req" },
      { type: "summary", count: ids.length, digest: crypto.getRandomValues(new Uint8Array(32)) },
      { type: "get-inv", after: new Uint8Array(32), limit: 5 },
      { type: "get-inv", after: pick(ids), limit: 1 },
      {
        type: "inv",
        after: new Uint8Array(32),
        more: true,
        entries: ids.slice(0, 12).map((id) => ({ txid: id, work: 3 })),
      },
      { type: "inv", after: pick(ids), more: false, entries: [] },
      { type: "get-data", txids: [pick(ids), pick(ids).map((b) => b ^ 1)] },
      { type: "get-data", txids: [crypto.getRandomValues(new Uint8Array(32))] },
    ];
    for (const message of msgs) {
      this.#valid.push(encodeDatagram({ network: net, sender: sender(), message }));
    }
    for (let i = 0; i < 6; i++) {
      const txs = Array.from({ length: 1 + i }, () => pick(target.txs).tx);
      this.#valid.push(...packTxs(net, sender(), txs));
    }
    const confirmed = target.txs.filter((t) => t.nonce !== null);
    for (let i = 0; i < 6; i++) {
      const confs = Array.from({ length: 1 + 3 * i }, () => {
        const t = pick(confirmed);
        return { txid: txid(t.tx), nonce: t.nonce! };
      });
      this.#valid.push(...packConfs(net, sender(), confs));
    }
    // Other networks: the same messages under random network ids.
    for (const d of this.#valid) {
      const f = d.slice();
      crypto.getRandomValues(f.subarray(5, 13));
      this.#foreign.push(f);
    }
  }

  /** The valid datagrams mutated by the generator (one or more of every message type). */
  get seeds(): readonly Uint8Array[] {
    return this.#valid;
  }

  #int(n: number): number {
    return Math.floor(this.#rnd() * n);
  }

  #randomBytes(n: number): Uint8Array {
    const b = new Uint8Array(n);
    for (let off = 0; off < n; off += 65536) {
      crypto.getRandomValues(b.subarray(off, Math.min(n, off + 65536)));
    }
    return b;
  }

  #size(): number {
    const r = this.#rnd();
    if (r < 0.05) return 0;
    if (r < 0.15) return MAX_DATAGRAM_BYTES + 1 + this.#int(12_000); // oversize
    if (r < 0.25) return MAX_DATAGRAM_BYTES - 8 + this.#int(16); // around the limit
    if (r < 0.6) return this.#int(HEADER_BYTES + 40);
    return this.#int(MAX_DATAGRAM_BYTES);
  }

  #mutate(d: Uint8Array): { kind: FuzzKind; bytes: Uint8Array } {
    const r = this.#rnd();
    if (r < 0.4) {
      const b = d.slice();
      const flips = 1 + this.#int(4);
      for (let i = 0; i < flips; i++) b[this.#int(b.length)] ^= 1 << this.#int(8);
      return { kind: "bit-flip", bytes: b };
    }
    if (r < 0.6) return { kind: "truncated", bytes: d.slice(0, this.#int(d.length)) };
    if (r < 0.8) {
      const extra = this.#rnd() < 0.8 ? 1 + this.#int(8) : this.#int(MAX_DATAGRAM_BYTES + 100);
      const b = new Uint8Array(d.length + extra);
      b.set(d);
      b.set(this.#randomBytes(extra), d.length);
      return { kind: "extended", bytes: b };
    }
    // Overwrite a short run past the header: counts, lengths, flags, limits.
    const b = d.slice();
    const at = HEADER_BYTES + this.#int(Math.max(1, b.length - HEADER_BYTES));
    const run = 1 + this.#int(4);
    for (let i = at; i < Math.min(b.length, at + run); i++) {
      b[i] = this.#rnd() < 0.5 ? 0xff : this.#int(256);
    }
    return { kind: "overwritten", bytes: b };
  }

  #candidate(): { kind: FuzzKind; bytes: Uint8Array } {
    const r = this.#rnd();
    if (r < 0.25) return { kind: "random", bytes: this.#randomBytes(this.#size()) };
    if (r < 0.45) {
      // A valid header (our network, random sender, any type byte) and a random body.
      const body = this.#randomBytes(this.#rnd() < 0.7 ? this.#int(80) : this.#int(9000));
      const b = new Uint8Array(HEADER_BYTES + body.length);
      b.set(this.#valid[0].subarray(0, HEADER_BYTES));
      crypto.getRandomValues(b.subarray(13, 21));
      b[21] = this.#rnd() < 0.8 ? 1 + this.#int(7) : this.#int(256);
      b.set(body, HEADER_BYTES);
      return { kind: "random-header", bytes: b };
    }
    if (r < 0.88) return this.#mutate(this.#valid[this.#int(this.#valid.length)]);
    if (r < 0.96) {
      const f = this.#foreign[this.#int(this.#foreign.length)];
      return { kind: "other-network", bytes: this.#rnd() < 0.5 ? f : this.#mutate(f).bytes };
    }
    return { kind: "valid", bytes: this.#valid[this.#int(this.#valid.length)] };
  }

  /** True when the node would decode `bytes` into a confirmation that raises stored work. */
  #wouldImprove(bytes: Uint8Array): boolean {
    let m: Message;
    try {
      m = decodeDatagram(bytes, this.#network).message;
    } catch {
      return false;
    }
    if (m.type !== "conf") return false;
    return m.confs.some((c) => {
      const stored = this.#work.get(toHex(c.txid));
      return stored !== undefined && confirmationWork(c.txid, c.nonce) > stored;
    });
  }

  /** The next hostile datagram. */
  next(): Uint8Array {
    for (;;) {
      const c = this.#candidate();
      if (c.bytes[21] === 2 && this.#wouldImprove(c.bytes)) {
        this.filtered++;
        continue;
      }
      this.counts[c.kind]++;
      return c.bytes;
    }
  }
}

/** Bytes of resident memory of this process. */
export function rssBytes(): number {
  return Deno.memoryUsage().rss;
}

/** Several UDP sockets on 127.0.0.1 that send and silently drain whatever comes back. */
export class Senders {
  readonly socks: Deno.DatagramConn[];
  received = 0;
  readonly #loops: Promise<void>[];
  constructor(n: number) {
    this.socks = Array.from(
      { length: n },
      () => Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 }),
    );
    this.#loops = this.socks.map(async (s) => {
      try {
        for await (const _ of s) this.received++;
      } catch { /* closed */ }
    });
  }
  async close(): Promise<void> {
    for (const s of this.socks) s.close();
    await Promise.allSettled(this.#loops);
  }
}

/**
 * Sends `total` generated datagrams to `targets` (127.0.0.1 ports) from `senders`, keeping
 * at most `window` datagrams in flight: `delivered()` tells how many the node has read, so
 * the sender never overruns the receive buffer and nearly every datagram is decoded rather
 * than dropped by the kernel. Returns datagrams sent and send errors (oversize refused by
 * the kernel, if any).
 */
export async function flood(opts: {
  gen: { next(): Uint8Array };
  senders: Senders;
  targets: readonly number[];
  total: number;
  window: number;
  delivered: () => number;
  onProgress?: (sent: number) => void;
}): Promise<{ sent: number; sendErrors: number }> {
  const { gen, senders, targets, total, window, delivered } = opts;
  let sent = 0, sendErrors = 0, turn = 0;
  const base = delivered();
  const chunk = Math.max(1, Math.floor(window / 4));
  while (sent < total) {
    const t0 = performance.now();
    while (sent - (delivered() - base) > window - chunk && performance.now() - t0 < 50) {
      await new Promise((r) => setTimeout(r, 0));
    }
    const n = Math.min(chunk, total - sent);
    const ps: Promise<unknown>[] = [];
    for (let i = 0; i < n; i++) {
      const sock = senders.socks[turn % senders.socks.length];
      const port = targets[Math.floor(turn / senders.socks.length) % targets.length];
      turn++;
      ps.push(
        sock.send(gen.next(), { transport: "udp", hostname: "127.0.0.1", port }).catch(() => {
          sendErrors++;
        }),
      );
    }
    await Promise.all(ps);
    sent += n;
    opts.onProgress?.(sent);
  }
  return { sent, sendErrors };
}

function ledgerView(l: Ledger) {
  const statuses = l.statusCounts();
  return {
    count: l.count,
    digest: toHex(l.summary().digest),
    statuses: { ...statuses, orphan: 0 },
    balances: [...l.balances()].map(([a, v]) => `${a}=${v}`).join(","),
    supply: l.supply(),
  };
}

/** A test ledger of `n` chained payments, every third one confirmed. */
export async function populatedLedger(
  genesis: Genesis,
  n: number,
): Promise<{ ledger: Ledger; txs: { tx: Tx; nonce: bigint | null }[] }> {
  const alice = testKeys(0);
  const ledger = await openLedger(":memory:", {
    genesis,
    confirmWork: TEST_CONFIRM_WORK,
    clock: () => T0 + 3_600_000,
  });
  const chain = paymentChain(genesis, alice, n);
  const results = ledger.addTxs(chain);
  assert(results.every((r) => r.kind === "accepted"), "the fixture chain is accepted");
  const txs = chain.map((tx, i) => {
    if (i % 3 !== 0) return { tx, nonce: null };
    const nonce = nonceForWork(txid(tx), 9);
    ledger.addConfirmation(txid(tx), nonce);
    return { tx, nonce };
  });
  txs.unshift({ tx: genesis.tx, nonce: genesis.nonce });
  return { ledger, txs };
}

/** Datagrams per CI run. */
const FUZZ_TOTAL = 120_000;

Deno.test({
  name: "a live node survives 120,000 hostile datagrams and stays correct",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const alice = testKeys(0);
    const genesis = testGenesis(alice);
    const port = freeUdpPort();
    const { ledger, txs } = await populatedLedger(genesis, 300);
    const a = await startNode(genesis, port, { ledger, summaryIntervalMs: 1000 });
    const senders = new Senders(8);
    let b;
    try {
      const before = ledgerView(a.ledger);
      const gen = new FuzzGenerator({ network: a.ledger.network, txs }, 0xc0ffee);
      const c = a.net.counters;
      const targets = [a.net.unicastPort, port];
      // Warm up, so that lazily built code and buffers are counted in the baseline.
      await flood({
        gen,
        senders,
        targets,
        total: 10_000,
        window: 256,
        delivered: () => c.datagramsIn,
      });
      const rss0 = rssBytes();
      const t0 = performance.now();
      const in0 = c.datagramsIn;
      let rssMax = rss0;
      const { sent, sendErrors } = await flood({
        gen,
        senders,
        targets,
        total: FUZZ_TOTAL - 10_000,
        window: 256,
        delivered: () => c.datagramsIn,
        onProgress: (n) => {
          if (n % 10_000 < 64) rssMax = Math.max(rssMax, rssBytes());
        },
      });
      await waitFor(() => c.datagramsIn - in0 >= sent * 0.99, 5000, "the node to drain").catch(
        () => {},
      );
      const secs = (performance.now() - t0) / 1000;
      const rss1 = rssBytes();
      rssMax = Math.max(rssMax, rss1);
      const malformed = Object.values(c.malformed).reduce((s, v) => s + v, 0);
      const report = {
        sent: sent + 10_000,
        sendErrors,
        secs: Math.round(secs * 10) / 10,
        perSecond: Math.round(sent / secs),
        received: c.datagramsIn,
        malformed: c.malformed,
        otherNetwork: c.otherNetwork,
        rateLimited: c.rateLimited,
        txRejected: c.txRejected,
        txOrphan: c.txOrphan,
        txDuplicate: c.txDuplicate,
        confStale: c.confStale,
        confUnknown: c.confUnknown,
        confImproved: c.confImproved,
        kinds: gen.counts,
        filtered: gen.filtered,
        rssMB: {
          before: +(rss0 / 2 ** 20).toFixed(1),
          after: +(rss1 / 2 ** 20).toFixed(1),
          max: +(rssMax / 2 ** 20).toFixed(1),
          growth: +((rss1 - rss0) / 2 ** 20).toFixed(1),
        },
        peers: a.net.peers().length,
        orphans: a.ledger.orphans.size,
      };
      console.log(JSON.stringify(report));
      assert(sent + 10_000 >= 100_000, "at least 100,000 datagrams");
      // Nearly all were read, and the bulk was refused by the decoder, not the rate limiter.
      assert(c.datagramsIn >= 0.95 * FUZZ_TOTAL, `received ${c.datagramsIn} of ${FUZZ_TOTAL}`);
      assert(malformed + c.otherNetwork >= 0.7 * c.datagramsIn, "malformed is the bulk");
      assert(c.rateLimited < 0.01 * c.datagramsIn, `rate-limited ${c.rateLimited}`);
      for (const reason of ["size", "magic", "version", "type", "count", "decode", "trailing"]) {
        assert((c.malformed[reason] ?? 0) > 0, `malformed "${reason}" was exercised`);
      }
      assert(c.otherNetwork > 0, "other networks were exercised");
      assertEquals(c.confImproved, 0);
      assertEquals(c.txAccepted, 0);
      // Memory stayed bounded.
      assert(rss1 - rss0 < 50 * 2 ** 20, `RSS grew by ${report.rssMB.growth} MB`);
      assert(a.net.peers().length <= 256, "peer table is bounded");

      // The ledger is unchanged.
      assertEquals(ledgerView(a.ledger), before);

      // It still answers: a sync request gets the same summary back to our socket.
      const probe = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
      try {
        const sender = crypto.getRandomValues(new Uint8Array(8));
        await probe.send(
          encodeDatagram({ network: a.ledger.network, sender, message: { type: "sync-req" } }),
          { transport: "udp", hostname: "127.0.0.1", port: a.net.unicastPort },
        );
        const timer = setTimeout(() => probe.close(), 3000);
        const [reply] = await probe.receive();
        clearTimeout(timer);
        const m = decodeDatagram(reply, a.ledger.network).message;
        assert(m.type === "summary", `got ${m.type}`);
        assertEquals({ count: m.count, digest: toHex(m.digest) }, {
          count: before.count,
          digest: before.digest,
        });
      } finally {
        try {
          probe.close();
        } catch { /* closed by the timer */ }
      }

      // A fresh node still syncs everything from it, and a payment from the fresh node
      // reaches it.
      b = await startNode(genesis, port, { summaryIntervalMs: 1000 });
      await waitFor(
        () => toHex(b!.ledger.summary().digest) === before.digest,
        20_000,
        "a fresh node to sync from the fuzzed node",
      );
      const next = paymentChain(genesis, alice, 301)[300];
      assertEquals(b.ledger.addTx(next).kind, "accepted");
      b.net.announceTx(next);
      await waitFor(() => a.ledger.hasTx(txid(next)), 5000, "the payment to reach the node");
      assertEquals(a.ledger.supply().ok, true);
    } finally {
      await senders.close();
      await a.stop();
      await b?.stop();
    }
  },
});

Deno.test({
  name: "a burst from one source is rate-limited and counted",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const genesis = testGenesis(testKeys(0));
    const port = freeUdpPort();
    const a = await startNode(genesis, port, { summaryIntervalMs: 60_000 });
    const senders = new Senders(1);
    try {
      const junk = new Uint8Array(30).fill(0x55);
      const c = a.net.counters;
      // One source sends well above 10,000 datagrams per second for about a second.
      const t0 = performance.now();
      await flood({
        gen: { next: () => junk },
        senders,
        targets: [a.net.unicastPort],
        total: 40_000,
        window: 512,
        delivered: () => c.datagramsIn,
      });
      const secs = (performance.now() - t0) / 1000;
      await new Promise((r) => setTimeout(r, 100));
      console.log(JSON.stringify({
        sent: 40_000,
        secs: +secs.toFixed(2),
        received: c.datagramsIn,
        rateLimited: c.rateLimited,
        malformed: c.malformed,
      }));
      assert(c.rateLimited > 0, "the limiter dropped part of the burst");
      assert(
        (c.malformed.magic ?? 0) <= 10_000 + 10_000 * secs + 500,
        "no more than burst + rate × time got through",
      );
      // A second source is not affected by the first one's flood.
      const probe = new Senders(1);
      try {
        const before = c.malformed.magic ?? 0;
        await probe.socks[0].send(junk, {
          transport: "udp",
          hostname: "127.0.0.1",
          port: a.net.unicastPort,
        });
        await waitFor(() => (c.malformed.magic ?? 0) > before, 2000, "the other source");
      } finally {
        await probe.close();
      }
    } finally {
      await senders.close();
      await a.stop();
    }
  },
});
