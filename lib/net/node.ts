/**
 * The network layer: one broadcast socket on the shared port plus one unicast socket of our
 * own (DESIGN §7), relay of new transactions and confirmations, inventory sync, periodic
 * anti-entropy summaries, static `--peer` links, rate limits and counters
 * (docs/PROTOCOL.md §10).
 * @module
 */
import { bytesEqual, fromHex, toHex } from "../core/hash.ts";
import { type Tx, txidHex } from "../core/tx.ts";
import type { AddResult, Ledger } from "../ledger/ledger.ts";
import type { VerifyPool } from "../ledger/verify_pool.ts";
import {
  DatagramError,
  decodeDatagram,
  encodeDatagram,
  MAX_INV_ENTRIES,
  type Message,
  packConfs,
  packGetData,
  packTxs,
  WireError,
} from "../wire/mod.ts";
import { bump, type NetCounters, newCounters } from "./counters.ts";
import { RateLimiter } from "./rate_limit.ts";
import { SYNC_BATCH, type SyncAction, SyncSession } from "./sync.ts";

/** Default UDP port. */
export const DEFAULT_PORT = 31337;
/** Default broadcast address, for real LANs. Tests pass 127.255.255.255 instead. */
export const DEFAULT_BROADCAST = "255.255.255.255";
/** Default interval of anti-entropy summaries. */
export const SUMMARY_INTERVAL_MS = 3000;
/** Sync state machine step. */
export const SYNC_TICK_MS = 20;
/**
 * A sync request is repeated after these delays unless a sync session has started by then:
 * a lost request or a lost summary reply would otherwise cost a whole summary interval.
 */
export const SYNC_REQ_REPEAT_MS: readonly number[] = [300, 1200];
/**
 * Received transactions are handed to the ledger once this many wait, or at the next turn
 * of the event loop (see #queueTxs): one sync batch, so that with a verify pool one batch
 * is verified while the one before it is stored.
 */
export const FLUSH_TXS = SYNC_BATCH;
/**
 * Batches of received transactions being verified or stored at once. When this many are in
 * flight the receive loop waits for the oldest, so queued transactions stay bounded
 * (MAX_BATCHES_IN_FLIGHT × (FLUSH_TXS + one datagram's)), while replies to a sync's other
 * requests (inventory pages, the next batch) still get read as storage runs.
 */
export const MAX_BATCHES_IN_FLIGHT = 3;
/**
 * Confirmation and summary datagrams waiting for the transactions received before them to
 * be stored. With this many waiting, the receive loop waits too.
 */
export const MAX_DEFERRED = 64;
/**
 * Batches smaller than this are checked on this thread rather than by the verify pool. Sync
 * replies (SYNC_BATCH transactions asked at once) make batches this big; relayed and hostile
 * traffic does not, and a worker round trip per datagram costs more than checking it here.
 * Measured over a flood of 10^6 hostile datagrams (docs/BENCHMARKS.md "Network"): with
 * every batch sent to the pool, the node spent 122 µs of CPU per datagram instead of 40, its
 * worker isolate (about 20 MiB resident) was started by the flood, and its RSS grew by 31 MiB
 * instead of 13. Batches of transactions a sync session asked for go to the pool whatever
 * their size (see #flushTxs).
 */
export const MIN_POOL_BATCH = SYNC_BATCH / 2;
/** Receive buffer of each socket: the largest UDP payload over IPv4, so sizes are exact. */
export const RECV_BUFFER_BYTES = 65_507;
/** Peers (by node id) remembered at once. */
export const MAX_PEERS = 256;
/** A peer not heard from for this long is dropped from the table. */
export const PEER_TTL_MS = 60_000;

/** A host and port. */
export interface HostPort {
  readonly hostname: string;
  readonly port: number;
}

/** What the network layer reports to the node. */
export interface NetEvents {
  /** A confirmation with more work was stored (the miner may move on). */
  onConfirmation?: (txid: Uint8Array, work: number) => void;
  /** A log line. */
  log?: (level: "debug" | "info" | "warn", msg: string, fields?: Record<string, unknown>) => void;
}

