/**
 * Per-source token buckets with a bounded table, so a flood from one address is dropped and
 * counted without slowing other peers, and the table itself cannot grow without bound.
 * @module
 */

/** Default datagrams per second allowed from one source (address and port). */
export const SOURCE_RATE_PER_S = 10_000;
/** Default burst allowance per source. */
export const SOURCE_BURST = 10_000;
/** Most sources tracked at once; the least recently seen is forgotten first. */
export const MAX_SOURCES = 4096;

interface Bucket {
  tokens: number;
  last: number;
}

/** Token-bucket rate limiter keyed by source. The clock is injected. */
export class RateLimiter {
  #buckets = new Map<string, Bucket>();
  readonly #rate: number;
  readonly #burst: number;
  readonly #max: number;
  constructor(opts: { ratePerS?: number; burst?: number; maxSources?: number } = {}) {
    this.#rate = opts.ratePerS ?? SOURCE_RATE_PER_S;
    this.#burst = opts.burst ?? SOURCE_BURST;
    this.#max = opts.maxSources ?? MAX_SOURCES;
  }

  /** Number of sources tracked. */
  get size(): number {
    return this.#buckets.size;
  }

  /** Takes one token for `source` at time `now` (ms); false when the source is over its rate. */
  allow(source: string, now: number): boolean {
    let b = this.#buckets.get(source);
    if (b === undefined) {
      if (this.#buckets.size >= this.#max) {
        this.#buckets.delete(this.#buckets.keys().next().value!);
      }
      b = { tokens: this.#burst, last: now };
    } else {
      this.#buckets.delete(source); // re-insert: Map order doubles as recency order
      b.tokens = Math.min(this.#burst, b.tokens + ((now - b.last) * this.#rate) / 1000);
      b.last = now;
    }
    this.#buckets.set(source, b);
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }
}
