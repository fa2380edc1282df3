/**
 * Cumulative weight arithmetic and its display (docs/PROTOCOL.md §6, §8): exact bigint sums
 * of 2^bits, shown as log2 of hashes and as seconds of a hash rate. One small formatter, so
 * that `l`, `i`, events and `export` say the same thing.
 * @module
 */

/** log2 of a weight in hashes, with two decimals; 0 for a weight of 0 or 1. */
export function weightLog2(w: bigint): number {
  if (w <= 1n) return 0;
  const bits = w.toString(2).length; // w in [2^(bits-1), 2^bits)
  const shift = bits > 53 ? BigInt(bits - 53) : 0n;
  const top = Number(w >> shift);
  return Math.floor((Math.log2(top) + Number(shift)) * 100) / 100;
}

/** floor(log2 W): the v1-compatible integer `work` of export and inventory displays. */
export function weightBits(w: bigint): number {
  return w <= 0n ? 0 : w.toString(2).length - 1;
}

/** Seconds a hash rate (hashes/s) needs to do `w` hashes; null when the rate is unknown. */
export function weightSeconds(w: bigint, hashRate: number): number | null {
  if (!(hashRate > 0)) return null;
  return Number(w) / hashRate;
}

/** The JSON shape of a weight in `export` and the API. */
export interface WeightJson {
  /** log2 of the hashes, two decimals. */
  readonly log2: number;
  /** The exact weight in hashes, decimal. */
  readonly hashes: string;
  /** False when the ledger keeps only a lower bound (an old, uncontested confirmed tx, §11). */
  readonly exact: boolean;
}

/** The export/API form of a weight. */
export function weightJson(w: bigint, exact = true): WeightJson {
  return { log2: weightLog2(w), hashes: w.toString(), exact };
}

/**
 * One line for people: "2^24.31 hashes ≈ 3.2 s of this LAN" (or without the seconds when the
 * rate is unknown); "≥ " in front of a lower bound.
 *
 * @example
 * ```ts
 * import { formatWeight } from "./weight.ts";
 * if (formatWeight(1n << 24n, 1 << 23) !== "2^24.00 hashes ≈ 2.0 s of this LAN") throw new Error();
 * ```
 */
export function formatWeight(w: bigint, hashRate = 0, exact = true): string {
  const s = weightSeconds(w, hashRate);
  const secs = s === null
    ? ""
    : ` ≈ ${
      s < 10 ? s.toFixed(1) : s < 3600 ? Math.round(s).toString() : s.toExponential(1)
    } s of this LAN`;
  return `${exact ? "" : "≥ "}2^${weightLog2(w).toFixed(2)} hashes${secs}`;
}

/**
 * A short column form for tables and events: "2^24.31 ≈ 3.2 s", "≥2^24.00" for a lower bound
 * (no seconds then), without seconds when the rate is unknown.
 */
export function shortWeight(w: bigint, exact = true, hashRate = 0): string {
  const log = `2^${weightLog2(w).toFixed(2)}`;
  if (!exact) return `≥${log}`;
  const s = weightSeconds(w, hashRate);
  return s === null ? log : `${log} ≈ ${s < 10 ? s.toFixed(1) : Math.round(s)} s`;
}
