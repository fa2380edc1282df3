/**
 * Signature-verification worker: checks batches of (signature, message, public key) with the
 * backend the node chose at start (verify/backend.ts), the same function the ledger calls on
 * its own thread, so the answers cannot differ.
 * @module
 */
/// <reference lib="deno.worker" />
import { selectVerifyBackend, type VerifyBackendName } from "../verify/backend.ts";
import type { VerifyFn } from "../core/validate.ts";

/** A batch: n signatures (64 bytes each), messages (32) and public keys (33), concatenated. */
export interface VerifyRequest {
  readonly id: number;
  /** The backend to verify with; loaded on the first request. */
  readonly backend: VerifyBackendName;
  readonly n: number;
  readonly signatures: Uint8Array;
  readonly messages: Uint8Array;
  readonly publicKeys: Uint8Array;
}

/** One byte per check (1 = verifies), and the backend that checked them. */
export interface VerifyReply {
  readonly id: number;
  readonly backend: VerifyBackendName;
  readonly results: Uint8Array;
}

const loaded = new Map<VerifyBackendName, Promise<{ name: VerifyBackendName; verify: VerifyFn }>>();

self.onmessage = async (e: MessageEvent<VerifyRequest>) => {
  const { id, n, signatures, messages, publicKeys } = e.data;
  let backend = loaded.get(e.data.backend);
  if (backend === undefined) {
    backend = selectVerifyBackend({ prefer: e.data.backend });
    loaded.set(e.data.backend, backend);
  }
  const { name, verify } = await backend;
  const results = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const ok = verify(
      signatures.subarray(64 * i, 64 * i + 64),
      messages.subarray(32 * i, 32 * i + 32),
      publicKeys.subarray(33 * i, 33 * i + 33),
    );
    results[i] = ok ? 1 : 0;
  }
  const reply: VerifyReply = { id, backend: name, results };
  self.postMessage(reply, [results.buffer as ArrayBuffer]);
};
