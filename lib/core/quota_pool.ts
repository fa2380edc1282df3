/**
 * A bounded pool with per-source quotas and value-aware eviction, for what strangers may make a
 * node hold before it can be checked: orphans waiting for a parent, and confirmations waiting
 * for their transaction (docs/PROTOCOL.md §6, §10.6). A FIFO pool of that kind is churned by
 * anyone who sends enough cheap entries; this one
 *
 * - gives each source at most `perSource` entries, so one source at its limit displaces only
 *   its own entries, and
 * - when full, evicts the entry of least `score` (oldest first among equals) and refuses a
 *   newcomer that scores below everything held, so an early confirmation with more work, or an
 *   orphan whose parent was announced, outlives a flood of cheap ones.
 *
 * Pure: no I/O; the time is passed in.
 * @module
 */

/** One held entry. */
export interface PoolEntry<V> {
  readonly key: string;
  readonly value: V;
  readonly source: string;
  readonly score: number;
  readonly bytes: number;
  readonly added: number;
}

/** Bounds of a QuotaPool. */
export interface QuotaPoolOptions<V> {
  /** Most entries held. */
  readonly maxCount: number;
  /** Most bytes held (sum of the entries' `bytes`); unbounded when omitted. */
  readonly maxBytes?: number;
  /** Most entries from one source; an eighth of `maxCount` (at least 1) when omitted. */
  readonly perSource?: number;
  /** Entries older than this are dropped; never when omitted. */
  readonly ttlMs?: number;
  /** Called for every entry that leaves the pool other than through `take`. */
  readonly onEvict?: (entry: PoolEntry<V>) => void;
}

/** What `add` did. */
export type AddOutcome = "added" | "replaced" | "kept" | "refused";

/**
 * A bounded pool keyed by string.
 *
 * @example
 * ```ts
 * import { QuotaPool } from "./quota_pool.ts";
 * const p = new QuotaPool<bigint>({ maxCount: 2, perSource: 2 });
 * p.add("real", 9n, { source: "a", score: 14, now: 0 });
 * p.add("junk1", 1n, { source: "b", score: 0, now: 1 });
 * p.add("junk2", 2n, { source: "b", score: 0, now: 2 }); // evicts junk1, never "real"
 * if (!p.has("real") || p.has("junk1")) throw new Error("value-aware eviction");
 * ```
 */
export class QuotaPool<V> {
  #byKey = new Map<string, PoolEntry<V>>();
  #bySource = new Map<string, Map<string, PoolEntry<V>>>();
  /** Entries by score, each in insertion order (the oldest first). */
  #byScore = new Map<number, Map<string, PoolEntry<V>>>();
  #bytes = 0;
  readonly #maxCount: number;
  readonly #maxBytes: number;
  readonly #perSource: number;
  readonly #ttlMs: number;
  readonly #onEvict?: (entry: PoolEntry<V>) => void;
  /** Entries evicted to make room (not expired, not taken). */
  evicted = 0;
  /** Newcomers refused: their source was at its quota, or they scored below everything. */
  refused = 0;

  constructor(opts: QuotaPoolOptions<V>) {
    if (!Number.isInteger(opts.maxCount) || opts.maxCount < 1) {
      throw new RangeError(`"maxCount" expected a positive integer, got ${opts.maxCount}`);
    }
    this.#maxCount = opts.maxCount;
    this.#maxBytes = opts.maxBytes ?? Infinity;
    this.#perSource = opts.perSource ?? Math.max(1, Math.floor(opts.maxCount / 8));
    this.#ttlMs = opts.ttlMs ?? Infinity;
    this.#onEvict = opts.onEvict;
  }

  /** Entries held. */
  get size(): number {
    return this.#byKey.size;
  }
  /** Bytes held. */
  get bytes(): number {
    return this.#bytes;
  }
  /** True when `key` is held. */
  has(key: string): boolean {
    return this.#byKey.has(key);
  }
  /** The entry of `key`, if held. */
  get(key: string): PoolEntry<V> | undefined {
    return this.#byKey.get(key);
  }
  /** Entries held from `source`. */
  countOf(source: string): number {
    return this.#bySource.get(source)?.size ?? 0;
  }
  /** Every entry, oldest first. */
  entries(): IterableIterator<PoolEntry<V>> {
    return this.#byKey.values();
  }

