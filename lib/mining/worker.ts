/**
 * The mining Web Worker (docs/PROTOCOL.md §12). It receives a job (a confirmation's
 * 32-byte commitment, the goal bits, its own nonce range), searches it in chunks and reports the hashes done after each chunk.
 * Between jobs it waits for a message and uses no CPU.
 *
 * Going back to the event loop costs about 2 ms here (a zero timeout; a MessageChannel
 * ping is faster but starves the messages from the pool and even `terminate()`), so the
 * worker does it only when the pool has posted something new, which the pool signals by
 * raising a shared sequence number, or at least every {@link YIELD_EVERY_MS}.
 *
 * Loaded by {@link import("./pool.ts").MinerPool} as
 * `new Worker(new URL("./worker.ts", import.meta.url), { type: "module" })`.
 * @module
 */
import { createPowSearch, type PowSearch } from "./sha256_pow.ts";

/** Longest stretch of mining between two looks at the inbox. */
export const YIELD_EVERY_MS = 250;

/**
 * Every message from the pool carries a sequence number. After posting, the pool stores
 * it in `signal[0]` (a SharedArrayBuffer shared with every worker), so a worker learns
 * between two chunks, without a round trip through its event loop, that its inbox holds
 * something it has not read.
 */
interface Sequenced {
  readonly seq: number;
  readonly signal: Int32Array;
}

/** Search SHA-256(commitment ‖ nonce) for work ≥ goal, from nonce (nonceHi << 32) upwards. */
export interface JobMessage extends Sequenced {
  readonly type: "job";
  readonly id: number;
  /** The confirmation's commitment (docs/PROTOCOL.md §6): the 32 bytes hashed with the nonce. */
  readonly commitment: Uint8Array;
  /** High nonce word to start with; the next one is nonceHi + stride (mod 2^32). */
  readonly nonceHi: number;
  readonly stride: number;
  readonly goal: number;
  /** Hashes per chunk, between reports. */
  readonly chunk: number;
}

/** Drop the current job and wait. */
export interface IdleMessage extends Sequenced {
  readonly type: "idle";
}

/** Drop the current job, answer "stopped" and close this worker. */
export interface StopMessage extends Sequenced {
  readonly type: "stop";
}

/** Messages from the pool to a worker. */
export type ToWorker = JobMessage | IdleMessage | StopMessage;

/** Hashes done on job `id` since the last report. */
export interface ProgressMessage {
  readonly type: "progress";
  readonly id: number;
  readonly hashes: number;
}

/** A nonce for job `id` with work ≥ its goal; the worker then waits for a new job. */
export interface FoundMessage {
  readonly type: "found";
  readonly id: number;
  readonly nonceHi: number;
  readonly nonceLo: number;
  readonly work: number;
  readonly hashes: number;
}

/** The answer to a stop message; nothing follows it. */
export interface StoppedMessage {
  readonly type: "stopped";
}

/** Messages from a worker to the pool. */
export type FromWorker = ProgressMessage | FoundMessage | StoppedMessage;

interface WorkerScope {
  onmessage: ((e: MessageEvent<ToWorker>) => void) | null;
  postMessage(message: FromWorker): void;
  close(): void;
}

interface Running {
  readonly job: JobMessage;
  readonly search: PowSearch;
  nonceHi: number;
  nonceLo: number;
}

const NONCE_LO_SPAN = 2 ** 32;
const scope = globalThis as unknown as WorkerScope;

let current: Running | null = null;
let looping = false;
let stopping = false;
let seenSeq = 0;
let signal: Int32Array | null = null;

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

function finish(): void {
  scope.postMessage({ type: "stopped" });
  scope.close();
}

async function mine(): Promise<void> {
  looping = true;
  let lastYield = performance.now();
  while (current !== null) {
    const run = current;
    const { job } = run;
    const count = Math.min(job.chunk, NONCE_LO_SPAN - run.nonceLo);
    const hit = run.search(run.nonceHi, run.nonceLo, count, job.goal);
    if (hit !== null) {
      const hashes = hit.nonceLo - run.nonceLo + 1;
      scope.postMessage({ type: "found", id: job.id, nonceHi: run.nonceHi, ...hit, hashes });
      current = null;
    } else {
      scope.postMessage({ type: "progress", id: job.id, hashes: count });
      run.nonceLo += count;
      if (run.nonceLo >= NONCE_LO_SPAN) {
        run.nonceLo = 0;
        run.nonceHi = (run.nonceHi + job.stride) >>> 0;
      }
    }
    const now = performance.now();
    if (
      current === null || signal === null || Atomics.load(signal, 0) !== seenSeq ||
      now - lastYield >= YIELD_EVERY_MS
    ) {
      await yieldToEventLoop();
      lastYield = performance.now();
    }
  }
  looping = false;
  if (stopping) finish();
}

scope.onmessage = (e) => {
  const msg = e.data;
  seenSeq = msg.seq;
  signal = msg.signal;
  if (msg.type === "job") {
    current = {
      job: msg,
      search: createPowSearch(msg.commitment),
      nonceHi: msg.nonceHi,
      nonceLo: 0,
    };
    if (!looping) void mine();
    return;
  }
  current = null;
  if (msg.type === "stop") {
    stopping = true;
    if (!looping) finish();
  }
};
