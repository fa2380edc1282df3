/**
 * Ingest helpers shared by the bench sections: batching, the acceptance check, and the
 * pipelined ingest a node performs on received transactions.
 * @module
 */
import type { Ledger } from "../../lib/ledger/ledger.ts";
import type { Verifier } from "../../lib/ledger/verifier.ts";
import { helpUntilReady } from "../../lib/cli/net_ledger.ts";

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
 * CPU time (ms) this process's threads have used so far, from /proc/self/task (Linux; null
 * elsewhere): the main thread (whose thread id is the process id) and the Web Workers (threads
 * named "worker-N"). Read from each thread's `schedstat` (the scheduler's on-CPU time, in
 * nanoseconds), or where that is missing from `stat` (clock ticks, 10 ms).
 */
export function threadCpuMs(): { main: number; workers: number } | null {
  try {
    let main = 0, workers = 0;
    for (const t of Deno.readDirSync("/proc/self/task")) {
      const dir = `/proc/self/task/${t.name}`;
      const comm = Deno.readTextFileSync(`${dir}/comm`).trim();
      let ms: number;
      try {
        ms = Number(Deno.readTextFileSync(`${dir}/schedstat`).split(" ")[0]) / 1e6;
      } catch {
        // Fields after the ")" that closes the name: state is field 3, utime 14, stime 15.
        const f = Deno.readTextFileSync(`${dir}/stat`).split(") ")[1].split(" ");
        ms = (Number(f[11]) + Number(f[12])) * 10;
      }
      if (t.name === String(Deno.pid)) main += ms;
      else if (comm.startsWith("worker")) workers += ms;
    }
    return { main, workers };
  } catch {
    return null;
  }
}

/**
 * Stores `batches` as a node does (lib/net/ingest.ts, lib/cli/net_ledger.ts): the pool verifies a batch while this
 * thread stores the one before; at most two batches in flight, and the next is handed to the
 * pool as soon as a commit ends, so the worker has it queued before it finishes the one it
 * is on. Until the batch it is about to store is ready, this thread checks chunks the worker
 * has not reached (`Verifier.helpOne`, one per turn of the event loop), unless `steal` is
 * false (the worker then does all the verifying: the bench reads the ledger thread's own cost
 * from such runs). Returns the time this thread was busy (the synchronous part of each `prepareTxs`:
 * decoding and handing the batch over; and each commit), the time the workers reported, and
 * the CPU time of this thread and of the worker threads over the run (`threadCpuMs`; null
 * where /proc cannot be read), which also counts what runs between those calls (replies
 * arriving, garbage collection).
 */
export async function ingestPipelined(
  ledger: Ledger,
  batches: readonly Uint8Array[][],
  verifier: Pick<Verifier, "verifyTxs"> & Partial<Pick<Verifier, "helpOne">>,
  steal = true,
): Promise<{
  busyMs: number;
  workerMs: number;
  localMs: number;
  cpu: { main: number; workers: number } | null;
}> {
  // Sync replies: asked for, so the Verifier sends them to its workers.
  const hint = { requested: true };
  let busyMs = 0;
  let workerMs = 0;
  let localMs = 0;
  const cpu0 = threadCpuMs();
  const prepare = (b: Uint8Array[]) => {
    const t0 = performance.now();
    const p = ledger.prepareTxs(b, verifier, hint);
    busyMs += performance.now() - t0;
    return p;
  };
  const inFlight = batches.slice(0, 2).map(prepare);
  for (let k = 0; k < batches.length; k++) {
    // As a node does (lib/cli/net_ledger.ts): what the worker has not reached of the batch
    // about to be stored is checked here instead of waited for.
    const next = inFlight.shift()!;
    const ready = steal ? await helpUntilReady(verifier, next) : await next;
    workerMs += ready.workerMs ?? 0;
    localMs += ready.localMs ?? 0;
    const t0 = performance.now();
    checkAccepted(ledger.commitTxs(ready));
    busyMs += performance.now() - t0;
    if (k + 2 < batches.length) inFlight.push(prepare(batches[k + 2]));
  }
  const cpu1 = threadCpuMs();
  const cpu = cpu0 && cpu1
    ? { main: cpu1.main - cpu0.main, workers: cpu1.workers - cpu0.workers }
    : null;
  return { busyMs, workerMs, localMs, cpu };
}
