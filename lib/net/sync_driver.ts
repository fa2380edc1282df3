/**
 * Drives sync sessions (lib/net/sync.ts is the state machine without I/O): one session at a
 * time, peers whose summary differs queued behind it in a ranked queue (sync_queue.ts), the
 * session stepped on a timer and after every reply, and what it asks for sent to its peer.
 * @module
 */
import { toHex } from "../core/hash.ts";
import { MAX_INV_ENTRIES, packGetData } from "../wire/mod.ts";
import { datagramOf, type NetContext, sendToAll } from "./context.ts";
import type { NetGuard } from "./guard.ts";
import { MAX_PEERS } from "./peers.ts";
import { type SyncAction, SyncSession } from "./sync.ts";
import { SyncQueue } from "./sync_queue.ts";
import { type Addr, addrKey } from "./transport.ts";

/**
 * Sync state machine step, while a session runs or peers wait for one. The timer stops
 * when neither is left: a 20 ms timer that never stops cost an idle node about 8 ms of CPU a
 * second (measured here), more than its share of a payment (issue 16).
 */
export const SYNC_TICK_MS = 20;
/**
 * A sync request is repeated after these delays unless a sync session has started by then:
 * a lost request or a lost summary reply would otherwise cost a whole summary interval.
 */
export const SYNC_REQ_REPEAT_MS: readonly number[] = [300, 1200];

/** The running sync session, if any, and the peers waiting for their turn. */
export class SyncDriver {
  readonly #ctx: NetContext;
  #session: SyncSession | null = null;
  #sessionAddr: Addr | null = null;
  readonly #queue: SyncQueue<Addr>;
  readonly #guard?: NetGuard;
  /** Where a queued peer's inventory walk starts, when not at the zero txid. */
  #from = new Map<string, Uint8Array>();
  #timer: ReturnType<typeof setInterval> | undefined;
  #repeats: ReturnType<typeof setTimeout>[] = [];
  #completed: ((peer: Addr, fetched: number) => void)[] = [];
  #started = false;

