/**
 * A Bloom filter over the ids of stored items (txids and confirmation ids), kept in memory
 * beside the ledger so that asking for an item that is not stored, the common case while
 * syncing or ingesting new transactions, costs no database read (docs/PROTOCOL.md §11).
 *
 * - Ids are SHA-256 outputs (a txid is SHA-256d, a confirmation id is its pow hash), so the
 *   filter takes its bit positions straight from the id's bytes 8..31 (six 32-bit words; the
 *   first bytes of a pow hash are zeros) instead of hashing again.
 * - 16 bits per item and 6 positions: about 0.1% of absent ids answer "maybe". A "maybe" is
 *   checked against the database, so a false positive, or an id ground to collide, costs one
 *   read and never a wrong answer.
 * - It never forgets: an id added in a write that was rolled back stays a "maybe".
 *
 * Pure: no I/O, no clock, no randomness.
 * @module
 */

/** Bits of filter per item of capacity. */
const BITS_PER_ITEM = 16;
/** Bit positions per id: the 32-bit words at bytes 8, 12, …, 28. */
const PROBES = 6;
const FIRST_WORD = 8;

/** The little-endian 32-bit word of `b` at `at` (unsigned). */
function word(b: Uint8Array, at: number): number {
  return (b[at] | b[at + 1] << 8 | b[at + 2] << 16 | b[at + 3] << 24) >>> 0;
}

/**
 * A fixed-size Bloom filter of 32-byte ids. `capacity` items keep the false-positive rate near
 * 0.1%; past it the rate grows, and the owner rebuilds a larger one ({@linkcode IdFilter.full}).
 *
 * @example
 * ```ts
 * import { IdFilter } from "./id_filter.ts";
 * const f = new IdFilter(1000);
 * const id = crypto.getRandomValues(new Uint8Array(32));
 * f.add(id);
 * if (!f.mightHave(id)) throw new Error("an added id is always a maybe");
 * ```
 */
export class IdFilter {
  readonly #words: Uint32Array;
  /** Bit count − 1 (a power of two minus one). */
  readonly #mask: number;
  readonly #capacity: number;
  #count = 0;

  /** A filter sized for `capacity` items (at least 1,024). */
  constructor(capacity: number) {
    let bits = 1 << 14;
    const want = Math.max(1024, capacity) * BITS_PER_ITEM;
    while (bits < want) bits *= 2;
    this.#words = new Uint32Array(bits / 32);
    this.#mask = bits - 1;
    this.#capacity = bits / BITS_PER_ITEM;
  }

  /** Items it was sized for. */
  get capacity(): number {
    return this.#capacity;
  }

  /** True once more than `capacity` ids were added. */
  get full(): boolean {
    return this.#count > this.#capacity;
  }

  /** Adds an id (32 bytes; shorter ones are ignored: they are never stored). */
  add(id: Uint8Array): void {
    if (id.length < 32) return;
    for (let i = 0; i < PROBES; i++) {
      const bit = word(id, FIRST_WORD + 4 * i) & this.#mask;
      this.#words[bit >>> 5] |= 1 << (bit & 31);
    }
    this.#count++;
  }

  /** False: the id was never added. True: it may have been. */
  mightHave(id: Uint8Array): boolean {
    if (id.length < 32) return false;
    for (let i = 0; i < PROBES; i++) {
      const bit = word(id, FIRST_WORD + 4 * i) & this.#mask;
      if ((this.#words[bit >>> 5] & (1 << (bit & 31))) === 0) return false;
    }
    return true;
  }
}
