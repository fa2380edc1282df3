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
 * its capacity (MAX_ORPHANS, lib/ledger/orphans.ts).
 */
export const SYNC_WINDOW = 4 * SYNC_BATCH;
/**
 * A batch not fully answered after this long is considered lost in part. This is the
 * floor: the session waits twice the smoothed time its batches take to be answered and
 * stored when that is longer (a slow or busy node), up to SYNC_RETRY_MAX_MS.
 */
export const SYNC_RETRY_MS = 250;
/** Ceiling of the adaptive retry time. */
export const SYNC_RETRY_MAX_MS = 2000;
/** A wanted tx that arrived as an orphan is not asked for again before this long. */
export const SYNC_ORPHAN_HOLD_MS = 4 * SYNC_RETRY_MS;
/** A peer that makes no progress for this long is abandoned. */
export const SYNC_PEER_TIMEOUT_MS = 4000;
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
   * `from`: where the inventory walk starts (a txid in the peer's storage order; all zeros
   * = the start, the default). A txid the peer does not hold makes it walk from the start.
   */
  constructor(peer: string, local: LocalWork, now: number, from?: Uint8Array) {
    this.peer = peer;
    this.#local = local;
    if (from !== undefined) this.#cursor = from.slice();
    this.#lastProgress = now;
    this.#started = now;
  }

  /** "running", "done" (nothing left) or "abandoned" (the peer stopped answering). */
  get state(): "running" | "done" | "abandoned" {
    return this.#state;
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
      if (mine === undefined || mine < e.work) {
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
    this.#wanted.delete(w.id);
    this.#parents.delete(w.id);
    w.batch?.ids.delete(w.id);
    w.batch = null;
  }

  /**
   * Something we may have wanted arrived: a tx (`orphan` when its parents are missing), or
   * a confirmation. Replies come back in the order they were asked for, so a reply to a
   * later batch means the earlier batches' missing replies were lost: they are asked for
   * again at once instead of after the retry time.
   */
  onArrived(txid: string, now: number, orphan = false): void {
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
      // It came; it waits in the orphan pool for its parent, which is wanted first.
      b?.ids.delete(w.id);
      w.batch = null;
      w.heldUntil = now + SYNC_ORPHAN_HOLD_MS;
      this.#lastProgress = now;
      return;
    }
    const mine = this.#local(w.txid, w.work);
    if (mine === undefined || mine < w.work) return; // the tx came, its confirmation not yet
    this.#forget(w);
    this.#fetched++;
    this.#lastProgress = now;
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

  /** True when the tx is held locally with at least the wanted work. */
  #held(w: Want): boolean {
    const mine = this.#local(w.txid, w.work);
    return mine !== undefined && mine >= w.work;
  }

  /** Periodic step (and after each reply): retries, next batches, completion, abandonment. */
  tick(now: number): SyncAction[] {
    if (this.#state !== "running") return [];
    if (
      now - this.#lastProgress > SYNC_PEER_TIMEOUT_MS ||
      (!this.#answered && now - this.#started > SYNC_FIRST_REPLY_MS)
    ) {
      this.#state = "abandoned";
      return [];
    }
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
    // (orphans adopted when their parent came, broadcasts, another peer).
    for (const w of this.#wanted.values()) {
      if (!this.#held(w)) break;
      this.#forget(w);
    }
    const actions: SyncAction[] = [];
    if (this.#invPendingSince !== null && now - this.#invPendingSince > retry) {
      this.#invPendingSince = null; // lost: ask again
    }
    actions.push(...this.#nextInv(now));
    if (this.#invDone && this.wanted === 0) {
      this.#state = "done";
      return actions;
    }
    while (this.#batches.length < SYNC_IN_FLIGHT) {
      const pick = this.#pick(now);
      if (pick.length === 0) break;
      const batch: Batch = { ids: new Set(pick.map((w) => w.id)), sentAt: now };
      for (const w of pick) w.batch = batch;
      this.#batches.push(batch);
      actions.push({ type: "get-data", txids: pick.map((w) => w.txid) });
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
      if (this.#held(w)) this.#forget(w);
      else pick.push(w);
    }
    const first = this.#wanted.values().next();
    if (first.done) return pick;
    const limit = first.value.seq + SYNC_WINDOW;
    for (const w of this.#wanted.values()) {
      if (pick.length >= SYNC_BATCH || w.seq >= limit) break;
      if (!due(w)) continue;
      if (this.#held(w)) this.#forget(w);
      else pick.push(w);
    }
    return pick;
  }

  /** Whether no batch is open (so the next can go at once). */
  get batchDone(): boolean {
    return this.#batches.every((b) => b.ids.size === 0);
  }
}
