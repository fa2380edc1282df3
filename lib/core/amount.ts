/**
 * Amounts: integers in base units, always `bigint` (docs/PROTOCOL.md §3).
 * @module
 */

/** The most base units that can ever exist; every sum is checked against it. */
export const MAX_SUPPLY = 2_100_000_000_000_000n;
/** The smallest output. */
export const MIN_OUTPUT = 1n;

/**
 * Parse a user-typed amount in base units: decimal digits only, 1..MAX_SUPPLY.
 * Throws RangeError with a message fit for the user.
 *
 * @example
 * ```ts
 * import { parseAmount } from "./amount.ts";
 * if (parseAmount("42") !== 42n) throw new Error("parse");
 * ```
 */
export function parseAmount(text: string): bigint {
  const t = text.trim();
  if (!/^[0-9]{1,19}$/.test(t)) {
    throw new RangeError(
      `Invalid amount "${text}": expected a whole number of base units, such as 25`,
    );
  }
  const v = BigInt(t);
  if (v < MIN_OUTPUT) throw new RangeError(`Invalid amount "${text}": must be at least 1`);
  if (v > MAX_SUPPLY) {
    throw new RangeError(`Invalid amount "${text}": exceeds the total supply ${MAX_SUPPLY}`);
  }
  return v;
}

/** True when `v` is a valid single output amount. */
export function isValidAmount(v: bigint): boolean {
  return typeof v === "bigint" && v >= MIN_OUTPUT && v <= MAX_SUPPLY;
}
