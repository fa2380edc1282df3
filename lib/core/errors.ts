/**
 * Error types shared by every layer. See docs/PROTOCOL.md §7 for the rule codes.
 * @module
 */

/** Malformed bytes: anything a decoder refuses. The receive loop catches, counts and drops it. */
export class WireError extends Error {
  override name = "WireError";
}

/**
 * Stable codes for protocol rule violations (docs/PROTOCOL.md §7, whose tables list the same
 * codes: tests/core/rule_codes_test.ts checks both ways). Nodes log and count rejections by
 * code; callers branch on it, never on the message. One line per code says the rule broken.
 */
export type RuleCode =
  // §7.1 sanity checks, context-free (checkShape / checkTxSanity in lib/core/validate.ts)
  /** The version is not TX_VERSION (1). */
  | "bad-version"
  /** A transaction other than the genesis has no input. */
  | "no-inputs"
  /** The transaction has no output. */
  | "no-outputs"
  /** More than MAX_INPUTS (50) inputs. */
  | "too-many-inputs"
  /** More than MAX_OUTPUTS (16) outputs. */
  | "too-many-outputs"
  /** One outpoint is spent twice within the transaction. */
  | "duplicate-input"
  /** An input's public key is not a valid compressed secp256k1 point. */
  | "bad-pubkey"
  /** An output amount is outside [1, MAX_SUPPLY] base units. */
  | "bad-amount"
  /** The outputs add up to more than MAX_SUPPLY. */
  | "supply-overflow"
  /** The timestamp is more than MAX_FUTURE_MS (2 h) ahead of the local clock. */
  | "future-timestamp"
  /** The timestamp is not a non-negative safe integer of milliseconds. */
  | "bad-timestamp"
  /** A signature's s is above n/2 (malleable; BIP 62/146 low-S rule). */
  | "high-s"
  /** A signature's r or s is outside [1, n-1]. */
  | "bad-signature-encoding"
  // §7.2 context checks against the parents (checkTxInputs in lib/core/validate.ts)
  /** An input spends a transaction that is not known (the ledger holds it as an orphan). */
  | "missing-input"
  /** An input spends an output index its parent does not have. */
  | "bad-output-index"
  /** HASH160 of an input's public key is not the address of the output it spends. */
  | "wrong-owner"
  /** An input's signature does not verify over the sighash message (§5). */
  | "bad-signature"
  /** The inputs do not add up exactly to the outputs (no fees: the supply is constant). */
  | "unbalanced"
  // §7.3 outside validation
  /** A genesis file does not validate (§13; lib/core/genesis.ts). */
  | "bad-genesis"
  /** Bytes offered to the ledger do not decode as a transaction (a WireError underneath). */
  | "malformed"
  // §7.4 confirmations (checkConfirmation in lib/core/confirmation.ts)
  /** A confirmation claims bits outside 20..64, or its pow hash has fewer zero bits (§6). */
  | "insufficient-work";

const CODE_LIST = [
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
  "missing-input",
  "bad-output-index",
  "wrong-owner",
  "bad-signature",
  "unbalanced",
  "bad-genesis",
  "malformed",
  "insufficient-work",
] as const satisfies readonly RuleCode[];

/** Every rule code, in the order of docs/PROTOCOL.md §7, for counters and documentation tests. */
export const RULE_CODES: readonly RuleCode[] = Object.freeze(CODE_LIST);

// Compile-time check that RULE_CODES lists every member of RuleCode.
type Unlisted = Exclude<RuleCode, (typeof CODE_LIST)[number]>;
const _everyCodeListed: [Unlisted] extends [never] ? true : Unlisted = true;
void _everyCodeListed;

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
