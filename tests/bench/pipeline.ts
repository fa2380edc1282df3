/**
 * Ingest helpers shared by the bench sections: batching, the acceptance check, and the
 * pipelined ingest a node performs on received transactions.
 * @module
 */
import type { Ledger } from "../../lib/ledger/ledger.ts";
import type { Verifier } from "../../lib/ledger/verifier.ts";

/** `items` in consecutive batches of `size`. */
export function batchesOf<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Throws unless every result is "accepted" (bench fixtures are all valid and new). */
export function checkAccepted(rs: readonly { kind: string }[]): void {
  const bad = rs.find((r) => r.kind !== "accepted");
  if (bad) throw new Error(`not accepted: ${JSON.stringify(bad)}`);
}

/**
 * Stores `batches` as a node does (lib/net/ingest.ts, lib/cli/net_ledger.ts): the pool verifies a batch while this
 * thread stores the one before; at most two batches in flight, and the next is handed to the
 * pool as soon as a commit ends, so the worker has it queued before it finishes the one it
 * is on. Returns the time this thread was busy (the synchronous part of each `prepareTxs`:
 * decoding and handing the batch over; and each commit) and the time the workers reported.
 */
export async function ingestPipelined(
  ledger: Ledger,
  batches: readonly Uint8Array[][],
  verifier: Pick<Verifier, "verifyTxs">,
): Promise<{ busyMs: number; workerMs: number }> {
  // Sync replies: asked for, so the Verifier sends them to its workers.
  const hint = { requested: true };
  let busyMs = 0;
  let workerMs = 0;
  const prepare = (b: Uint8Array[]) => {
    const t0 = performance.now();
    const p = ledger.prepareTxs(b, verifier, hint);
    busyMs += performance.now() - t0;
    return p;
  };
  const inFlight = batches.slice(0, 2).map(prepare);
  for (let k = 0; k < batches.length; k++) {
    const ready = await inFlight.shift()!;
    workerMs += ready.workerMs ?? 0;
    const t0 = performance.now();
    checkAccepted(ledger.commitTxs(ready));
    busyMs += performance.now() - t0;
    if (k + 2 < batches.length) inFlight.push(prepare(batches[k + 2]));
  }
  return { busyMs, workerMs };
}
