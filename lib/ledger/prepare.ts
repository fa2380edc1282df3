/**
 * Stage 1 of the pipelined ingest (docs/PROTOCOL.md §11): a batch of transactions is decoded
 * once and handed to the Verifier, whose worker checks the signatures (and does the batch's
 * other hashing) while the ledger thread commits the batch before; small batches are left to
 * the commit. Reads no ledger state.
 * @module
 */
import {
  type EncodedTx,
  encodedTxFromBytes,
  encodedTxFromTx,
  isEncodedTx,
  type Tx,
} from "../core/tx.ts";
import type { VerifyFn } from "../core/validate.ts";
import type { BatchHint, Verifier } from "./verifier.ts";

/** A decoded transaction with what the verify workers computed for it. */
export interface Checked {
  readonly entry: EncodedTx;
  /** The sighash message every input signs. */
  readonly message: Uint8Array;
  /** One entry per input: does its signature verify over `message`? Empty: not checked yet. */
  readonly signatures: readonly boolean[];
  /** Per input, HASH160 of its public key, when the workers computed it. */
  readonly ownerHashes?: readonly Uint8Array[];
  /**
   * True when the workers put its summary-digest element in the batch's `product`, which the
   * commit adds once; the commit takes the element out again unless the transaction is
   * stored.
   */
  readonly inProduct?: boolean;
}

/** A batch that a Verifier checked (`Ledger.prepareTxs`), ready for `commitTxs`. */
export interface PreparedTxs {
  readonly items: readonly (Tx | Uint8Array | EncodedTx | Checked)[];
  /** The product of the digest elements of the items with `inProduct` (see `Checked`). */
  readonly product?: bigint;
  /** Milliseconds the workers spent on the batch (for benchmarks). */
  readonly workerMs?: number;
  /** Milliseconds the calling thread spent checking chunks of it (`Verifier.help`). */
  readonly localMs?: number;
}

/** The input as an EncodedTx: as given, decoded once, or encoded once. Throws WireError. */
export function toEncoded(t: Tx | Uint8Array | EncodedTx): EncodedTx {
  if (t instanceof Uint8Array) return encodedTxFromBytes(t);
  if (isEncodedTx(t)) return t as EncodedTx;
  return encodedTxFromTx("raw" in t ? (t as EncodedTx).tx : t as Tx);
}

/**
 * Decodes a batch and has the Verifier check it (`hint` says where). On the workers, each
 * transaction's signatures are verified and its sighash message, key hashes and digest
 * element computed there; on the calling thread nothing is checked yet, and the commit checks
 * each transaction when its rules get to it (a duplicate or an orphan then costs no
 * verification). Items that do not decode are passed on as given (the ledger reports them).
 */
export async function prepareBatch(
  txs: readonly (Tx | Uint8Array | EncodedTx)[],
  verifier: Pick<Verifier, "verifyTxs">,
  hint?: BatchHint,
): Promise<PreparedTxs> {
  const entries = txs.map((t) => {
    try {
      return toEncoded(t);
    } catch {
      return null; // malformed: the ledger reports it
    }
  });
  const good = entries.filter((e): e is EncodedTx => e !== null);
  const verdict = await verifier.verifyTxs(good, hint);
  let g = 0;
  const items = entries.map((entry, k): Tx | Uint8Array | EncodedTx | Checked => {
    if (entry === null) return txs[k];
    const v = verdict?.txs[g++];
    if (!v) return entry;
    return {
      entry,
      message: v.message,
      signatures: v.signatures,
      ownerHashes: v.ownerHashes,
      inProduct: true,
    };
  });
  return {
    items,
    product: verdict?.product,
    workerMs: verdict?.workerMs,
    localMs: verdict?.localMs,
  };
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
