/**
 * Errors of the wallet layer (README "Your wallet").
 * @module
 */
import { LedgerError } from "../ledger/errors.ts";

/**
 * A wallet operation that cannot be done: an unreadable or invalid wallet file, a wrong
 * passphrase, a bad mnemonic word, a locked wallet asked to sign. The message is one line for
 * the user, naming the path and the OS reason where there is one; it never holds a secret.
 * It extends LedgerError so that every caller that already turns local-state failures into
 * one line (main.ts, the command loop) handles it too.
 */
export class WalletError extends LedgerError {
  override name = "WalletError";
  /** What went wrong, for callers that branch (tests, the CLI's exit code). */
  readonly code: WalletErrorCode;
  constructor(code: WalletErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/**
 * - `io`: the file system refused (the message names the path and the OS reason)
 * - `invalid`: a wallet file that is not a crackcoin wallet
 * - `exists`: refusing to replace an existing wallet
 * - `missing`: no wallet file
 * - `passphrase`: wrong passphrase, or none available where one is needed
 * - `locked`: the wallet is encrypted and was not unlocked, so it cannot sign
 * - `mnemonic`: a bad word, word count or checksum
 * - `usage`: the command cannot apply to this wallet (e.g. `r` on a single-key wallet)
 */
export type WalletErrorCode =
  | "io"
  | "invalid"
  | "exists"
  | "missing"
  | "passphrase"
  | "locked"
  | "mnemonic"
  | "usage";

/**
 * The OS's reason from a Deno file-system error, without the path Deno appends
 * (`"Permission denied (os error 13)"`), so a message names the path once.
 */
export function osReason(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  const os = /^(.*?\(os error \d+\))/.exec(m);
  if (os) return os[1];
  const i = m.indexOf(": ");
  return i > 0 ? m.slice(0, i) : m;
}
