/**
 * Recent inventory for anti-entropy (issue 16): a sync session need not walk a peer's whole
 * inventory from the zero txid. What a node misses on a LAN is almost always what was
 * broadcast lately, and every node stores broadcasts in about the order they were sent, so
 * the peer's storage order past a transaction we stored a while ago holds what we lack.
 *
 * RecentLog remembers the txids we stored lately with the time; `anchor(now)` is the latest
 * one stored at least RECENT_ANCHOR_MS ago. A persistent difference with a peer first starts
 * a session from that anchor (one inventory page instead of a walk over the whole ledger);
 * if the difference is still there the next time, the session after it walks from the zero
 * txid (lib/net/summaries.ts). A peer that does not hold the anchor answers from the start
 * of its storage order (docs/PROTOCOL.md §10), so an anchor can never hide anything for
 * good.
 * @module
 */

/** The anchor is a transaction we stored at least this long ago. */
export const RECENT_ANCHOR_MS = 15_000;
/** Transactions remembered (the oldest dropped first). */
export const MAX_RECENT = 4096;

/** Txids we stored lately, oldest first, with when we stored them (ms). */
export class RecentLog {
  #ids: Uint8Array[] = [];
  #at: number[] = [];
  #head = 0;

  /** Records that `txid` was stored at `now` (times must not decrease). */
  add(txid: Uint8Array, now: number): void {
    this.#ids.push(txid);
    this.#at.push(now);
    if (this.#ids.length - this.#head > MAX_RECENT) this.#head++;
    if (this.#head > MAX_RECENT) {
      this.#ids = this.#ids.slice(this.#head);
      this.#at = this.#at.slice(this.#head);
      this.#head = 0;
    }
  }

  /** Txids remembered. */
  get size(): number {
    return this.#ids.length - this.#head;
  }

  /**
   * The latest txid stored at least `ageMs` before `now`, or undefined when none is that
   * old (then a session walks from the start: everything may be recent).
   */
  anchor(now: number, ageMs: number = RECENT_ANCHOR_MS): Uint8Array | undefined {
    let lo = this.#head, hi = this.#ids.length; // first index stored later than the limit
    const limit = now - ageMs;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.#at[mid] <= limit) lo = mid + 1;
      else hi = mid;
    }
    return lo > this.#head ? this.#ids[lo - 1] : undefined;
  }
}
