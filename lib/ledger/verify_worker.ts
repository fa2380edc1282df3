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
  if (req.claim !== undefined && Atomics.compareExchange(req.claim, req.slot ?? 0, 0, 1) !== 0) {
    // The sender checked this chunk itself while it waited (work stealing).
    const none = checkTxs({
      n: 0,
      raws: new Uint8Array(0),
      lengths: new Uint32Array(0),
      txids: new Uint8Array(0),
    }, verify);
    self.postMessage({ kind: "txs", id: req.id, backend: name, ...none, skipped: true });
    return;
  }
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
