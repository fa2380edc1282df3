/**
 * The orphan pool on a QuotaPool (lib/core/quota_pool.ts): valid-looking transactions whose
 * parents are missing, held in memory while the parents are requested (docs/PROTOCOL.md
 * §10.6, §11). The interface of the earlier FIFO orphan pool, plus
 *
 * - a source per orphan: one source holds at most an eighth of the pool, so a source at its
 *   rate limit sending junk orphans displaces only its own;
 * - a value: an orphan whose missing parent was announced (listed in an inventory or a sync
 *   session's wants, `announce`) is likely real and outlives orphans whose parents nobody
 *   mentioned, which cost an attacker nothing to invent.
 *
 * Bounded in count and bytes, with expiry; the clock is passed in.
 * @module
 */
import { type PoolEntry, QuotaPool } from "../core/quota_pool.ts";

/** Default most orphans held. */
export const MAX_ORPHANS = 1000;
/** Default most bytes of orphan encodings held. */
export const MAX_ORPHAN_BYTES = 2 * 1024 * 1024;
/** Default lifetime of an orphan. */
export const ORPHAN_TTL_MS = 10 * 60 * 1000;
/** Announced parents remembered (so that an orphan arriving later is valued too). */
export const MAX_ANNOUNCED_PARENTS = 4096;
/** Score of an orphan whose missing parent was announced; others score 0. */
export const ANNOUNCED_SCORE = 1;

interface Orphan {
  readonly raw: Uint8Array;
  readonly missing: readonly string[];
}

/** A bounded, per-source, value-aware pool of orphans indexed by the parents they wait for. */
export class OrphanPool {
  #pool: QuotaPool<Orphan>;
  #byParent = new Map<string, Set<string>>();
  #announced = new Set<string>();

  constructor(
    opts: { maxCount?: number; maxBytes?: number; ttlMs?: number; perSource?: number } = {},
  ) {
    const maxCount = opts.maxCount ?? MAX_ORPHANS;
    this.#pool = new QuotaPool<Orphan>({
      maxCount,
      maxBytes: opts.maxBytes ?? MAX_ORPHAN_BYTES,
      ttlMs: opts.ttlMs ?? ORPHAN_TTL_MS,
      perSource: opts.perSource ?? Math.max(1, Math.floor(maxCount / 8)),
      onEvict: (e) => this.#unindex(e),
    });
  }

  /** Number of orphans held. */
  get size(): number {
    return this.#pool.size;
  }
  /** Bytes of orphan encodings held. */
  get bytes(): number {
    return this.#pool.bytes;
  }
  /** Orphans evicted to make room. */
  get evicted(): number {
    return this.#pool.evicted;
  }
  /** True when the txid is held. */
  has(txid: string): boolean {
    return this.#pool.has(txid);
  }
  /** Orphans held from `source`. */
  countOf(source: string): number {
    return this.#pool.countOf(source);
  }

  /**
   * Adds an orphan waiting for `missing` parents, from `source` (each orphan is its own
   * source when omitted: no quota). Returns false when it does not fit: its source is at its
   * quota with orphans worth as much, or everything held is worth more.
   */
  add(
    txid: string,
    raw: Uint8Array,
    missing: readonly string[],
    now: number,
    source?: string,
  ): boolean {
    if (this.#pool.has(txid)) return true;
    const score = missing.some((p) => this.#announced.has(p)) ? ANNOUNCED_SCORE : 0;
    const r = this.#pool.add(txid, { raw, missing }, {
      source: source ?? `tx:${txid}`,
      score,
      bytes: raw.length,
      now,
    });
    if (r !== "added") return false;
    for (const p of missing) {
      let s = this.#byParent.get(p);
      if (!s) this.#byParent.set(p, s = new Set());
      s.add(txid);
    }
    return true;
  }

  /**
   * A parent txid was announced (an inventory listed it, or a session wants it): the orphans
   * waiting for it are worth keeping.
   */
  announce(parent: string, now: number): void {
    if (!this.#announced.has(parent)) {
      if (this.#announced.size >= MAX_ANNOUNCED_PARENTS) {
        this.#announced.delete(this.#announced.values().next().value!);
      }
      this.#announced.add(parent);
    }
    for (const id of this.#byParent.get(parent) ?? []) {
      this.#pool.setScore(id, ANNOUNCED_SCORE, now);
    }
  }

  /** Removes and returns the orphans that wait for `parent` (to be retried). */
  takeChildren(parent: string): { txid: string; raw: Uint8Array }[] {
    const ids = this.#byParent.get(parent);
    if (!ids) return [];
    const out: { txid: string; raw: Uint8Array }[] = [];
    for (const id of [...ids]) {
      const e = this.#pool.take(id);
      if (e) {
        out.push({ txid: e.key, raw: e.value.raw });
        this.#unindex(e);
      }
    }
    this.#announced.delete(parent);
    return out;
  }

  /** The parents that orphans are waiting for (for sync requests). */
  missingParents(): string[] {
    return [...this.#byParent.keys()];
  }

  /** Drops orphans older than the TTL. */
  expire(now: number): void {
    this.#pool.expire(now);
  }

  #unindex(e: PoolEntry<Orphan>): void {
    for (const p of e.value.missing) {
      const s = this.#byParent.get(p);
      s?.delete(e.key);
      if (s && s.size === 0) this.#byParent.delete(p);
    }
  }
}