  constructor(ctx: NetContext, guard?: NetGuard) {
    this.#ctx = ctx;
    this.#guard = guard;
    this.#queue = new SyncQueue<Addr>({
      isVerified: (source) => guard?.isVerified(source) ?? false,
    });
  }

  /** Starts stepping sessions every SYNC_TICK_MS, whenever there is one to step. */
  start(): void {
    this.#started = true;
    this.#wake();
  }

  /** Runs the tick timer if a session runs or a peer waits, and it is not running yet. */
  #wake(): void {
    if (!this.#started || this.#timer !== undefined || this.#ctx.stopped()) return;
    if (this.#session === null && this.#queue.size === 0) return;
    this.#timer = setInterval(() => this.#tick(), SYNC_TICK_MS);
  }

  /** True while the tick timer runs (tests). */
  get ticking(): boolean {
    return this.#timer !== undefined;
  }

  /** Stops the timers. */
  stop(): void {
    this.#started = false;
    clearInterval(this.#timer);
    this.#timer = undefined;
    for (const t of this.#repeats) clearTimeout(t);
    this.#repeats = [];
  }

  /**
   * Calls `fn` with the peer and the items fetched after each session that completed (its
   * inventory walked and everything wanted fetched): lib/net/summaries.ts keeps our next
   * summary off the LAN then.
   */
  onCompleted(fn: (peer: Addr, fetched: number) => void): void {
    this.#completed.push(fn);
  }

  /** The running session, if any. */
  status(): { peer: string; wanted: number; fetched: number } | null {
    const s = this.#session;
    return s ? { peer: s.peer, wanted: s.wanted, fetched: s.fetched } : null;
  }

  /** Broadcasts a sync request, repeated while no session starts: every peer answers. */
  syncNow(): void {
    const c = this.#ctx.counters;
    c.syncRequested++;
    sendToAll(this.#ctx, { type: "sync-req" });
    const sessions = c.syncSessions;
    for (const t of this.#repeats) clearTimeout(t);
    this.#repeats = SYNC_REQ_REPEAT_MS.map((ms) =>
      setTimeout(() => {
        if (!this.#ctx.stopped() && c.syncSessions === sessions) {
          sendToAll(this.#ctx, { type: "sync-req" });
        }
      }, ms)
    );
  }

  /** True when the running session asked for `txid` (hex). */
  wants(txid: string): boolean {
    return this.#session?.wants(txid) ?? false;
  }

  /**
   * Tells the running session that `txid` (hex) arrived, as an orphan or stored
   * (`storedWork`: see `SyncSession.onArrived`).
   */
  onArrived(txid: string, now: number, orphan = false, storedWork?: number): void {
    this.#session?.onArrived(txid, now, orphan, storedWork);
  }

  /**
   * Parents that arrived orphans need: the running session fetches them first; without one,
   * they are asked of `addr`, the peer that sent the orphans (none: nobody is asked).
   */
  async wantParents(parents: readonly Uint8Array[], addr: Addr | undefined): Promise<void> {
    if (this.#session) this.#session.wantParents(parents);
    else if (addr) {
      const ctx = this.#ctx;
      for (const d of packGetData(ctx.ledger.network, ctx.nodeId, parents)) {
        await ctx.sendBounded(d, addr);
      }
    }
  }

  /**
   * Queues a sync with the peer at `addr` (its summary differs from ours). `from` starts its
   * inventory walk at that txid instead of the zero txid (recent inventory, see
   * lib/net/recent.ts); a later queueing without it walks from the start.
   */
  queue(addr: Addr, from?: Uint8Array): void {
    if (this.#sessionAddr && addrKey(this.#sessionAddr) === addrKey(addr)) return;
    const k = addrKey(addr);
    if (this.#queue.push(k, addr.hostname, addr, this.#ctx.clock())) {
      if (from) {
        if (this.#from.size >= MAX_PEERS) this.#from.clear();
        this.#from.set(k, from);
      } else this.#from.delete(k);
      this.#wake();
    }
  }

  /** An inventory page: used only when it comes from the running session's peer. */
  onInv(
    after: Uint8Array,
    entries: readonly { txid: Uint8Array; work: number }[],
    more: boolean,
    addr: Addr,
  ): void {
    const s = this.#session;
    if (s && this.#sessionAddr && addrKey(this.#sessionAddr) === addrKey(addr)) {
      const now = this.#ctx.clock();
      // Orphans waiting for a listed txid are likely real (docs/PROTOCOL.md §10.6).
      const announce = this.#ctx.ledger.announce;
      if (announce) { for (const e of entries) announce(toHex(e.txid), now); }
      this.#run(s.onInv(after, entries, more, now));
      this.pump();
    }
  }

  #tick(): void {
    const ctx = this.#ctx;
    const now = ctx.clock();
    let s = this.#session;
    if (s && s.state !== "running") {
      if (s.state === "done") {
        ctx.counters.syncCompleted++;
        for (const fn of this.#completed) fn(this.#sessionAddr!, s.fetched);
      } else ctx.counters.syncAbandoned++;
      ctx.log("info", `sync ${s.state}`, { peer: s.peer, fetched: s.fetched, end: s.end });
      const end = s.end ?? "stalled";
      const fetched = s.fetched;
      this.#queue.recordSession(s.peer, { stored: s.fetched, end }, now);
      const addr = this.#sessionAddr!;
      // A peer that held a session without storing anything is scored; one that was still
      // useful when its time ran out goes back in the queue, ranked as useful.
      if (fetched === 0 && (end === "stalled" || end === "unconnected" || end === "repeating")) {
        this.#guard?.report(addr, "stall");
      }
      this.#session = s = null;
      this.#sessionAddr = null;
      if (end === "expired" && fetched > 0) this.queue(addr);
    }
    if (!s) {
      const next = this.#queue.pop(now);
      if (next === undefined) {
        if (this.#queue.size === 0) {
          clearInterval(this.#timer);
          this.#timer = undefined;
        }
        return;
      }
      const from = this.#from.get(next.source);
      this.#from.delete(next.source);
      ctx.counters.syncSessions++;
      if (from) ctx.counters.syncRecent++;
      s = this.#session = new SyncSession(next.source, ctx.ledger.workOf, now, {
        localCount: () => ctx.ledger.summary().count,
        from,
      });
      this.#sessionAddr = next.addr;
    }
    this.#run(s.tick(now));
  }

  /** Steps the running session at once after a reply, rather than at the next tick. */
  pump(): void {
    const s = this.#session;
    if (s && s.state === "running") this.#run(s.tick(this.#ctx.clock()));
  }

  #run(actions: readonly SyncAction[]): void {
    const addr = this.#sessionAddr;
    if (!addr) return;
    const ctx = this.#ctx;
    // A session's own requests are not replies, so no reply budget bounds them (§10.8): a peer
    // that never answers ends the session within SYNC_FIRST_REPLY_MS, and requests spending
    // the peer's budget would leave none for answering its cookie.
    for (const a of actions) {
      if (a.type === "get-inv") {
        const m = { type: "get-inv" as const, after: a.after, limit: MAX_INV_ENTRIES };
        void ctx.transport.send(datagramOf(ctx, m), addr);
      } else {
        for (const d of packGetData(ctx.ledger.network, ctx.nodeId, a.txids)) {
          void ctx.transport.send(d, addr);
        }
      }
    }
  }
}
