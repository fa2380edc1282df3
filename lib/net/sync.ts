/**
 * One inventory-based sync session with one peer (docs/PROTOCOL.md §10): page through the
 * peer's inventory, want what we lack (or hold with less work), fetch it in paced get-data
 * batches, and re-request what did not arrive until everything came or the peer went quiet.
 * A state machine without I/O: the caller sends what `tick` and `onInv` return.
 * @module
 */
import { toHex } from "../core/hash.ts";

/** Txids per get-data batch; with one batch in flight this bounds the reply burst. */
export const SYNC_BATCH = 160;
/** A batch not fully answered after this long is considered lost in part. */
export const SYNC_RETRY_MS = 250;
/** A peer that makes no progress for this long is abandoned. */
export const SYNC_PEER_TIMEOUT_MS = 4000;
/** Inventory pages are fetched only while fewer than this many txids are wanted. */
export const SYNC_WANT_LOW_WATER = 2000;
/** Most txids one session will want at once (memory bound against lying inventories). */
export const SYNC_MAX_WANTED = 100_000;

/** What the session asks the node to send. */
export type SyncAction =
  | { readonly type: "get-inv"; readonly after: Uint8Array }
  | { readonly type: "get-data"; readonly txids: readonly Uint8Array[] };

interface Want {
  readonly txid: Uint8Array;
  readonly work: number;
  requestedAt: number;
}

/** Local view the session needs: do we hold the tx, and with what work. */
export type LocalWork = (txid: Uint8Array) => number | undefined;

/** A sync session with one peer. */
export class SyncSession {
  readonly peer: string;
  #cursor: Uint8Array = new Uint8Array(32);
  #invDone = false;
  #invPendingSince: number | null = null;
  #wanted = new Map<string, Want>();
  #batch = new Set<string>();
  #batchSentAt = 0;
  #lastProgress: number;
  #fetched = 0;
  #local: LocalWork;
  #state: "running" | "done" | "abandoned" = "running";

  constructor(peer: string, local: LocalWork, now: number) {
    this.peer = peer;
    this.#local = local;
    this.#lastProgress = now;
  }

  /** "running", "done" (nothing left) or "abandoned" (the peer stopped answering). */
  get state(): "running" | "done" | "abandoned" {
    return this.#state;
  }
  /** Txids still wanted. */
  get wanted(): number {
    return this.#wanted.size;
  }
  /** Txids received so far. */
  get fetched(): number {
    return this.#fetched;
  }
  /** True when `txid` (hex) is wanted by this session. */
  wants(txid: string): boolean {
    return this.#wanted.has(txid);
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
    for (const e of entries) {
      const mine = this.#local(e.txid);
      if ((mine === undefined || mine < e.work) && this.#wanted.size < SYNC_MAX_WANTED) {
        this.#wanted.set(toHex(e.txid), { txid: e.txid, work: e.work, requestedAt: 0 });
      }
    }
    if (entries.length > 0) this.#cursor = entries[entries.length - 1].txid;
    if (!more || entries.length === 0) this.#invDone = true;
    return this.#nextInv(now);
  }

  #nextInv(now: number): SyncAction[] {
    if (this.#invDone || this.#invPendingSince !== null) return [];
    if (this.#wanted.size >= SYNC_WANT_LOW_WATER) return [];
    this.#invPendingSince = now;
    return [{ type: "get-inv", after: this.#cursor }];
  }

  /** Something we wanted arrived (a tx, or a confirmation with enough work). */
  onArrived(txid: string, now: number): void {
    const w = this.#wanted.get(txid);
    if (w === undefined) return;
    const mine = this.#local(w.txid);
    if (mine === undefined || mine < w.work) return; // the tx came, its confirmation not yet
    this.#wanted.delete(txid);
    this.#batch.delete(txid);
    this.#fetched++;
    this.#lastProgress = now;
  }

  /** A tx arrived but is an orphan: want its parents too. */
  wantParents(parents: readonly Uint8Array[]): void {
    for (const p of parents) {
      const id = toHex(p);
      if (!this.#wanted.has(id) && this.#wanted.size < SYNC_MAX_WANTED) {
        this.#wanted.set(id, { txid: p, work: 0, requestedAt: 0 });
      }
    }
  }

  /** Periodic step: retries, the next batch, completion and abandonment. */
  tick(now: number): SyncAction[] {
    if (this.#state !== "running") return [];
    if (now - this.#lastProgress > SYNC_PEER_TIMEOUT_MS) {
      this.#state = "abandoned";
      return [];
    }
    // Entries that meanwhile arrived by another route (broadcast, another peer).
    for (const [id, w] of this.#wanted) {
      const mine = this.#local(w.txid);
      if (mine !== undefined && mine >= w.work) {
        this.#wanted.delete(id);
        this.#batch.delete(id);
      }
    }
    const actions: SyncAction[] = [];
    if (this.#invPendingSince !== null && now - this.#invPendingSince > SYNC_RETRY_MS) {
      this.#invPendingSince = null; // lost: ask again
    }
    actions.push(...this.#nextInv(now));
    if (this.#invDone && this.#wanted.size === 0) {
      this.#state = "done";
      return actions;
    }
    const batchOpen = this.#batch.size > 0 && now - this.#batchSentAt < SYNC_RETRY_MS;
    if (!batchOpen && this.#wanted.size > 0) {
      // Never-requested first, then the longest-waiting.
      const pick = [...this.#wanted.entries()]
        .sort((a, b) => a[1].requestedAt - b[1].requestedAt)
        .slice(0, SYNC_BATCH);
      this.#batch = new Set(pick.map(([id]) => id));
      this.#batchSentAt = now;
      for (const [, w] of pick) w.requestedAt = now;
      actions.push({ type: "get-data", txids: pick.map(([, w]) => w.txid) });
    }
    return actions;
  }

  /** Whether the current batch has been fully answered (so the next can go at once). */
  get batchDone(): boolean {
    return this.#batch.size === 0;
  }
}
