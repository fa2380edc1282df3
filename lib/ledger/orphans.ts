/**
 * The orphan pool: valid-looking transactions whose parents we lack, held in memory (not
 * persisted: peers still have them, and sync fetches them again) while the parents are
 * requested. Bounded in count and bytes, with expiry; the clock is injected.
 * @module
 */

/** Default most orphans held. */
export const MAX_ORPHANS = 1000;
/** Default most bytes of orphan encodings held. */
export const MAX_ORPHAN_BYTES = 2 * 1024 * 1024;
/** Default lifetime of an orphan. */
export const ORPHAN_TTL_MS = 10 * 60 * 1000;

interface Orphan {
  readonly txid: string;
  readonly raw: Uint8Array;
  readonly missing: readonly string[];
  readonly added: number;
}

/** A bounded pool of orphans indexed by the parents they wait for. */
export class OrphanPool {
  #byId = new Map<string, Orphan>();
  #byParent = new Map<string, Set<string>>();
  #bytes = 0;
  readonly #maxCount: number;
  readonly #maxBytes: number;
  readonly #ttlMs: number;

  constructor(opts: { maxCount?: number; maxBytes?: number; ttlMs?: number } = {}) {
    this.#maxCount = opts.maxCount ?? MAX_ORPHANS;
    this.#maxBytes = opts.maxBytes ?? MAX_ORPHAN_BYTES;
    this.#ttlMs = opts.ttlMs ?? ORPHAN_TTL_MS;
  }

  /** Number of orphans held. */
  get size(): number {
    return this.#byId.size;
  }
  /** Bytes of orphan encodings held. */
  get bytes(): number {
    return this.#bytes;
  }
  /** True when the txid is held. */
  has(txid: string): boolean {
    return this.#byId.has(txid);
  }

  /**
   * Adds an orphan waiting for `missing` parents. Evicts expired entries, then the oldest,
   * to stay within bounds. Returns false when it cannot fit at all.
   */
  add(txid: string, raw: Uint8Array, missing: readonly string[], now: number): boolean {
    if (this.#byId.has(txid)) return true;
    if (raw.length > this.#maxBytes) return false;
    this.expire(now);
    while (this.#byId.size >= this.#maxCount || this.#bytes + raw.length > this.#maxBytes) {
      const oldest = this.#byId.keys().next().value;
      if (oldest === undefined) break;
      this.#remove(oldest);
    }
    this.#byId.set(txid, { txid, raw, missing, added: now });
    this.#bytes += raw.length;
    for (const p of missing) {
      let s = this.#byParent.get(p);
      if (!s) this.#byParent.set(p, s = new Set());
      s.add(txid);
    }
    return true;
  }

  /** Removes and returns the orphans that wait for `parent` (to be retried). */
  takeChildren(parent: string): { txid: string; raw: Uint8Array }[] {
    const ids = this.#byParent.get(parent);
    if (!ids) return [];
    const out: { txid: string; raw: Uint8Array }[] = [];
    for (const id of [...ids]) {
      const o = this.#byId.get(id);
      if (o) out.push({ txid: o.txid, raw: o.raw });
      this.#remove(id);
    }
    return out;
  }

  /** The parents that orphans are waiting for (for sync requests). */
  missingParents(): string[] {
    return [...this.#byParent.keys()];
  }

  /** Drops orphans older than the TTL. */
  expire(now: number): void {
    for (const o of this.#byId.values()) {
      if (now - o.added <= this.#ttlMs) break; // insertion order = age order
      this.#remove(o.txid);
    }
  }

  #remove(txid: string): void {
    const o = this.#byId.get(txid);
    if (!o) return;
    this.#byId.delete(txid);
    this.#bytes -= o.raw.length;
    for (const p of o.missing) {
      const s = this.#byParent.get(p);
      s?.delete(txid);
      if (s && s.size === 0) this.#byParent.delete(p);
    }
  }
}
