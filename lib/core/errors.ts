/**
 * Error types shared by every layer. See docs/PROTOCOL.md §7 for the rule codes.
 * @module
 */

/** Malformed bytes: anything a decoder refuses. The receive loop catches, counts and drops it. */
export class WireError extends Error {
  override name = "WireError";
}

/** Stable codes for protocol rule violations (docs/PROTOCOL.md §7). */
export type RuleCode =
  | "bad-version"
  | "no-inputs"
  | "no-outputs"
  | "too-many-inputs"
  | "too-many-outputs"
  | "duplicate-input"
  | "bad-pubkey"
  | "bad-amount"
  | "supply-overflow"
  | "future-timestamp"
  | "bad-timestamp"
  | "high-s"
  | "bad-signature-encoding"
  | "bad-genesis"
  | "missing-input"
  | "bad-output-index"
  | "wrong-owner"
  | "bad-signature"
  | "unbalanced"
  | "insufficient-work"
  | "unknown-tx";

/** Every rule code, for counters and documentation tests. */
export const RULE_CODES: readonly RuleCode[] = Object.freeze([
  "bad-version",
  "no-inputs",
  "no-outputs",
  "too-many-inputs",
  "too-many-outputs",
  "duplicate-input",
  "bad-pubkey",
  "bad-amount",
  "supply-overflow",
  "future-timestamp",
  "bad-timestamp",
  "high-s",
  "bad-signature-encoding",
  "bad-genesis",
  "missing-input",
  "bad-output-index",
  "wrong-owner",
  "bad-signature",
  "unbalanced",
  "insufficient-work",
  "unknown-tx",
]);

/**
 * A protocol rule violation. Callers branch on `code`, never on the message.
 *
 * @example
 * ```ts
 * import { RuleError } from "./errors.ts";
 * const e = new RuleError("unbalanced", "inputs 5 != outputs 6");
 * if (e.code !== "unbalanced") throw new Error("unexpected");
 * ```
 */
export class RuleError extends Error {
  override name = "RuleError";
  /** The stable rule code. */
  readonly code: RuleCode;
  constructor(code: RuleCode, message: string) {
    super(`${code}: ${message}`);
    this.code = code;
  }
}
