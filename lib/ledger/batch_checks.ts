/**
 * The work of one verification batch: lib/ledger/verify_worker.ts runs it on a worker thread
 * (tests run it on theirs). A batch is whole encoded transactions with their txids; for each,
 * besides verifying its signatures, the per-transaction hashing the ledger's thread would
 * otherwise do is done here: the sighash message (read from the encoding in place), HASH160
 * of each input's key (the ownership rule) and the transaction's summary-digest element
 * (MuHash3072, PROTOCOL.md §10.3), so that the ledger's thread keeps only the rules and the
 * database.
 * @module
 */
import type { VerifyBackendName } from "../verify/backend.ts";
import type { VerifyFn } from "../core/validate.ts";
import {
  encodedInputCount,
  encodedPublicKey,
  encodedSignature,
  sighashOfEncoding,
} from "../core/tx.ts";
import { hash160 } from "../core/hash.ts";
import { muHashElement, muHashProduct } from "../core/set_digest.ts";
import { ITEM_TX, itemElement } from "./item_digest.ts";

/** A batch of n encoded transactions, concatenated, with their lengths and txids (32 bytes each). */
export interface TxsRequest {
  readonly kind: "txs";
  readonly id: number;
  readonly backend: VerifyBackendName;
  readonly n: number;
  readonly raws: Uint8Array;
  readonly lengths: Uint32Array;
  readonly txids: Uint8Array;
  /**
   * A claim word per chunk of one job, shared with the thread that sent it (over a
   * SharedArrayBuffer): the worker checks the chunk only if it turns word `slot` from 0 (free)
   * to 1 (worker); the sender may have turned it to 2 and checked the chunk itself (work
   * stealing, lib/ledger/verifier.ts), and the reply then says `skipped`.
   */
  readonly claim?: Int32Array;
  readonly slot?: number;
}

/** Packs transactions (encodings and txids) into a request's buffers. */
export function packTxs(
  txs: readonly { readonly raw: Uint8Array; readonly txid: Uint8Array }[],
): Pick<TxsRequest, "n" | "raws" | "lengths" | "txids"> {
  const lengths = Uint32Array.from(txs, (t) => t.raw.length);
  const raws = new Uint8Array(lengths.reduce((a, b) => a + b, 0));
  const txids = new Uint8Array(32 * txs.length);
  let at = 0;
  txs.forEach((t, i) => {
    raws.set(t.raw, at);
    at += t.raw.length;
    if (t.txid.length === 32) txids.set(t.txid, 32 * i); // a malformed one stays zero
  });
  return { n: txs.length, raws, lengths, txids };
}

/**
 * Per transaction k: its inputs are entries firstInput[k] .. firstInput[k+1]-1 of `results`
 * (1 = the signature verifies) and of `ownerHashes` (20 bytes each); `messages` holds its
 * sighash message at 32·k; `product` is the product of their MuHash3072 elements. A
 * transaction whose layout does not hold (`malformed[k]` = 1) has no inputs here and is left
 * out of the product.
 */
export interface TxsReply {
  readonly kind: "txs";
  readonly id: number;
  readonly backend: VerifyBackendName;
  readonly firstInput: Uint32Array;
  readonly results: Uint8Array;
  readonly ownerHashes: Uint8Array;
  readonly messages: Uint8Array;
  readonly malformed: Uint8Array;
  readonly product: bigint;
  /** Milliseconds the worker spent on the batch (for benchmarks). */
  readonly elapsedMs: number;
  /** The sender claimed the chunk first (see `TxsRequest.claim`): nothing was checked. */
  readonly skipped?: true;
}

/** The work of a "txs" batch: see {@linkcode TxsReply}. */
export function checkTxs(
  req: Omit<TxsRequest, "kind" | "id" | "backend">,
  verify: VerifyFn,
): Omit<TxsReply, "kind" | "id" | "backend"> {
  const start = performance.now();
  const { n, raws, lengths, txids } = req;
  const firstInput = new Uint32Array(n + 1);
  const malformed = new Uint8Array(n);
  const messages = new Uint8Array(32 * n);
  const counts: number[] = [];
  const bodies: Uint8Array[] = [];
  let at = 0;
  let inputs = 0;
  for (let k = 0; k < n; k++) {
    const raw = raws.subarray(at, at + lengths[k]);
    at += lengths[k];
    let count = 0;
    try {
      count = encodedInputCount(raw);
    } catch {
      malformed[k] = 1;
    }
    firstInput[k] = inputs;
    inputs += count;
    counts.push(count);
    bodies.push(raw);
  }
  firstInput[n] = inputs;
  const results = new Uint8Array(inputs);
  const ownerHashes = new Uint8Array(20 * inputs);
  const mapped: bigint[] = [];
  for (let k = 0; k < n; k++) {
    if (malformed[k] === 1) continue;
    const raw = bodies[k];
    const message = sighashOfEncoding(raw);
    messages.set(message, 32 * k);
    for (let i = 0; i < counts[k]; i++) {
      const j = firstInput[k] + i;
      const key = encodedPublicKey(raw, i);
      results[j] = verify(encodedSignature(raw, i), message, key) ? 1 : 0;
      ownerHashes.set(hash160(key), 20 * j);
    }
    mapped.push(muHashElement(itemElement(ITEM_TX, txids.subarray(32 * k, 32 * k + 32))));
  }
  return {
    firstInput,
    results,
    ownerHashes,
    messages,
    malformed,
    product: muHashProduct(mapped),
    elapsedMs: performance.now() - start,
  };
}
