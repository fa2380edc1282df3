/**
 * When a differing summary is worth a sync session (issue 16). While transactions and
 * confirmations are in flight almost every summary differs from ours, and the broadcasts
 * themselves will close most of those differences; starting a session on each one cost
 * 2-3.6 sessions per node per second at 40 hosts. A session is queued only when the
 * difference is shown to persist:
 *
 * 1. **Stable content.** The same summary (count and digest), heard from anyone, at least one
 *    interval apart, while ours still differs: the LAN has settled on something we lack.
 * 2. **More items.** A peer's summary counted more items than ours at least COUNT_PERSIST_MS
 *    ago (or one interval, if shorter), and ours still counts fewer than that summary did: we
 *    lack something it held then. Checked at every summary heard and at our tick. The count
 *    compared is the one first heard ahead of ours, not the peer's latest: while miners
 *    keep adding confirmations every count grows, a peer's latest summary is often one
 *    item ahead of ours for a moment, and comparing with it started a session about once
 *    a second per node on a 20-host LAN with 10% loss (issue 16, measured under protocol v2).
 * 3. **Fallback.** Any difference with a peer at least FALLBACK_INTERVALS intervals old, at
 *    most once per FALLBACK_INTERVALS intervals per node: catches up on confirmations even
 *    when the LAN never settles.
 *
 * Pure: the clock is passed in; lib/net/summaries.ts drives it and queues the sessions.
 * @module
 */
import { toHex } from "../core/hash.ts";

/**
 * Rule 2's wait: longer than a relay's delay and the storage behind it, so a transaction in
 * flight is not fetched twice, and short enough that a lost payment is fetched in about a
 * second and a half.
 */
export const COUNT_PERSIST_MS = 1500;
/** Rule 3's age and pace, in summary intervals. */
export const FALLBACK_INTERVALS = 4;
/** Peers and summary contents remembered at once. */
export const MAX_TRACKED = 256;

/** A summary: transaction count and digest. */
export interface SummaryView {
  readonly count: number;
  readonly digest: Uint8Array;
}

interface PeerDiff<A> {
  readonly addr: A;
  readonly since: number;
  /** Its latest summary's count, and when it was heard. */
  latest: { readonly count: number; readonly at: number };
  /** The first of its summaries that counted more items than ours, and when it was heard. */
  ahead: { readonly count: number; readonly at: number } | undefined;
}

interface ContentSeen<A> {
  readonly first: number;
  addr: A;
}

/** Differences with peers' summaries, by peer key ("host:port"); `A` is the peer's address. */
export class DifferenceTracker<A> {
  readonly #intervalMs: number;
  readonly #countMs: number;
  #peers = new Map<string, PeerDiff<A>>();
  #contents = new Map<string, ContentSeen<A>>();
  #lastFallback = -Infinity;

  constructor(intervalMs: number) {
    this.#intervalMs = intervalMs;
    this.#countMs = Math.min(intervalMs, COUNT_PERSIST_MS);
  }

  /** Peers with a remembered difference. */
  get size(): number {
    return this.#peers.size;
  }

  /** The peer's summary equals ours: its difference is forgotten. */
  onEqual(peer: string): void {
    this.#peers.delete(peer);
  }

  /**
   * The peer's summary `theirs` differs from ours (`mine`) at `now`. Returns true when a
   * sync with it should be queued now (rules 1 and 2).
   */
  onDiffering(peer: string, addr: A, theirs: SummaryView, mine: SummaryView, now: number): boolean {
    const key = `${theirs.count}:${toHex(theirs.digest)}`;
    const seen = this.#contents.get(key);
    const p = this.#peers.get(peer);
    if (seen && now - seen.first >= this.#intervalMs) {
      this.#contents.delete(key);
      this.#peers.delete(peer);
      return true;
    }
    if (p && this.#stillBehind(p, mine, now)) {
      this.#peers.delete(peer);
      return true;
    }
    if (seen) seen.addr = addr;
    else if (this.#contents.size < MAX_TRACKED) this.#contents.set(key, { first: now, addr });
    const latest = { count: theirs.count, at: now };
    const ahead = theirs.count > mine.count ? latest : undefined;
    if (p) {
      p.latest = latest;
      p.ahead ??= ahead;
    } else if (this.#peers.size < MAX_TRACKED) {
      this.#peers.set(peer, { addr, since: now, latest, ahead });
    }
    return false;
  }

  /**
   * Rule 2 for one peer: true when a summary of it counted more than ours COUNT_PERSIST_MS
   * ago and ours still counts fewer than that one did. Once we have reached that count, the
   * next summary ahead of ours starts the wait again.
   */
  #stillBehind(p: PeerDiff<A>, mine: SummaryView, now: number): boolean {
    if (p.ahead === undefined || now - p.ahead.at < this.#countMs) return false;
    if (mine.count < p.ahead.count) return true;
    // Reached: the latest summary, if still ahead of ours, is the one to wait on now.
    p.ahead = p.latest.count > mine.count ? p.latest : undefined;
    return p.ahead !== undefined && now - p.ahead.at >= this.#countMs &&
      mine.count < p.ahead.count;
  }

  /** Rule 2 alone, at any summary heard: the addresses to sync with now. */
  countCheck(mine: SummaryView, now: number): A[] {
    const out: A[] = [];
    for (const [k, p] of this.#peers) {
      if (this.#stillBehind(p, mine, now)) {
        this.#peers.delete(k);
        out.push(p.addr);
      }
    }
    return out;
  }

  /**
   * Our interval tick: the addresses to sync with now (rules 2 and 3), and what is too old
   * to matter is forgotten.
   */
  tick(mine: SummaryView, now: number): A[] {
    const out: A[] = [];
    const fallbackAge = FALLBACK_INTERVALS * this.#intervalMs;
    let oldest: [string, PeerDiff<A>] | undefined;
    for (const [k, p] of this.#peers) {
      if (this.#stillBehind(p, mine, now)) {
        this.#peers.delete(k);
        out.push(p.addr);
      } else if (now - p.since >= fallbackAge && (!oldest || p.since < oldest[1].since)) {
        oldest = [k, p];
      }
    }
    if (oldest && out.length === 0 && now - this.#lastFallback >= fallbackAge) {
      this.#lastFallback = now;
      this.#peers.delete(oldest[0]);
      out.push(oldest[1].addr);
    }
    for (const [k, c] of this.#contents) {
      if (now - c.first > 3 * this.#intervalMs) this.#contents.delete(k);
    }
    return out;
  }
}
