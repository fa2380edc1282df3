/**
 * The two searches of `deno task genesis`, each spread over Web Workers running
 * genesis/vanity_worker.ts: a vanity key, then the genesis confirmation nonce. Every result
 * is re-checked here with the reference code before it is returned.
 * @module
 */
import { addressFromPublicKey } from "../lib/core/address.ts";
import { type KeyPair, keyPairFromSecret } from "../lib/core/keys.ts";
import { confirmationWork } from "../lib/core/pow.ts";
import type { PrefixPlan } from "./prefix.ts";
import type { WorkerJob, WorkerReport } from "./vanity_worker.ts";

/** URL of the worker script. */
export const WORKER_URL = new URL("./vanity_worker.ts", import.meta.url);
/** Most leading zero bits `mineNonce` accepts (2^40 hashes is days on a laptop). */
export const MAX_WORK_BITS = 40;

/** A snapshot of a running search. */
export interface SearchProgress {
  readonly phase: "vanity" | "pow";
  /** Keys (vanity) or hashes (pow) tried so far, over all workers. */
  readonly tried: number;
  readonly elapsedMs: number;
  /** Average number of tries the search needs. */
  readonly expected: number;
  /** True on the last call, when the search is over. */
  readonly done: boolean;
}

/** Options shared by both searches. */
export interface SearchOptions {
  /** Number of workers, at least 1. */
  readonly workers: number;
  /** Called about every `progressMs`, and once with `done` at the end. */
  readonly onProgress?: (p: SearchProgress) => void;
  readonly progressMs?: number;
  /** Aborting terminates the workers and rejects with the signal's reason. */
  readonly signal?: AbortSignal;
}

/** The outcome of a search. */
export interface SearchStats {
  readonly tried: number;
  readonly elapsedMs: number;
  readonly workers: number;
}

type Found = Extract<WorkerReport, { type: "key" | "nonce" }>;

function checkWorkers(n: number): void {
  if (!Number.isInteger(n) || n < 1) {
    throw new RangeError(`"workers" expected an integer of at least 1, got ${n}`);
  }
}

/**
 * Starts one worker per job and resolves with the first result. All workers are terminated
 * and the progress timer cleared on every path: result, worker error, or abort.
 */
function runWorkers(
  phase: SearchProgress["phase"],
  jobs: WorkerJob[],
  expected: number,
  opts: SearchOptions,
): Promise<{ found: Found; stats: SearchStats }> {
  opts.signal?.throwIfAborted();
  const t0 = performance.now();
  let tried = 0;
  const workers: Worker[] = [];
  let timer: ReturnType<typeof setInterval> | undefined;
  const progress = (done: boolean) =>
    opts.onProgress?.({ phase, tried, elapsedMs: performance.now() - t0, expected, done });
  return new Promise<{ found: Found; stats: SearchStats }>((resolve, reject) => {
    let settled = false;
    const finish = (err: unknown, found?: Found) => {
      if (settled) return;
      settled = true;
      for (const w of workers) w.terminate();
      clearInterval(timer);
      opts.signal?.removeEventListener("abort", onAbort);
      if (found) {
        progress(true);
        resolve({
          found,
          stats: { tried, elapsedMs: performance.now() - t0, workers: jobs.length },
        });
      } else reject(err);
    };
    const onAbort = () => finish(opts.signal!.reason);
    opts.signal?.addEventListener("abort", onAbort);
    timer = setInterval(() => progress(false), opts.progressMs ?? 250);
    for (const job of jobs) {
      const w = new Worker(WORKER_URL, { type: "module", name: `genesis-${phase}` });
      workers.push(w);
      w.onmessage = (e: MessageEvent<WorkerReport>) => {
        const r = e.data;
        if (r.type === "progress") tried += r.tried;
        else if (r.type === "error") finish(new Error(`Genesis worker failed: ${r.message}`));
        else finish(undefined, r);
      };
      w.onerror = (e: ErrorEvent) => {
        e.preventDefault();
        finish(new Error(`Genesis worker failed: ${e.message}`));
      };
      w.postMessage(job);
    }
  });
}

/**
 * Searches random keys on `workers` workers until an address starts with
 * `plan.lead + plan.prefix`; returns the key pair and address, checked with noble.
 */
export async function findVanityKey(
  plan: PrefixPlan,
  opts: SearchOptions,
): Promise<{ keys: KeyPair; address: string; stats: SearchStats }> {
  checkWorkers(opts.workers);
  const start = plan.lead + plan.prefix;
  const job: WorkerJob = {
    kind: "vanity",
    start,
    low: plan.low.slice(0, 21),
    high: plan.high.slice(0, 21),
  };
  const jobs = Array.from({ length: opts.workers }, () => job);
  const { found, stats } = await runWorkers("vanity", jobs, plan.expectedTries, opts);
  if (found.type !== "key") throw new Error(`Genesis worker sent ${found.type}, expected a key`);
  const keys = keyPairFromSecret(found.secretKey);
  const address = addressFromPublicKey(keys.publicKey);
  if (!address.startsWith(start)) {
    throw new Error(`Genesis worker sent a key for ${address}, which does not start with ${start}`);
  }
  return { keys, address, stats };
}

/**
 * Mines a confirmation nonce for `txid` with at least `bits` leading zero bits, each worker
 * on its own high nonce words. Returns the nonce and its work, checked with confirmationWork.
 */
export async function mineNonce(
  txid: Uint8Array,
  bits: number,
  opts: SearchOptions,
): Promise<{ nonce: bigint; work: number; stats: SearchStats }> {
  checkWorkers(opts.workers);
  if (!Number.isInteger(bits) || bits < 0 || bits > MAX_WORK_BITS) {
    throw new RangeError(`"bits" expected an integer in 0..${MAX_WORK_BITS}, got ${bits}`);
  }
  const jobs: WorkerJob[] = Array.from({ length: opts.workers }, (_, i) => ({
    kind: "pow",
    txid: Uint8Array.from(txid),
    bits,
    first: i,
    stride: opts.workers,
  }));
  const { found, stats } = await runWorkers("pow", jobs, 2 ** bits, opts);
  if (found.type !== "nonce") {
    throw new Error(`Genesis worker sent ${found.type}, expected a nonce`);
  }
  const nonce = BigInt(found.nonce);
  const work = confirmationWork(txid, nonce);
  if (work < bits) {
    throw new Error(`Genesis worker sent nonce ${nonce} with work ${work} < ${bits}`);
  }
  return { nonce, work, stats };
}
