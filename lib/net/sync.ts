/**
 * One inventory-based sync session with one peer (docs/PROTOCOL.md §10): page through the
 * peer's inventory, want what we lack (or hold with less work), fetch it in paced get-data
 * batches in the peer's storage order, and re-request what did not arrive until everything
 * came or the peer went quiet. A state machine without I/O: the caller sends what `tick`
 * and `onInv` return.
 * @module
 */
import { toHex } from "../core/hash.ts";
import { TXID_BYTES } from "../core/sizes.ts";

/** Txids per get-data batch. */
export const SYNC_BATCH = 160;
/**
 * Batches asked for at once. A batch counts until it is stored, so with three one is being
 * stored, one verified and one answered: the verify worker always has the next one.
 */
export const SYNC_IN_FLIGHT = 3;
/**
 * How far past the earliest missing txid (in the peer's storage order) requests may run.
 * Children fetched before a lost parent wait in the orphan pool, so this stays well below
 * its capacity (MAX_ORPHANS, lib/ledger/orphan_pool.ts).
 */
export const SYNC_WINDOW = 4 * SYNC_BATCH;
/**
 * A batch not fully answered after this long is considered lost in part. This is the
 * floor: the session waits twice the smoothed time its batches take to be answered and
 * stored when that is longer (a slow or busy node), up to SYNC_RETRY_MAX_MS; before the
 * first sample it waits SYNC_FIRST_RETRY_MS.
 */
export const SYNC_RETRY_MS = 250;
/** Ceiling of the adaptive retry time. */
export const SYNC_RETRY_MAX_MS = 2000;
/**
 * The retry time before the first batch was answered and stored: that first round trip is no
 * measure of the peer, and it includes this node's start of the work (its verify worker loads,
 * cold code runs slowly), often past SYNC_RETRY_MS. Asking again then only doubles what is in
 * flight. One second, as TCP's initial retransmission timeout (RFC 6298 §2.1).
 */
export const SYNC_FIRST_RETRY_MS = 1000;
/** A wanted tx that arrived as an orphan is not asked for again before this long. */
export const SYNC_ORPHAN_HOLD_MS = 4 * SYNC_RETRY_MS;
/**
 * A peer that makes no progress for this long is abandoned. Progress is an inventory page, or
 * a wanted transaction stored; and while anything asked for is outstanding, only the latter
 * (see `SyncSession.tick`): an orphan that arrives is not progress until it connects.
 */
export const SYNC_PEER_TIMEOUT_MS = 4000;
/**
 * Most transactions of one session waiting as orphans at once. A lost parent legitimately
 * strands the window behind it (SYNC_WINDOW), so this is the window and one batch; a peer that
 * sends more unconnected data than that is abandoned. Below the orphan pool's capacity.
 */
export const SYNC_MAX_UNCONNECTED = SYNC_WINDOW + SYNC_BATCH;
/**
 * Longest session. A peer still useful at the end is queued again at once with the priority of
 * a useful peer (lib/net/sync_queue.ts), so a long sync goes on, but others get their turn.
 */
export const SYNC_MAX_SESSION_MS = 60_000;
/**
 * Inventory entries the node already holds that a peer may list beyond the node's own count:
 * an honest inventory names each txid once, so more than `local count + this` held entries
 * means the peer repeats itself to keep a session alive.
 */
export const SYNC_HELD_SLACK = 2 * SYNC_BATCH;

/** Why a session ended. */
export type SyncEnd =
  | "done"
  | "silent"
  | "stalled"
  | "unconnected"
  | "repeating"
  | "expired";
/**
 * A peer that has not answered at all this long after the session started is abandoned
 * sooner: one that sent a summary and then went silent (or never existed at that address)
 * must not hold up the sessions queued behind it.
 */
export const SYNC_FIRST_REPLY_MS = 1000;
/** Inventory pages are fetched only while fewer than this many txids are wanted. */
export const SYNC_WANT_LOW_WATER = 10_000;
/** Most txids one session will want at once (memory bound against lying inventories). */
export const SYNC_MAX_WANTED = 100_000;

/** What the session asks the node to send. */
export type SyncAction =
  | { readonly type: "get-inv"; readonly after: Uint8Array }
  | { readonly type: "get-data"; readonly txids: readonly Uint8Array[] };

