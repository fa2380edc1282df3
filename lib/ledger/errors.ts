/** Errors of the ledger layer. @module */

/** A storage failure or an unusable database file. The driver's error is in `cause`. */
export class LedgerError extends Error {
  override name = "LedgerError";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
