/**
 * Signature-verification worker: checks batches of (signature, message, public key) with the
 * same function the ledger uses on its own thread, so the answers cannot differ.
 * @module
 */
/// <reference lib="deno.worker" />
import { verifyMessageNative } from "../core/verify_native.ts";

/** A batch: n signatures (64 bytes each), messages (32) and public keys (33), concatenated. */
export interface VerifyRequest {
  readonly id: number;
  readonly n: number;
  readonly signatures: Uint8Array;
  readonly messages: Uint8Array;
  readonly publicKeys: Uint8Array;
}

self.onmessage = (e: MessageEvent<VerifyRequest>) => {
  const { id, n, signatures, messages, publicKeys } = e.data;
  const results = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const ok = verifyMessageNative(
      signatures.subarray(64 * i, 64 * i + 64),
      messages.subarray(32 * i, 32 * i + 32),
      publicKeys.subarray(33 * i, 33 * i + 33),
    );
    results[i] = ok ? 1 : 0;
  }
  self.postMessage({ id, results }, [results.buffer as ArrayBuffer]);
};