/** Configuration of a NetNode. */
export interface NetConfig extends NetEvents {
  readonly ledger: Ledger;
  /** Random per run; our own broadcasts are recognised by it. */
  readonly nodeId: Uint8Array;
  readonly port?: number;
  readonly bind?: string;
  readonly broadcast?: string;
  readonly peers?: readonly HostPort[];
  readonly summaryIntervalMs?: number;
  readonly clock?: () => number;
  readonly rateLimiter?: RateLimiter;
  /** Broadcast a sync request at start (default true). */
  readonly syncOnStart?: boolean;
  /**
   * Workers that verify received transactions' signatures while the previous batch is being
   * stored (`Ledger.prepareTxs`); without it, verification runs on this thread.
   */
  readonly verifyPool?: VerifyPool;
}

/** A peer we have heard from. */
export interface PeerInfo {
  readonly nodeId: string;
  readonly address: string;
  readonly lastSeen: number;
  readonly count: number | null;
  readonly static: boolean;
}

type Addr = Deno.NetAddr;

function key(a: HostPort): string {
  return `${a.hostname}:${a.port}`;
}

/** A node's network endpoint. Create, `start()`, and `stop()` when done. */
export class NetNode {
  readonly counters: NetCounters = newCounters();
  readonly #cfg: NetConfig;
  readonly #ledger: Ledger;
  readonly #network: Uint8Array;
  readonly #clock: () => number;
  readonly #limiter: RateLimiter;
  #bcast?: Deno.DatagramConn;
  #uni?: Deno.DatagramConn;
  #timers: ReturnType<typeof setInterval>[] = [];
  #repeats: ReturnType<typeof setTimeout>[] = [];
  #pendingTxs: { tx: Tx; addr: Addr }[] = [];
  #flushTimer: ReturnType<typeof setTimeout> | undefined;
  /** The latest batch being stored; batches commit in arrival order. */
  #storing: Promise<void> = Promise.resolve();
  /** Confirmations and summaries waiting for the transactions before them (#whenStored). */
  #deferred = 0;
  #summaryTimer: ReturnType<typeof setTimeout> | undefined;
  /** Completion of each batch in flight (being verified or stored), oldest first. */
  #flights: Promise<void>[] = [];
  #loops: Promise<void>[] = [];
  #peers = new Map<string, PeerInfo & { addr: Addr }>();
  #session: SyncSession | null = null;
  #sessionAddr: Addr | null = null;
  #syncQueue = new Map<string, Addr>();
  #stopped = false;

  constructor(cfg: NetConfig) {
    this.#cfg = cfg;
    this.#ledger = cfg.ledger;
    this.#network = cfg.ledger.network;
    this.#clock = cfg.clock ?? Date.now;
    this.#limiter = cfg.rateLimiter ?? new RateLimiter();
  }