interface Want {
  readonly id: string;
  readonly txid: Uint8Array;
  readonly work: number;
  /** Position in the peer's storage order (parents of orphans: -1). */
  readonly seq: number;
  /** The batch it was last requested in, while that batch is open. */
  batch: Batch | null;
  /** Arrived as an orphan: not requested again before this time. */
  heldUntil: number;
}

interface Batch {
  readonly ids: Set<string>;
  sentAt: number;
}

/**
 * Local view the session needs: undefined when the tx is not held, else its work. The
 * session only compares that work with `atLeast`.
 */
export type LocalWork = (txid: Uint8Array, atLeast: number) => number | undefined;

/** A sync session with one peer. */
export class SyncSession {
  /** The peer's "host:port". */
  readonly peer: string;
  #end: SyncEnd | null = null;
  /** Since when the session waits for a wanted transaction to be stored (null: nothing asked). */
  #waitingSince: number | null = null;
  /** Wanted txids that arrived as orphans and are not stored yet. */
  #unconnected = new Set<string>();
  /** Inventory entries the node already held. */
  #heldListed = 0;
  readonly #localCount: () => number;
  #cursor: Uint8Array = new Uint8Array(TXID_BYTES);
  #invDone = false;
  #invPendingSince: number | null = null;
  /** Inventory entries we lack, in the peer's storage order (Map order is insertion order). */
  #wanted = new Map<string, Want>();
  /** Parents of orphans that arrived: fetched before anything else. */
  #parents = new Map<string, Want>();
  /** Open batches, oldest first. */
  #batches: Batch[] = [];
  #seq = 0;
  #lastProgress: number;
  /** Smoothed time from sending a batch to storing its last reply (ms), 0 before any. */
  #srtt = 0;
  readonly #started: number;
  #answered = false;
  #fetched = 0;
  #local: LocalWork;
  #state: "running" | "done" | "abandoned" = "running";

  /**
   * `localCount` is the number of transactions the node holds (to tell an honest inventory
   * from one that repeats itself); without it that check is off. `from`: where the inventory
   * walk starts (a txid in the peer's storage order; all zeros = the start, the default). A
   * txid the peer does not hold makes it walk from the start.
   */
  constructor(
    peer: string,
    local: LocalWork,
    now: number,
    opts: { localCount?: () => number; from?: Uint8Array } = {},
  ) {
    this.peer = peer;
    this.#local = local;
    this.#localCount = opts.localCount ?? (() => Infinity);
    if (opts.from !== undefined) this.#cursor = opts.from.slice();
    this.#lastProgress = now;
    this.#started = now;
  }

