/**
 * The ledger's index of stored txids, kept in memory (ledger schema 5, docs/PROTOCOL.md §11):
 * from the first 8 bytes of a txid to the `seq` of each transaction stored under them.
 *
 * Why not an SQLite index: txids are uniformly random, so with 100,000 transactions stored
 * each insert into an index on them (even one on 8-byte prefixes, schema 4) dirtied another of
 * its pages, and every commit wrote about one 4 KiB page of that index per transaction to the
 * WAL. This table costs 12 bytes per slot, at most half of them used (24–48 bytes per
 * transaction; while it grows, the old table and the new one for a moment), and is rebuilt from
 * the `txs` table by one scan when a ledger is opened.
 *
 * - An answer is a candidate, never a verdict: the owner reads the row at that seq and compares
 *   the whole txid. So a txid that shares its first 8 bytes with another (any two of a million
 *   transactions do with a probability of about 3·10^-8) costs one extra row read and never a
 *   wrong answer; so would an entry of a rolled-back write, which the owner drops
 *   (`dropAbove`).
 * - Open addressing with linear probing, grown to twice the size when half full. Slots are
 *   chosen by a hash of the 8 bytes under a random per-table salt, so that txids ground to
 *   share their low bits (each costs its maker proof-of-work-like hashing) cannot line up into
 *   one long probe run on every node.
 *
 * Pure apart from the salt (crypto.getRandomValues): no I/O, no clock.
 * @module
 */

/** Slots of a new table (a power of two). */
const MIN_SLOTS = 1 << 12;
/** Largest seq a slot holds (`Uint32Array`, 0 meaning empty). */
const MAX_SEQ = 0xffff_ffff;

/** The big-endian 32-bit word of `b` at `at` (unsigned). */
function word(b: Uint8Array, at: number): number {
  return (b[at] << 24 | b[at + 1] << 16 | b[at + 2] << 8 | b[at + 3]) >>> 0;
}

/** MurmurHash3's 32-bit finalizer: every input bit affects every output bit. */
function mix(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * A map from txids (32 bytes; only the first 8 are kept) to candidate seqs (integers
 * 1..2^32−1).
 *
 * @example
 * ```ts
 * import { TxidIndex } from "./txid_index.ts";
 * const index = new TxidIndex();
 * const txid = crypto.getRandomValues(new Uint8Array(32));
 * index.add(txid, 7);
 * if (index.candidates(txid)[0] !== 7) throw new Error("added txid not found");
 * ```
 */
export class TxidIndex {
  #hi: Uint32Array;
  #lo: Uint32Array;
  #seq: Uint32Array;
  #mask: number;
  #count = 0;
  readonly #salt = crypto.getRandomValues(new Uint32Array(2));

  /** An empty index with room for `expected` entries before it first grows. */
  constructor(expected = 0) {
    let slots = MIN_SLOTS;
    while (slots < 2 * expected) slots *= 2;
    this.#hi = new Uint32Array(slots);
    this.#lo = new Uint32Array(slots);
    this.#seq = new Uint32Array(slots);
    this.#mask = slots - 1;
  }

  /** Entries held (`dropAbove` takes some out). */
  get size(): number {
    return this.#count;
  }

  /** Bytes held by the table. */
  get bytes(): number {
    return this.#seq.length * 12;
  }

  #slot(hi: number, lo: number): number {
    return mix(mix(hi ^ this.#salt[0]) + (lo ^ this.#salt[1])) & this.#mask;
  }

  /**
   * Records that the transaction stored at `seq` has `txid` (at least 8 bytes).
   * @throws RangeError for a short txid, or a seq outside 1..2^32−1.
   */
  add(txid: Uint8Array, seq: number): void {
    if (txid.length < 8) throw new RangeError(`txid: expected 32 bytes, got ${txid.length}`);
    if (!Number.isInteger(seq) || seq < 1 || seq > MAX_SEQ) {
      throw new RangeError(`seq: expected an integer in 1..${MAX_SEQ}, got ${seq}`);
    }
    if (2 * (this.#count + 1) > this.#seq.length) this.#grow();
    this.#put(word(txid, 0), word(txid, 4), seq);
    this.#count++;
  }

  #put(hi: number, lo: number, seq: number): void {
    let i = this.#slot(hi, lo);
    while (this.#seq[i] !== 0) i = (i + 1) & this.#mask;
    this.#hi[i] = hi;
    this.#lo[i] = lo;
    this.#seq[i] = seq;
  }

  #grow(): void {
    this.#rehash(this.#seq.length * 2, Infinity);
  }

  /** Moves the entries with seq ≤ `top` into a new table of `slots` slots; returns how many. */
  #rehash(slots: number, top: number): number {
    const [hi, lo, seq] = [this.#hi, this.#lo, this.#seq];
    this.#hi = new Uint32Array(slots);
    this.#lo = new Uint32Array(slots);
    this.#seq = new Uint32Array(slots);
    this.#mask = slots - 1;
    let kept = 0;
    for (let i = 0; i < seq.length; i++) {
      if (seq[i] !== 0 && seq[i] <= top) {
        this.#put(hi[i], lo[i], seq[i]);
        kept++;
      }
    }
    return kept;
  }

  /**
   * Forgets every entry with a seq above `top`: after a write is rolled back, `top` is the last
   * seq the file holds, and the entries of the transactions that write stored are gone, so a
   * commit retried again and again (a full disk) leaves nothing behind. One pass over the table,
   * and none when there is nothing to forget.
   */
  dropAbove(top: number): void {
    let above = 0;
    for (let i = 0; i < this.#seq.length; i++) if (this.#seq[i] > top) above++;
    if (above > 0) this.#count = this.#rehash(this.#seq.length, top);
  }

  /**
   * The seqs recorded under `txid`'s first 8 bytes, in no particular order: usually none or
   * one. Each is only a candidate (see the module doc). A txid shorter than 8 bytes has none.
   * The array may be shared: do not change it.
   */
  candidates(txid: Uint8Array): readonly number[] {
    if (txid.length < 8) return NONE;
    const hi = word(txid, 0), lo = word(txid, 4);
    let out = NONE;
    for (let i = this.#slot(hi, lo); this.#seq[i] !== 0; i = (i + 1) & this.#mask) {
      if (this.#hi[i] === hi && this.#lo[i] === lo) {
        if (out === NONE) out = [];
        out.push(this.#seq[i]);
      }
    }
    return out;
  }
}

/** The shared empty answer (`candidates` makes a new array before it adds to one). */
const NONE: number[] = [];
