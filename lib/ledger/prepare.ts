/**
 * Stage 1 of the pipelined ingest (docs/PROTOCOL.md §11): a batch of transactions is decoded
 * once, each sighash message computed, and the signatures handed to the Verifier, which checks
 * them on its worker while the ledger thread commits the batch before (or leaves them to the
 * commit, for small batches). Reads no ledger state.
 * @module
 */
import {
  type EncodedTx,
  encodedTxFromBytes,
  encodedTxFromTx,
  isEncodedTx,
  sighashMessage,
  type Tx,
} from "../core/tx.ts";
import type { VerifyFn } from "../core/validate.ts";
import type { BatchHint, SignatureCheck, Verifier } from "./verifier.ts";

/** A decoded transaction with its sighash message and the workers' signature verdicts. */
export interface Checked {
  readonly entry: EncodedTx;
  /** The sighash message every input signs. */
  readonly message: Uint8Array;
  /** One entry per input: does its signature verify over `message`? Empty: not checked yet. */
  readonly signatures: readonly boolean[];
}

/** A batch that a Verifier checked (`Ledger.prepareTxs`), ready for `commitTxs`. */
export interface PreparedTxs {
  readonly items: readonly (Tx | Uint8Array | EncodedTx | Checked)[];
}

/** The input as an EncodedTx: as given, decoded once, or encoded once. Throws WireError. */
export function toEncoded(t: Tx | Uint8Array | EncodedTx): EncodedTx {
  if (t instanceof Uint8Array) return encodedTxFromBytes(t);
  if (isEncodedTx(t)) return t as EncodedTx;
  return encodedTxFromTx("raw" in t ? (t as EncodedTx).tx : t as Tx);
}

/**
 * Decodes a batch, computes each sighash message, and has the Verifier check the signatures
 * (`hint` says where). Items that do not decode are passed on as given (the ledger reports
 * them).
 */
export async function prepareBatch(
  txs: readonly (Tx | Uint8Array | EncodedTx)[],
  verifier: Pick<Verifier, "verify">,
  hint?: BatchHint,
): Promise<PreparedTxs> {
  const checks: SignatureCheck[] = [];
  const decoded = txs.map((t) => {
    try {
      const entry = toEncoded(t);
      const message = sighashMessage(entry.tx);
      const first = checks.length;
      for (const i of entry.tx.inputs) {
        checks.push({ signature: i.signature, message, publicKey: i.publicKey });
      }
      return { entry, message, first };
    } catch {
      return null; // malformed: the ledger reports it
    }
  });
  const ok = await verifier.verify(checks, hint);
  const items = decoded.map((d, k): Tx | Uint8Array | EncodedTx | Checked =>
    d === null ? txs[k] : {
      entry: d.entry,
      message: d.message,
      signatures: ok?.slice(d.first, d.first + d.entry.tx.inputs.length) ?? [],
    }
  );
  return { items };
}

/**
 * A signature check that answers with a worker's verdicts for the inputs of `tx` (matched by
 * identity, so only those exact bytes get the verdict) and falls back to `verify` otherwise.
 */
export function checkedVerify(tx: Tx, checked: Checked, verify: VerifyFn): VerifyFn {
  return (signature, message, publicKey) => {
    if (message === checked.message) {
      const i = tx.inputs.findIndex((inp) =>
        inp.signature === signature && inp.publicKey === publicKey
      );
      if (i >= 0 && i < checked.signatures.length) return checked.signatures[i];
    }
    return verify(signature, message, publicKey);
  };
}
