/**
 * Incremental cumulative weights (docs/PROTOCOL.md §6, §11). Exact weights are kept only for
 * **watched** transactions: those below the confirmation threshold, and contested ones (an
 * outpoint with two spenders). Each stored confirmation keeps the set of watched transactions
 * it approves, so a new confirmation costs O(refs + what it approves), never a pass over the
 * ledger. An old transaction that becomes contested is re-watched once, by walking its future
 * cone in SQLite.
 * @module
 */
import { confirmationWeight } from "../core/confirmation.ts";
import { toHex } from "../core/hash.ts";

/** What the index needs from the database to walk a future cone. */
export interface DagQueries {
  /** Seqs of the transactions spending an output of `tx`. */
  readonly children: (tx: number) => readonly number[];
  /** Seqs of the confirmations hardening `tx`. */
  readonly confsOf: (tx: number) => readonly number[];
  /** Seqs of the confirmations that ref `conf`. */
  readonly referrers: (conf: number) => readonly number[];
  /** A stored confirmation's bits and id. */
  readonly conf: (conf: number) => { readonly bits: number; readonly id: Uint8Array };
}

/** A watched transaction's exact weight and best hash. */
export interface Watched {
  weight: bigint;
  /** Smallest approving pow hash, lowercase hex, or null. */
  best: string | null;
  contested: boolean;
  readonly parents: readonly number[];
  /** Its txid (lowercase hex), when the watcher had it at hand. */
  readonly id?: string;
}

/** Confirmations stored between two sweeps of the approval sets. */
const SWEEP_EVERY = 4096;

/** Most tips remembered for miners (older ones are forgotten; miners only need a few). */
export const MAX_TIPS = 256;

/** The in-memory weight index. Rebuilt on open from the database (see Ledger). */
export class WeightIndex {
  /** Watched transactions by seq. */
  readonly watched = new Map<number, Watched>();
  /** Contested ancestors-or-self of a transaction (only non-empty sets are kept). */
  readonly #contestedAbove = new Map<number, Set<number>>();
  /** Watched transactions each confirmation approves (only non-empty sets are kept). */
  readonly #approves = new Map<number, Set<number>>();
  /** Confirmations no stored confirmation refs yet: seq → id. */
  readonly tips = new Map<number, Uint8Array>();
  #sinceSweep = 0;

  /** Starts watching a transaction with a known exact weight. */
  watch(seq: number, w: Watched): void {
    this.watched.set(seq, w);
  }

  /** Stops watching: its weight is past the threshold and it is uncontested. */
  unwatch(seq: number): void {
    this.watched.delete(seq);
  }

  /** A new transaction: it inherits its parents' contested ancestors. */
  addTx(seq: number, parents: readonly number[]): void {
    let set: Set<number> | undefined;
    for (const p of parents) {
      const s = this.#contestedAbove.get(p);
      if (s === undefined) continue;
      set ??= new Set();
      for (const x of s) set.add(x);
    }
    if (set) this.#contestedAbove.set(seq, set);
  }

  /** Forgets everything (after a rolled-back commit, before a rebuild). */
  clear(): void {
    this.watched.clear();
    this.#contestedAbove.clear();
    this.#approves.clear();
    this.tips.clear();
  }

  /** Marks `seq` contested and records it below itself and every descendant. */
  markContested(seq: number, q: DagQueries): void {
    if (this.watched.get(seq)?.contested) return;
    for (const d of this.#descendants(seq, q)) {
      let s = this.#contestedAbove.get(d);
      if (s === undefined) this.#contestedAbove.set(d, s = new Set());
      s.add(seq);
    }
    const w = this.watched.get(seq);
    if (w) w.contested = true;
  }

