/**
 * The queue of peers waiting for a sync session (docs/PROTOCOL.md §10.4). Anyone can send a
 * differing summary, from as many source ports (or forged addresses) as they like, so the
 * queue is not first come, first served:
 *
 * - peers that were recently useful (transactions stored from their sessions) go first, then
 *   peers that answered a cookie (lib/net/reply_budget.ts), then the rest; peers whose recent
 *   sessions failed (silent, stalled, unconnected orphans, a repeating inventory) go last;
 * - one host (IP address) holds at most `SYNC_QUEUE_PER_HOST` places, so one machine with many
 *   ports cannot fill it;
 * - when the queue is full, a newcomer that ranks above the lowest-ranked entry takes its
 *   place, so an honest summary is not dropped because of a flood of cheap ones.
 *
 * Pure: the time is passed in.
 * @module
 */
import type { SyncEnd } from "./sync.ts";

/** Most peers waiting. */
export const SYNC_QUEUE_MAX = 256;
/** Most places one host (IP address) holds in the queue. */
export const SYNC_QUEUE_PER_HOST = 4;
/** Usefulness and failures of past sessions halve in this time. */
export const SYNC_HISTORY_HALF_LIFE_MS = 120_000;
/** Most peers whose session history is remembered. */
export const SYNC_HISTORY_MAX = 1024;

interface History {
  useful: number;
  failures: number;
  at: number;
}

interface Waiting<A> {
  readonly source: string;
  readonly host: string;
  readonly addr: A;
  readonly seq: number;
}

/**
 * A ranked, bounded queue of peers to sync from. `A` is the caller's address type.
 *
 * @example
 * ```ts
 * import { SyncQueue } from "./sync_queue.ts";
 * const q = new SyncQueue<string>();
 * q.recordSession("10.0.0.5:9", { stored: 40, end: "done" }, 0);
 * q.push("10.0.0.7:1", "10.0.0.7", "stranger", 1);
 * q.push("10.0.0.5:9", "10.0.0.5", "useful", 2);
 * if (q.pop(3)?.addr !== "useful") throw new Error("a useful peer goes first");
 * ```
 */
export class SyncQueue<A> {
  #waiting = new Map<string, Waiting<A>>();
  #history = new Map<string, History>();
  #seq = 0;
  readonly #isVerified: (source: string, now: number) => boolean;
  readonly #max: number;
  /** Newcomers refused (queue full of better entries, or their host at its limit). */
  refused = 0;
  /** Entries pushed out by a better newcomer. */
  displaced = 0;

  constructor(
    opts: { isVerified?: (source: string, now: number) => boolean; max?: number } = {},
  ) {
    this.#isVerified = opts.isVerified ?? (() => false);
    this.#max = opts.max ?? SYNC_QUEUE_MAX;
  }

  /** Peers waiting. */
  get size(): number {
    return this.#waiting.size;
  }
  /** True when `source` waits. */
  has(source: string): boolean {
    return this.#waiting.has(source);
  }

  #decay(h: History, now: number): History {
    const f = Math.pow(0.5, Math.max(0, now - h.at) / SYNC_HISTORY_HALF_LIFE_MS);
    return { useful: h.useful * f, failures: h.failures * f, at: now };
  }

  /**
   * Rank of a source: 2 when recently useful, 1 when verified, minus 2 when its recent
   * sessions failed more than they helped. Higher goes first.
   */
  rank(source: string, now: number): number {
    const raw = this.#history.get(source);
    const h = raw === undefined ? undefined : this.#decay(raw, now);
    let r = this.#isVerified(source, now) ? 1 : 0;
    if (h !== undefined && h.useful >= 1) r += 2;
    if (h !== undefined && h.failures >= 0.5 && h.useful < 1) r -= 2;
    return r;
  }

  /** Usefulness of `source` (decayed transactions stored from it). */
  usefulness(source: string, now: number): number {
    const h = this.#history.get(source);
    return h === undefined ? 0 : this.#decay(h, now).useful;
  }

  /**
   * Queues `source` (at `host`). Returns false when it was refused; true when it waits
   * (already waiting counts).
   */
  push(source: string, host: string, addr: A, now: number): boolean {
    if (this.#waiting.has(source)) return true;
    const r = this.rank(source, now);
    const sameHost = [...this.#waiting.values()].filter((w) => w.host === host);
    if (sameHost.length >= SYNC_QUEUE_PER_HOST) {
      const low = this.#lowest(sameHost, now);
      if (low === undefined || this.rank(low.source, now) >= r) return this.#refuse();
      this.#waiting.delete(low.source);
      this.displaced++;
    }
    if (this.#waiting.size >= this.#max) {
      const low = this.#lowest(this.#waiting.values(), now);
      if (low === undefined || this.rank(low.source, now) >= r) return this.#refuse();
      this.#waiting.delete(low.source);
      this.displaced++;
    }
    this.#waiting.set(source, { source, host, addr, seq: this.#seq++ });
    return true;
  }

  #refuse(): false {
    this.refused++;
    return false;
  }

  /** Lowest rank, the newest among equals (it waited least). */
  #lowest(it: Iterable<Waiting<A>>, now: number): Waiting<A> | undefined {
    let best: Waiting<A> | undefined, bestRank = Infinity;
    for (const w of it) {
      const r = this.rank(w.source, now);
      if (r < bestRank || (r === bestRank && best !== undefined && w.seq > best.seq)) {
        best = w;
        bestRank = r;
      }
    }
    return best;
  }

  /** Takes the best-ranked peer: highest rank, then most useful, then longest waiting. */
  pop(now: number): { source: string; addr: A } | undefined {
    let best: Waiting<A> | undefined, bestRank = -Infinity, bestUse = 0;
    for (const w of this.#waiting.values()) {
      const r = this.rank(w.source, now);
      const u = this.usefulness(w.source, now);
      if (
        best === undefined || r > bestRank ||
        (r === bestRank && (u > bestUse || (u === bestUse && w.seq < best.seq)))
      ) {
        best = w;
        bestRank = r;
        bestUse = u;
      }
    }
    if (best === undefined) return undefined;
    this.#waiting.delete(best.source);
    return { source: best.source, addr: best.addr };
  }

  /** Removes `source` from the queue (it is being synced from another way, say). */
  delete(source: string): void {
    this.#waiting.delete(source);
  }

  /**
   * Records how a session with `source` went: `stored` transactions it brought, and how it
   * ended. A session that ended for a failure (anything but "done" or "expired") and stored
   * nothing counts as a failure.
   */
  recordSession(source: string, s: { stored: number; end: SyncEnd }, now: number): void {
    const old = this.#history.get(source);
    const h = old === undefined ? { useful: 0, failures: 0, at: now } : this.#decay(old, now);
    this.#history.delete(source);
    if (this.#history.size >= SYNC_HISTORY_MAX) {
      this.#history.delete(this.#history.keys().next().value!);
    }
    h.useful += s.stored;
    if (s.stored === 0 && s.end !== "done" && s.end !== "expired") h.failures += 1;
    this.#history.set(source, h);
  }
}