  /** "running", "done" (nothing left) or "abandoned" (see `end` for why). */
  get state(): "running" | "done" | "abandoned" {
    return this.#state;
  }
  /** Why the session ended, or null while it runs. */
  get end(): SyncEnd | null {
    return this.#end;
  }
  /** Wanted transactions that arrived as orphans and did not connect (yet). */
  get unconnected(): number {
    return this.#unconnected.size;
  }
  /** Inventory entries the peer listed that were wanted, yet not stored (so far). */
  get unserved(): number {
    return this.#wanted.size;
  }
  /** Txids still wanted. */
  get wanted(): number {
    return this.#wanted.size + this.#parents.size;
  }
  /** Txids received so far. */
  get fetched(): number {
    return this.#fetched;
  }
  /** The current retry time (ms). */
  get retryMs(): number {
    if (this.#srtt === 0) return SYNC_FIRST_RETRY_MS;
    return Math.min(SYNC_RETRY_MAX_MS, Math.max(SYNC_RETRY_MS, 2 * this.#srtt));
  }
  /** True when `txid` (hex) is wanted by this session. */
  wants(txid: string): boolean {
    return this.#wanted.has(txid) || this.#parents.has(txid);
  }

  /** An inventory page arrived. Returns the next page request, if any. */
  onInv(
    after: Uint8Array,
    entries: readonly { txid: Uint8Array; work: number }[],
    more: boolean,
    now: number,
  ): SyncAction[] {
    if (this.#state !== "running" || this.#invDone) return [];
    if (toHex(after) !== toHex(this.#cursor)) return []; // a stale duplicate page
    this.#invPendingSince = null;
    this.#lastProgress = now;
    this.#answered = true;
    for (const e of entries) {
      const id = toHex(e.txid);
      if (this.wants(id) || this.wanted >= SYNC_MAX_WANTED) continue;
      const mine = this.#local(e.txid, e.work);
      if (mine !== undefined && mine >= e.work) this.#heldListed++;
      else {
        this.#wanted.set(id, {
          id,
          txid: e.txid,
          work: e.work,
          seq: this.#seq++,
          batch: null,
          heldUntil: 0,
        });
      }
    }
    if (entries.length > 0) this.#cursor = entries[entries.length - 1].txid;
    if (!more || entries.length === 0) this.#invDone = true;
    return this.#nextInv(now);
  }

  #nextInv(now: number): SyncAction[] {
    if (this.#invDone || this.#invPendingSince !== null) return [];
    if (this.wanted >= SYNC_WANT_LOW_WATER) return [];
    this.#invPendingSince = now;
    return [{ type: "get-inv", after: this.#cursor }];
  }

  #get(id: string): Want | undefined {
    return this.#wanted.get(id) ?? this.#parents.get(id);
  }

  #forget(w: Want): void {
    this.#unconnected.delete(w.id);
    this.#wanted.delete(w.id);
    this.#parents.delete(w.id);
    w.batch?.ids.delete(w.id);
    w.batch = null;
  }

  /**
   * Something we may have wanted arrived: a tx (`orphan` when its parents are missing), or
   * a confirmation. Replies come back in the order they were asked for, so a reply to a
   * later batch means the earlier batches' missing replies were lost: they are asked for
   * again at once instead of after the retry time. `storedWork`: the work the node now holds
   * for it, when the caller knows (a transaction the ledger just stored: its inventory work,
   * 0), which spares a ledger lookup per synced transaction.
   */
  onArrived(txid: string, now: number, orphan = false, storedWork?: number): void {
    const w = this.#get(txid);
    if (w === undefined) return;
    const b = w.batch;
    if (b !== null) {
      for (const older of this.#batches) {
        if (older === b) break;
        older.sentAt = -Infinity;
      }
    }
    if (orphan) {
      // It came; it waits in the orphan pool for its parent, which is wanted first. That is
      // not progress: a peer can serve orphans that never connect (issue #15).
      b?.ids.delete(w.id);
      w.batch = null;
      w.heldUntil = now + SYNC_ORPHAN_HOLD_MS;
      this.#unconnected.add(w.id);
      return;
    }
    const mine = storedWork ?? this.#local(w.txid, w.work);
    if (mine === undefined || mine < w.work) return; // the tx came, its confirmation not yet
    this.#stored(w, now);
    if (b !== null && b.ids.size === 0 && Number.isFinite(b.sentAt)) {
      const sample = now - b.sentAt;
      this.#srtt = this.#srtt === 0 ? sample : 0.8 * this.#srtt + 0.2 * sample;
    }
  }

  /** A tx arrived but is an orphan: want its parents too, before anything else. */
  wantParents(parents: readonly Uint8Array[]): void {
    for (const p of parents) {
      const id = toHex(p);
      if (!this.wants(id) && this.wanted < SYNC_MAX_WANTED) {
        this.#parents.set(id, { id, txid: p, work: 0, seq: -1, batch: null, heldUntil: 0 });
      }
    }
  }

  /** A wanted transaction is stored with the wanted work: progress. */
  #stored(w: Want, now: number): void {
    this.#forget(w);
    this.#fetched++;
    this.#lastProgress = now;
    if (this.#waitingSince !== null) this.#waitingSince = now;
  }

  /** A wanted transaction found held: stored progress if it was this session's orphan. */
  #settle(w: Want, now: number): void {
    if (this.#unconnected.has(w.id)) this.#stored(w, now);
    else this.#forget(w);
  }

  #abandon(end: SyncEnd): SyncAction[] {
    this.#state = "abandoned";
    this.#end = end;
    return [];
  }

  /** True when the tx is held locally with at least the wanted work. */
  #held(w: Want): boolean {
    const mine = this.#local(w.txid, w.work);
    return mine !== undefined && mine >= w.work;
  }

  /** Periodic step (and after each reply): retries, next batches, completion, abandonment. */
  tick(now: number): SyncAction[] {
    if (this.#state !== "running") return [];
    if (!this.#answered && now - this.#started > SYNC_FIRST_REPLY_MS) {
      return this.#abandon("silent");
    }
    if (now - this.#lastProgress > SYNC_PEER_TIMEOUT_MS) return this.#abandon("stalled");
    // Asked-for data must turn into stored transactions: inventory pages alone, or orphans
    // that never connect, do not keep a session alive.
    if (this.#waitingSince !== null && now - this.#waitingSince > SYNC_PEER_TIMEOUT_MS) {
      return this.#abandon("stalled");
    }
    if (this.#unconnected.size > SYNC_MAX_UNCONNECTED) return this.#abandon("unconnected");
    // (The count is read only once the peer listed more held txids than the slack.)
    if (
      this.#heldListed > SYNC_HELD_SLACK &&
      this.#heldListed > this.#localCount() + SYNC_HELD_SLACK
    ) return this.#abandon("repeating");
    if (now - this.#started > SYNC_MAX_SESSION_MS) return this.#abandon("expired");
    const retry = this.retryMs;
    // Batches that are answered, or overdue (what they lack becomes due again).
    this.#batches = this.#batches.filter((b) => {
      if (b.ids.size > 0 && now - b.sentAt < retry) return true;
      for (const id of b.ids) {
        const w = this.#get(id);
        if (w) w.batch = null;
      }
      return false;
    });
    // The head of the storage order moves past what arrived meanwhile, by any route
    // (orphans adopted when their parent came, broadcasts, another peer). An orphan of this
    // session that connected is progress.
    for (const w of this.#wanted.values()) {
      if (!this.#held(w)) break;
      this.#settle(w, now);
    }
    for (const id of this.#unconnected) {
      const w = this.#get(id);
      if (w !== undefined && this.#held(w)) this.#stored(w, now);
    }
    const actions: SyncAction[] = [];
    // An inventory page is small and asked for one at a time: re-asked after SYNC_RETRY_MS
    // even before the first sample, or a lost first page would outlast SYNC_FIRST_REPLY_MS.
    const invRetry = this.#srtt === 0 ? SYNC_RETRY_MS : retry;
    if (this.#invPendingSince !== null && now - this.#invPendingSince > invRetry) {
      this.#invPendingSince = null; // lost: ask again
    }
    actions.push(...this.#nextInv(now));
    if (this.#invDone && this.wanted === 0) {
      this.#state = "done";
      this.#end = "done";
      return actions;
    }
    if (this.wanted === 0) this.#waitingSince = null;
    while (this.#batches.length < SYNC_IN_FLIGHT) {
      const pick = this.#pick(now);
      if (pick.length === 0) break;
      const batch: Batch = { ids: new Set(pick.map((w) => w.id)), sentAt: now };
      for (const w of pick) w.batch = batch;
      this.#batches.push(batch);
      actions.push({ type: "get-data", txids: pick.map((w) => w.txid) });
      this.#waitingSince ??= now;
    }
    return actions;
  }

  /** Up to SYNC_BATCH due txids: parents first, then storage order within the window. */
  #pick(now: number): Want[] {
    const pick: Want[] = [];
    // A tx held back because it arrived as an orphan is due again at once when it is stored
    // meanwhile (its parent came) but still lacks the wanted work: its confirmation was lost.
    const due = (w: Want) =>
      w.batch === null && (w.heldUntil <= now || this.#local(w.txid, w.work) !== undefined);
    for (const w of this.#parents.values()) {
      if (pick.length >= SYNC_BATCH) return pick;
      if (!due(w)) continue;
      if (this.#held(w)) this.#settle(w, now);
      else pick.push(w);
    }
    const first = this.#wanted.values().next();
    if (first.done) return pick;
    const limit = first.value.seq + SYNC_WINDOW;
    for (const w of this.#wanted.values()) {
      if (pick.length >= SYNC_BATCH || w.seq >= limit) break;
      if (!due(w)) continue;
      if (this.#held(w)) this.#settle(w, now);
      else pick.push(w);
    }
    return pick;
  }

  /** Whether no batch is open (so the next can go at once). */
  get batchDone(): boolean {
    return this.#batches.every((b) => b.ids.size === 0);
  }
}