  /**
   * Offers an entry. A held key is replaced only by a higher score ("replaced"), else "kept".
   * A new one is "added" after evicting what the bounds require, or "refused" when it would
   * have to evict an entry with a higher score than its own.
   */
  add(
    key: string,
    value: V,
    meta: { source: string; score: number; bytes?: number; now: number },
  ): AddOutcome {
    const bytes = meta.bytes ?? 0;
    this.expire(meta.now);
    const old = this.#byKey.get(key);
    if (old !== undefined) {
      if (meta.score <= old.score) return "kept";
      this.#remove(old);
    } else if (bytes > this.#maxBytes) {
      this.refused++;
      return "refused";
    }
    // The source's own quota first: a source at its limit displaces only its own entries.
    if (this.countOf(meta.source) >= this.#perSource) {
      const victim = this.#lowest(this.#bySource.get(meta.source)!.values());
      if (victim === undefined || victim.score > meta.score) return this.#refuse(old);
      this.#evict(victim);
    }
    while (this.#byKey.size >= this.#maxCount || this.#bytes + bytes > this.#maxBytes) {
      const victim = this.#lowestOverall();
      if (victim === undefined) break;
      if (victim.score > meta.score) return this.#refuse(old);
      this.#evict(victim);
    }
    this.#insert({ key, value, source: meta.source, score: meta.score, bytes, added: meta.now });
    return old === undefined ? "added" : "replaced";
  }

  #refuse(old: PoolEntry<V> | undefined): AddOutcome {
    if (old !== undefined) this.#insert(old); // an upgrade that does not fit keeps the original
    this.refused++;
    return old === undefined ? "refused" : "kept";
  }

  /** Removes and returns the entry of `key` (it is being used, not evicted). */
  take(key: string): PoolEntry<V> | undefined {
    const e = this.#byKey.get(key);
    if (e !== undefined) this.#remove(e);
    return e;
  }

  /**
   * Changes the score of a held entry (an orphan's parent was announced, say). The entry's
   * age starts again at `now`.
   */
  setScore(key: string, score: number, now: number): void {
    const e = this.#byKey.get(key);
    if (e === undefined || e.score === score) return;
    this.#remove(e);
    this.#insert({ ...e, score, added: now });
  }

  /** Drops entries older than the TTL (each reported to `onEvict`). */
  expire(now: number): void {
    if (this.#ttlMs === Infinity) return;
    for (const e of this.#byKey.values()) {
      if (now - e.added <= this.#ttlMs) break; // insertion order is age order
      this.#remove(e);
      this.#onEvict?.(e);
    }
  }

  #evict(e: PoolEntry<V>): void {
    this.#remove(e);
    this.evicted++;
    this.#onEvict?.(e);
  }

  /** Least score, oldest among equals, of `it`. */
  #lowest(it: Iterable<PoolEntry<V>>): PoolEntry<V> | undefined {
    let best: PoolEntry<V> | undefined;
    for (const e of it) {
      if (best === undefined || e.score < best.score) best = e;
    }
    return best;
  }

  #lowestOverall(): PoolEntry<V> | undefined {
    let min = Infinity;
    for (const s of this.#byScore.keys()) if (s < min) min = s;
    return min === Infinity ? undefined : this.#byScore.get(min)!.values().next().value;
  }

  #insert(e: PoolEntry<V>): void {
    this.#byKey.set(e.key, e);
    this.#bytes += e.bytes;
    let s = this.#bySource.get(e.source);
    if (s === undefined) this.#bySource.set(e.source, s = new Map());
    s.set(e.key, e);
    let b = this.#byScore.get(e.score);
    if (b === undefined) this.#byScore.set(e.score, b = new Map());
    b.set(e.key, e);
  }

  #remove(e: PoolEntry<V>): void {
    this.#byKey.delete(e.key);
    this.#bytes -= e.bytes;
    const s = this.#bySource.get(e.source);
    s?.delete(e.key);
    if (s?.size === 0) this.#bySource.delete(e.source);
    const b = this.#byScore.get(e.score);
    b?.delete(e.key);
    if (b?.size === 0) this.#byScore.delete(e.score);
  }
}
