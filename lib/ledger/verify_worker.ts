/**
 * Transaction-checking worker: for each raw transaction of a batch, the txid, the sighash
 * message and the verdict on every input's signature, computed with the very functions the
 * ledger would use on its own thread, so the answers cannot differ.
 * @module
 */
/// <reference lib="deno.worker" />
import { decodeTx, sighashMessage, txidOfEncoding } from "../core/tx.ts";
import { verifyMessageNative } from "../core/verify_native.ts";

/** A batch: n raw transactions concatenated; `ends[i]` is where the i-th one ends. */
export interface CheckRequest {
  readonly id: number;
  readonly data: Uint8Array;
  readonly ends: Uint32Array;
}

/**
 * The answers, in batch order. `decoded[i]` is 0 for a malformed transaction, which has no
 * txid, message or signatures here. `inputs[i]` is its input count, and `signatures` holds
 * one byte (1 = valid) per input of each decoded transaction, one transaction after the other.
 */
export interface CheckResponse {
  readonly id: number;
  readonly decoded: Uint8Array;
  readonly inputs: Uint8Array;
  readonly txids: Uint8Array;
  readonly messages: Uint8Array;
  readonly signatures: Uint8Array;
}

self.onmessage = (e: MessageEvent<CheckRequest>) => {
  const { id, data, ends } = e.data;
  const n = ends.length;
  const decoded = new Uint8Array(n);
  const inputs = new Uint8Array(n);
  const txids = new Uint8Array(32 * n);
  const messages = new Uint8Array(32 * n);
  const sigs: number[] = [];
  for (let i = 0, start = 0; i < n; start = ends[i], i++) {
    const raw = data.subarray(start, ends[i]);
    let tx;
    try {
      tx = decodeTx(raw);
    } catch {
      continue; // malformed: the ledger reports it
    }
    const message = sighashMessage(tx);
    decoded[i] = 1;
    inputs[i] = tx.inputs.length;
    txids.set(txidOfEncoding(raw), 32 * i);
    messages.set(message, 32 * i);
    for (const inp of tx.inputs) {
      sigs.push(verifyMessageNative(inp.signature, message, inp.publicKey) ? 1 : 0);
    }
  }
  const signatures = Uint8Array.from(sigs);
  const res: CheckResponse = { id, decoded, inputs, txids, messages, signatures };
  self.postMessage(res, [
    decoded.buffer as ArrayBuffer,
    inputs.buffer as ArrayBuffer,
    txids.buffer as ArrayBuffer,
    messages.buffer as ArrayBuffer,
    signatures.buffer as ArrayBuffer,
  ]);
};
