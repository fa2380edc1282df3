/**
 * The recent-rejects filter (docs/PROTOCOL.md §10.6): a bounded set of transactions this node
 * refused, so that the same bytes sent again cost one lookup instead of a decode and up to 50
 * signature verifications. Pure: no I/O, no clock.
 *
 * Keys are txids (lowercase hex) for transactions that decoded, and the SHA-256 of the bytes,
 * prefixed `raw:`, for bytes that did not. A txid commits to the whole encoding, signatures
 * included (PROTOCOL.md §4), so a valid transaction never shares a key with a refused one: the
 * filter cannot be used to censor. Validity depends only on a transaction and its parents,
 * which are fixed by their txids, so a refusal is final, with one exception: `future-timestamp`
 * depends on the local clock, and such a transaction is accepted once the clock catches up
 * (§7). It is never recorded; its check runs before any signature is verified, so a replay of
 * it is cheap anyway.
 * @module
 */
import { sha256, toHex } from "../core/hash.ts";

/** Default most refused keys remembered; the oldest is forgotten first. */
export const MAX_RECENT_REJECTS = 20_000;

/** Rule codes that are not final and are therefore never recorded. */
export const TRANSIENT_REJECT_CODES: ReadonlySet<string> = new Set(["future-timestamp"]);

/** The filter key of bytes that did not decode: `raw:` and the hex SHA-256 of the bytes. */
export function rawRejectKey(bytes: Uint8Array): string {
  return "raw:" + toHex(sha256(bytes));
}

/**
 * A bounded set of refused transactions.
 *
 * @example
 * ```ts
 * import { RecentRejects } from "./recent_rejects.ts";
 * const r = new RecentRejects({ capacity: 2 });
 * r.add("aa", "bad-signature");
 * r.add("bb", "future-timestamp"); // transient: not kept
 * if (!r.has("aa") || r.has("bb")) throw new Error("filter");
 * ```
 */
export class RecentRejects {
  /** Keys in insertion order (a Map keeps it), with the code they were refused for. */
  #keys = new Map<string, string>();
  readonly #capacity: number;
  /** Lookups that found a key: work saved. */
  hits = 0;

  constructor(opts: { capacity?: number } = {}) {
    this.#capacity = opts.capacity ?? MAX_RECENT_REJECTS;
    if (!Number.isInteger(this.#capacity) || this.#capacity < 1) {
      throw new RangeError(`"capacity" expected a positive integer, got ${this.#capacity}`);
    }
  }

  /** Number of keys held. */
  get size(): number {
    return this.#keys.size;
  }

  /**
   * Records that `key` was refused for `code`. Transient codes (`future-timestamp`) are not
   * recorded. Returns true when the key is now held.
   */
  add(key: string, code: string): boolean {
    if (TRANSIENT_REJECT_CODES.has(code) || key === "") return false;
    if (this.#keys.has(key)) return true;
    if (this.#keys.size >= this.#capacity) {
      this.#keys.delete(this.#keys.keys().next().value!);
    }
    this.#keys.set(key, code);
    return true;
  }

  /** True when `key` was refused recently. Counts a hit. */
  has(key: string): boolean {
    const found = this.#keys.has(key);
    if (found) this.hits++;
    return found;
  }

  /** The code `key` was refused for, if held (no hit counted). */
  codeOf(key: string): string | undefined {
    return this.#keys.get(key);
  }
}