  /** The port of our unicast socket (after start). */
  get unicastPort(): number {
    return (this.#uni?.addr as Addr | undefined)?.port ?? 0;
  }

  /** Known peers, most recently seen first. */
  peers(): PeerInfo[] {
    return [...this.#peers.values()]
      .map(({ addr: _a, ...p }) => p)
      .sort((a, b) => b.lastSeen - a.lastSeen);
  }

  /** The running sync session, if any. */
  syncStatus(): { peer: string; wanted: number; fetched: number } | null {
    const s = this.#session;
    return s ? { peer: s.peer, wanted: s.wanted, fetched: s.fetched } : null;
  }

  /** Opens the sockets, starts the loops and asks the peers for what they know. */
  start(): void {
    const bind = this.#cfg.bind ?? "0.0.0.0";
    const port = this.#cfg.port ?? DEFAULT_PORT;
    this.#bcast = Deno.listenDatagram({
      transport: "udp",
      hostname: bind,
      port,
      reuseAddress: true,
    });
    this.#uni = Deno.listenDatagram({ transport: "udp", hostname: bind, port: 0 });
    this.#loops.push(this.#receive(this.#bcast), this.#receive(this.#uni));
    this.#timers.push(setInterval(() => this.#syncTick(), SYNC_TICK_MS));
    this.#scheduleSummary();
    this.#log("info", "network started", {
      port,
      bind,
      unicastPort: this.unicastPort,
      broadcast: this.#cfg.broadcast ?? DEFAULT_BROADCAST,
    });
    if (this.#cfg.syncOnStart ?? true) this.syncNow();
  }

  /** Closes sockets and timers; resolves when the receive loops have ended. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    for (const t of this.#timers) clearInterval(t);
    this.#timers = [];
    clearTimeout(this.#summaryTimer);
    for (const t of this.#repeats) clearTimeout(t);
    this.#repeats = [];
    if (this.#flushTimer !== undefined) clearTimeout(this.#flushTimer);
    this.#pendingTxs = []; // never reported stored; a peer will offer them again
    try {
      this.#bcast?.close();
    } catch { /* already closed */ }
    try {
      this.#uni?.close();
    } catch { /* already closed */ }
    await Promise.allSettled(this.#loops);
    await this.#storing;
  }

  /** Broadcasts a sync request: every peer answers with its summary. */
  syncNow(): void {
    this.counters.syncRequested++;
    this.#toAll({ type: "sync-req" });
    const sessions = this.counters.syncSessions;
    for (const t of this.#repeats) clearTimeout(t);
    this.#repeats = SYNC_REQ_REPEAT_MS.map((ms) =>
      setTimeout(() => {
        if (!this.#stopped && this.counters.syncSessions === sessions) {
          this.#toAll({ type: "sync-req" });
        }
      }, ms)
    );
  }

  /** Announces a transaction of ours to the LAN and the static peers. */
  announceTx(tx: Tx | Uint8Array): void {
    for (const d of packTxs(this.#network, this.#cfg.nodeId, [tx])) this.#sendAll(d);
  }

  /** Announces a confirmation (found by our miner) to the LAN and the static peers. */
  announceConfirmation(txid: Uint8Array, nonce: bigint): void {
    for (const d of packConfs(this.#network, this.#cfg.nodeId, [{ txid, nonce }])) {
      this.#sendAll(d);
    }
  }

  #log(level: "debug" | "info" | "warn", msg: string, fields?: Record<string, unknown>): void {
    this.#cfg.log?.(level, msg, fields);
  }

  async #receive(sock: Deno.DatagramConn): Promise<void> {
    // One buffer per socket, reused for every datagram. Without one, Deno allocates 64 KiB
    // per datagram received, and a flood leaves tens of MiB of them waiting for the garbage
    // collector. Reuse is safe: each datagram is handled before the next is read, and the
    // decoder copies whatever it returns.
    const buf = new Uint8Array(RECV_BUFFER_BYTES);
    try {
      for (;;) {
        const [data, addr] = await sock.receive(buf);
        try {
          await this.#handle(data, addr as Addr);
        } catch (e) {
          // A bug, not bad input: bad input is handled inside. Log it and keep serving.
          this.#log("warn", "datagram handler failed", { error: String(e) });
        }
      }
    } catch (e) {
      if (!this.#stopped) this.#log("warn", "receive loop ended", { error: String(e) });
    }
  }

  async #handle(data: Uint8Array, addr: Addr): Promise<void> {
    const c = this.counters;
    c.datagramsIn++;
    c.bytesIn += data.length;
    if (!this.#limiter.allow(key(addr), this.#clock())) {
      c.rateLimited++;
      return;
    }
    let d;
    try {
      d = decodeDatagram(data, this.#network);
    } catch (e) {
      if (e instanceof DatagramError && e.reason === "network") c.otherNetwork++;
      else if (e instanceof DatagramError) bump(c.malformed, e.reason);
      else if (e instanceof WireError) bump(c.malformed, "decode");
      else throw e;
      return;
    }
    if (bytesEqual(d.sender, this.#cfg.nodeId)) {
      c.ownIgnored++;
      return;
    }
    this.#touchPeer(toHex(d.sender), addr, d.message);
    await this.#dispatch(d.message, addr);
  }

  #touchPeer(nodeId: string, addr: Addr, m: Message): void {
    const now = this.#clock();
    const old = this.#peers.get(nodeId);
    this.#peers.delete(nodeId);
    if (this.#peers.size >= MAX_PEERS) this.#peers.delete(this.#peers.keys().next().value!);
    const isStatic = (this.#cfg.peers ?? []).some((p) =>
      p.hostname === addr.hostname && p.port === addr.port
    );
    this.#peers.set(nodeId, {
      nodeId,
      address: key(addr),
      addr,
      lastSeen: now,
      count: m.type === "summary" ? m.count : old?.count ?? null,
      static: isStatic || (old?.static ?? false),
    });
  }

  #dispatch(m: Message, addr: Addr): Promise<void> | void {
    // Transactions wait briefly to be stored together (see #queueTxs). Confirmations and
    // summaries are about them, so they are applied once the transactions received before
    // them are stored, but the receive loop goes on meanwhile: requests and inventories
    // need not wait for the ledger to catch up. (Waiting here for storage stalled a sync at
    // one inventory page per storage round, and at one batch per round when every reply
    // ended with its confirmations.)
    if (m.type === "tx") return this.#queueTxs(m.txs, addr);
    if (m.type === "conf" || m.type === "summary") {
      return this.#whenStored(() => this.#handleMessage(m, addr));
    }
    return this.#handleMessage(m, addr);
  }

  /**
   * Runs `fn` once every transaction received so far is stored, in arrival order with the
   * storage batches. Returns a promise for the receive loop to wait on only when
   * MAX_DEFERRED messages already wait, so that deferred work stays bounded.
   */
  #whenStored(fn: () => Promise<void> | void): Promise<void> | void {
    if (this.#pendingTxs.length > 0) void this.#flushTxs();
    this.#deferred++;
    const run = this.#storing.then(async () => {
      try {
        if (!this.#stopped) await fn();
      } finally {
        this.#deferred--;
      }
    });
    this.#storing = run.catch((e) => {
      if (!this.#stopped) this.#log("warn", "handling a message failed", { error: String(e) });
    });
    if (this.#deferred >= MAX_DEFERRED) return this.#storing;
  }

  /** Handles a message other than `tx`, now. */
  async #handleMessage(m: Exclude<Message, { type: "tx" }>, addr: Addr): Promise<void> {
    switch (m.type) {
      case "conf":
        return this.#onConfs(m.confs, addr);
      case "sync-req": {
        const s = this.#ledger.summary();
        await this.#send(
          encodeDatagram({
            network: this.#network,
            sender: this.#cfg.nodeId,
            message: { type: "summary", count: s.count, digest: s.digest },
          }),
          addr,
        );
        return;
      }
      case "summary": {
        const mine = this.#ledger.summary();
        if (m.count !== mine.count || !bytesEqual(m.digest, mine.digest)) this.#queueSync(addr);
        return;
      }
      case "get-inv": {
        const entries = this.#ledger.inventory(m.after, Math.min(m.limit, MAX_INV_ENTRIES));
        await this.#send(
          encodeDatagram({
            network: this.#network,
            sender: this.#cfg.nodeId,
            message: {
              type: "inv",
              after: m.after,
              more: entries.length === Math.min(m.limit, MAX_INV_ENTRIES),
              entries,
            },
          }),
          addr,
        );
        return;
      }
      case "inv": {
        const s = this.#session;
        if (s && this.#sessionAddr && key(this.#sessionAddr) === key(addr)) {
          this.#run(s.onInv(m.after, m.entries, m.more, this.#clock()));
          this.#pump();
        }
        return;
      }
      case "get-data":
        return this.#onGetData(m.txids, addr);
    }
  }

  /**
   * Queues received transactions and stores them at the next turn of the event loop, or at
   * once when FLUSH_TXS wait: the datagrams of a sync reply that are already queued at the
   * socket then go into the ledger in one database transaction instead of one each. Returns
   * a promise for the receive loop to wait on when MAX_BATCHES_IN_FLIGHT are in flight.
   */
  #queueTxs(txs: readonly Tx[], addr: Addr): Promise<void> | void {
    this.counters.txReceived += txs.length;
    for (const tx of txs) this.#pendingTxs.push({ tx, addr });
    if (this.#pendingTxs.length >= FLUSH_TXS) void this.#flushTxs();
    else {
      this.#flushTimer ??= setTimeout(() => {
        this.#flushTimer = undefined;
        void this.#flushTxs();
      }, 0);
    }
    if (this.#flights.length >= MAX_BATCHES_IN_FLIGHT) return this.#flights[0];
  }

  /**
   * Stores the queued transactions. With a verify pool, their signatures are checked on the
   * workers at once, overlapping the commit of the batch before, and batches still commit
   * in arrival order (a child never waits as an orphan for a parent of the previous batch).
   */
  #flushTxs(): Promise<void> {
    if (this.#flushTimer !== undefined) clearTimeout(this.#flushTimer);
    this.#flushTimer = undefined;
    const batch = this.#pendingTxs;
    if (batch.length === 0 || this.#stopped) return this.#storing;
    this.#pendingTxs = [];
    const txs = batch.map((b) => b.tx);
    // Sync replies go to the pool, however they were split into batches (a reply that
    // straddles two turns of the event loop makes a small one): the session asked for their
    // txids, which nobody can forge. Other small batches stay on this thread.
    const solicited = this.#session?.wants(txidHex(txs[0])) ?? false;
    const pool = solicited || txs.length >= MIN_POOL_BATCH ? this.#cfg.verifyPool : undefined;
    const prepared = pool ? this.#ledger.prepareTxs(txs, pool) : null;
    prepared?.catch(() => {}); // handled when awaited below
    const before = this.#storing;
    const done = (async () => {
      try {
        await before;
        if (this.#stopped) return;
        const results = prepared
          ? this.#ledger.commitTxs(await prepared)
          : this.#ledger.addTxs(txs);
        await this.#afterStore(batch, results);
      } finally {
        this.#flights.shift();
      }
    })();
    this.#storing = done.catch((e) => {
      if (!this.#stopped) this.#log("warn", "storing transactions failed", { error: String(e) });
    });
    this.#flights.push(this.#storing);
    return this.#storing;
  }

  async #afterStore(
    batch: readonly { tx: Tx; addr: Addr }[],
    results: readonly AddResult[],
  ): Promise<void> {
    const c = this.counters;
    const relay: Tx[] = [];
    const now = this.#clock();
    const missing = new Map<string, { addr: Addr; ids: Set<string> }>();
    results.forEach((r, i) => {
      const solicited = this.#session?.wants(r.txid) ?? false;
      const { tx, addr } = batch[i];
      switch (r.kind) {
        case "accepted":
          c.txAccepted++;
          if (!solicited) relay.push(tx);
          break;
        case "duplicate":
          c.txDuplicate++;
          break;
        case "orphan": {
          c.txOrphan++;
          const k = key(addr);
          const m = missing.get(k) ?? { addr, ids: new Set<string>() };
          for (const p of r.missing) m.ids.add(p);
          missing.set(k, m);
          break;
        }
        case "rejected":
          bump(c.txRejected, r.code);
          this.#log("debug", "rejected tx", { txid: r.txid, code: r.code, from: key(addr) });
          break;
      }
      this.#session?.onArrived(r.txid, now, r.kind === "orphan");
    });
    for (const { addr, ids } of missing.values()) {
      const parents = [...ids].filter((p) => !this.#ledger.hasTx(p)).map(fromHex);
      if (this.#session) this.#session.wantParents(parents);
      else {
        for (const d of packGetData(this.#network, this.#cfg.nodeId, parents)) {
          await this.#send(d, addr);
        }
      }
    }
    if (relay.length > 0) {
      c.relayed += relay.length;
      for (const d of packTxs(this.#network, this.#cfg.nodeId, relay)) this.#sendAll(d);
    }
    this.#pump();
  }

  #onConfs(confs: readonly { txid: Uint8Array; nonce: bigint }[], _addr: Addr): void {
    const c = this.counters;
    c.confReceived += confs.length;
    const results = this.#ledger.addConfirmations(confs);
    const relay: { txid: Uint8Array; nonce: bigint }[] = [];
    const now = this.#clock();
    results.forEach((r, i) => {
      if (r.kind === "improved") {
        c.confImproved++;
        const solicited = this.#session?.wants(r.txid) ?? false;
        if (!solicited) relay.push(confs[i]);
        this.#cfg.onConfirmation?.(confs[i].txid, r.work);
      } else if (r.kind === "not-better") c.confStale++;
      else c.confUnknown++;
      this.#session?.onArrived(r.txid, now);
    });
    if (relay.length > 0) {
      c.relayed += relay.length;
      for (const d of packConfs(this.#network, this.#cfg.nodeId, relay)) this.#sendAll(d);
    }
    this.#pump();
  }

  async #onGetData(txids: readonly Uint8Array[], addr: Addr): Promise<void> {
    const raws: Uint8Array[] = [];
    const confs: { txid: Uint8Array; nonce: bigint }[] = [];
    for (const id of txids) {
      const rec = this.#ledger.getRaw(id);
      if (!rec) continue;
      raws.push(rec.raw);
      if (rec.nonce !== null) confs.push({ txid: id, nonce: rec.nonce });
    }
    for (const d of packTxs(this.#network, this.#cfg.nodeId, raws)) await this.#send(d, addr);
    for (const d of packConfs(this.#network, this.#cfg.nodeId, confs)) await this.#send(d, addr);
  }

  #queueSync(addr: Addr): void {
    if (this.#sessionAddr && key(this.#sessionAddr) === key(addr)) return;
    if (this.#syncQueue.size < MAX_PEERS) this.#syncQueue.set(key(addr), addr);
  }

  #syncTick(): void {
    const now = this.#clock();
    let s = this.#session;
    if (s && s.state !== "running") {
      if (s.state === "done") this.counters.syncCompleted++;
      else this.counters.syncAbandoned++;
      this.#log("info", `sync ${s.state}`, { peer: s.peer, fetched: s.fetched });
      this.#session = s = null;
      this.#sessionAddr = null;
    }
    if (!s) {
      const next = this.#syncQueue.entries().next();
      if (next.done) return;
      const [k, addr] = next.value;
      this.#syncQueue.delete(k);
      this.counters.syncSessions++;
      s = this.#session = new SyncSession(k, (id) => this.#ledger.workOf(id), now);
      this.#sessionAddr = addr;
    }
    this.#run(s.tick(now));
  }

  /** Steps the running session at once after a reply, rather than at the next tick. */
  #pump(): void {
    const s = this.#session;
    if (s && s.state === "running") this.#run(s.tick(this.#clock()));
  }

  #run(actions: readonly SyncAction[]): void {
    const addr = this.#sessionAddr;
    if (!addr) return;
    for (const a of actions) {
      if (a.type === "get-inv") {
        void this.#send(
          encodeDatagram({
            network: this.#network,
            sender: this.#cfg.nodeId,
            message: { type: "get-inv", after: a.after, limit: MAX_INV_ENTRIES },
          }),
          addr,
        );
      } else {
        for (const d of packGetData(this.#network, this.#cfg.nodeId, a.txids)) {
          void this.#send(d, addr);
        }
      }
    }
  }

  /**
   * Summaries go out every SUMMARY_INTERVAL_MS ± 25%, at random: nodes started together
   * (or healed together) then do not all announce at the same moment, and the first to
   * notice a difference starts syncing sooner.
   */
  #scheduleSummary(): void {
    if (this.#stopped) return;
    const every = this.#cfg.summaryIntervalMs ?? SUMMARY_INTERVAL_MS;
    this.#summaryTimer = setTimeout(() => {
      this.#announceSummary();
      this.#scheduleSummary();
    }, every * (0.75 + 0.5 * Math.random()));
  }

  #announceSummary(): void {
    const now = this.#clock();
    for (const [id, p] of this.#peers) if (now - p.lastSeen > PEER_TTL_MS) this.#peers.delete(id);
    this.#ledger.orphans.expire(now);
    const s = this.#ledger.summary();
    this.#toAll({ type: "summary", count: s.count, digest: s.digest });
  }

  #toAll(message: Message): void {
    this.#sendAll(encodeDatagram({ network: this.#network, sender: this.#cfg.nodeId, message }));
  }

  /** Broadcast on the LAN, and unicast to every static peer. */
  #sendAll(datagram: Uint8Array): void {
    const port = this.#cfg.port ?? DEFAULT_PORT;
    void this.#send(datagram, {
      transport: "udp",
      hostname: this.#cfg.broadcast ?? DEFAULT_BROADCAST,
      port,
    });
    for (const p of this.#cfg.peers ?? []) {
      void this.#send(datagram, { transport: "udp", hostname: p.hostname, port: p.port });
    }
  }

  async #send(datagram: Uint8Array, addr: Addr): Promise<void> {
    if (this.#stopped || !this.#uni) return;
    try {
      await this.#uni.send(datagram, addr);
      this.counters.datagramsOut++;
      this.counters.bytesOut += datagram.length;
    } catch (e) {
      this.counters.sendErrors++;
      this.#log("debug", "send failed", { to: key(addr), error: String(e) });
    }
  }
}