  /** Watched transactions a confirmation of `tx` with `refs` approves. */
  approvedBy(tx: number, refs: readonly number[]): Set<number> {
    const out = new Set<number>();
    // Watched ancestors-or-self: young ones by walking up through watched parents; contested
    // ones (watched whatever their age) from the contested-ancestor sets.
    const stack = [tx];
    const seen = new Set<number>();
    while (stack.length > 0) {
      const t = stack.pop()!;
      if (seen.has(t)) continue;
      seen.add(t);
      const w = this.watched.get(t);
      if (w === undefined) continue;
      out.add(t);
      for (const p of w.parents) stack.push(p);
    }
    for (const c of this.#contestedAbove.get(tx) ?? []) if (this.watched.has(c)) out.add(c);
    for (const r of refs) {
      const s = this.#approves.get(r);
      if (s === undefined) continue;
      for (const t of s) {
        if (this.watched.has(t)) out.add(t);
        else s.delete(t);
      }
      if (s.size === 0) this.#approves.delete(r);
    }
    return out;
  }

  /**
   * Adds a stored confirmation: its weight goes to every watched transaction it approves.
   * Returns those transactions.
   */
  addConf(
    seq: number,
    id: Uint8Array,
    tx: number,
    refs: readonly number[],
    bits: number,
  ): Set<number> {
    const set = this.approvedBy(tx, refs);
    if (set.size > 0) this.#approves.set(seq, set);
    if (++this.#sinceSweep >= SWEEP_EVERY) this.#sweep();
    for (const r of refs) this.tips.delete(r);
    this.addTip(seq, id);
    const w = confirmationWeight(bits);
    const hex = toHex(id);
    for (const t of set) {
      const e = this.watched.get(t)!;
      e.weight += w;
      if (e.best === null || hex < e.best) e.best = hex;
    }
    return set;
  }

  /**
   * Re-records a stored confirmation's approval set on open, without adding weight (the
   * stored weights already include it).
   */
  replayConf(seq: number, tx: number, refs: readonly number[]): void {
    const set = this.approvedBy(tx, refs);
    if (set.size > 0) this.#approves.set(seq, set);
  }

  /** Remembers a tip (bounded: the oldest is forgotten). */
  addTip(seq: number, id: Uint8Array): void {
    if (this.tips.size >= MAX_TIPS) this.tips.delete(this.tips.keys().next().value!);
    this.tips.set(seq, id);
  }

  /** The watched transactions a stored confirmation approves (filtered to still-watched). */
  approvesOf(conf: number): readonly number[] {
    return [...(this.#approves.get(conf) ?? [])].filter((t) => this.watched.has(t));
  }

  /**
   * Computes a transaction's exact weight and best hash from its future cone (every
   * confirmation of it or of a descendant, and every confirmation that refs one of those,
   * transitively) and records it in the approval sets of that cone, so that later
   * confirmations find it. O(size of the cone): once per newly contested old transaction.
   */
  rewatch(seq: number, base: bigint, parents: readonly number[], q: DagQueries): Watched {
    const cone = this.#cone(seq, q, Infinity)!;
    let weight = base;
    let best: string | null = null;
    for (const c of cone) {
      const info = q.conf(c);
      weight += confirmationWeight(info.bits);
      const hex = toHex(info.id);
      if (best === null || hex < best) best = hex;
      let s = this.#approves.get(c);
      if (s === undefined) this.#approves.set(c, s = new Set());
      s.add(seq);
    }
    const w: Watched = { weight, best, contested: false, parents };
    this.watched.set(seq, w);
    return w;
  }

  /**
   * Drops unwatched members from every approval set, and the sets left empty: memory then
   * follows the watched transactions, not the history. Amortised O(1) per confirmation.
   */
  #sweep(): void {
    this.#sinceSweep = 0;
    for (const [c, set] of this.#approves) {
      for (const t of set) if (!this.watched.has(t)) set.delete(t);
      if (set.size === 0) this.#approves.delete(c);
    }
    for (const [t, set] of this.#contestedAbove) {
      for (const x of set) if (!this.watched.has(x)) set.delete(x);
      if (set.size === 0) this.#contestedAbove.delete(t);
    }
  }

  /**
   * The exact weight and best hash of a transaction from its future cone, without recording
   * anything: the on-demand, bounded walk of a confidence query (docs/PROTOCOL.md §11). Null
   * when the cone holds more than `budget` confirmations.
   */
  coneWeight(
    seq: number,
    base: bigint,
    q: DagQueries,
    budget: number,
  ): { weight: bigint; best: string | null } | null {
    const cone = this.#cone(seq, q, budget);
    if (cone === null) return null;
    let weight = base;
    let best: string | null = null;
    for (const c of cone) {
      const info = q.conf(c);
      weight += confirmationWeight(info.bits);
      const hex = toHex(info.id);
      if (best === null || hex < best) best = hex;
    }
    return { weight, best };
  }

  /** The confirmations approving `seq` (its future cone), or null past `budget` of them. */
  #cone(seq: number, q: DagQueries, budget: number): Set<number> | null {
    const cone = new Set<number>();
    const stack: number[] = [];
    for (const d of this.#descendants(seq, q)) for (const c of q.confsOf(d)) stack.push(c);
    while (stack.length > 0) {
      const c = stack.pop()!;
      if (cone.has(c)) continue;
      if (cone.size >= budget) return null;
      cone.add(c);
      for (const r of q.referrers(c)) stack.push(r);
    }
    return cone;
  }

  #descendants(seq: number, q: DagQueries): Set<number> {
    const out = new Set<number>();
    const stack = [seq];
    while (stack.length > 0) {
      const t = stack.pop()!;
      if (out.has(t)) continue;
      out.add(t);
      for (const c of q.children(t)) stack.push(c);
    }
    return out;
  }
}
