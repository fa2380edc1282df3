/**
 * Verification worker: runs batches (lib/ledger/batch_checks.ts) with the backend the node
 * chose at start (verify/backend.ts), the same function the ledger calls on its own thread, so
 * the answers cannot differ.
 * @module
 */
/// <reference lib="deno.worker" />
import { selectVerifyBackend, type VerifyBackendName } from "../verify/backend.ts";
import type { VerifyFn } from "../core/validate.ts";
import { checkTxs, type TxsReply, type TxsRequest } from "./batch_checks.ts";

const loaded = new Map<VerifyBackendName, Promise<{ name: VerifyBackendName; verify: VerifyFn }>>();

function backendFor(name: VerifyBackendName) {
  let backend = loaded.get(name);
  if (backend === undefined) {
    backend = selectVerifyBackend({ prefer: name });
    loaded.set(name, backend);
  }
  return backend;
}

self.onmessage = async (e: MessageEvent<TxsRequest>) => {
  const req = e.data;
  const { name, verify } = await backendFor(req.backend);
  const r = checkTxs(req, verify);
  const reply: TxsReply = { kind: "txs", id: req.id, backend: name, ...r };
  self.postMessage(reply, [
    r.firstInput.buffer as ArrayBuffer,
    r.results.buffer as ArrayBuffer,
    r.ownerHashes.buffer as ArrayBuffer,
    r.messages.buffer as ArrayBuffer,
    r.malformed.buffer as ArrayBuffer,
  ]);
};
