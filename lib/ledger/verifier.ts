/**
 * The one way the node verifies signatures: a {@linkcode Verifier} holds the backend chosen at
 * start (libsecp256k1 or node:crypto, verify/backend.ts) and a worker pool, and decides by
 * itself where a batch is checked. Callers (the ledger's `prepareTxs`, hence net) hand it every
 * batch and never choose.
 *
 * Where a batch goes:
 * - to the workers when it is big (at least {@linkcode POOL_MIN_TXS} transactions) or when the caller says its transactions were requested (a sync reply split
 *   across datagrams makes small batches that are still bulk work): the checks then overlap
 *   with the ledger storing the batch before;
 * - to the calling thread otherwise, lazily: `verifyTxs` resolves to null and each signature is
 *   checked with `verifySignature` only when the ledger's rules get to it, so a duplicate or
 *   an orphan costs no verification. Measured over a flood of 10^6 hostile datagrams
 *   (docs/BENCHMARKS.md "Network"): with every batch sent to the pool the node spent 122 µs
 *   of CPU per datagram instead of 40, its worker isolate (about 20 MiB resident) was started
 *   by the flood, and its RSS grew by 31 MiB instead of 13.
 * - to the calling thread too when the workers fail (a worker that cannot start): the batch is
 *   then checked late, never lost.
 * @module
 */
import type { VerifyFn } from "../core/validate.ts";
import {
  selectVerifyBackend,
  type VerifyBackend,
  type VerifyBackendName,
} from "../verify/backend.ts";
import { VerifyPool } from "./verify_pool.ts";
import { checkTxs, packTxs, type TxsReply } from "./batch_checks.ts";
import { muHashProduct } from "../core/set_digest.ts";

/**
 * Batches from fewer transactions than this are checked on the calling thread: half a sync
 * batch (SYNC_BATCH = 160), below which a worker round trip per datagram costs more than
 * checking it in place. Counted in transactions, not signatures, so that a few many-input
 * transactions (an attacker's orphans, say) do not make a batch eager: on the calling thread
 * an orphan's signatures are never checked until its parents arrive.
 */
export const POOL_MIN_TXS = 80;

/** What the caller knows about a batch. */
export interface BatchHint {
  /** The transactions were asked for (a sync reply): bulk work, whatever the batch size. */
  readonly requested?: boolean;
}

/** Signature verification for the ledger. */
export interface Verifier {
  /** The backend, chosen once at start. */
  readonly backend: VerifyBackendName;
  /** Why this backend (the addon's file, or why libsecp256k1 could not load). */
  readonly backendDetail: string;
  /** Checks one signature on the calling thread: the project's checks, then the backend. */
  readonly verifySignature: VerifyFn;
  /**
   * Checks a batch of whole transactions (canonical encodings with their txids): on the
   * workers, which verify every signature and also compute each transaction's sighash
   * message, its inputs' key hashes and its summary-digest element (batch_checks.ts); or null
   * when the verifier chose the calling thread, and the ledger does all of it itself, each
   * signature with `verifySignature` when its rules get to it.
   */
  verifyTxs(txs: readonly TxToCheck[], hint?: BatchHint): Promise<TxsVerdict | null>;
  /**
   * Starts the workers and loads their backend now rather than on the first big batch (a node
   * does this at start, so its first sync does not wait for it). Never rejects: a worker that
   * cannot start is reported like one that fails later, and batches stay on the caller.
   */
  warm(): Promise<void>;
  /**
   * Work stealing: checks on the calling thread the chunks of the oldest unfinished batch that
   * no worker has started yet, last chunk first (workers take them first to last). A consumer
   * calls it right before it awaits a batch: when the workers are behind, the thread that would
   * otherwise wait does part of the work, the way Bitcoin Core's script-check queue has its
   * master thread join the workers; when they are not, it finds nothing to do. Synchronous.
   */
  help(): void;
  /**
   * One step of {@linkcode help}: checks on the calling thread the last unclaimed chunk of the
   * oldest unfinished batch, unless that is the only one left (the workers are about to take
   * it); false when there was none. A consumer takes one step at a time until the batch it
   * waits for is ready, letting its event loop run in between, so received datagrams wait at
   * most one chunk.
   */
  helpOne(): boolean;
  /** Ends the workers. Later batches go to the calling thread. */
  close(): void;
}

/** Transactions per chunk: the unit the workers and a helping caller claim (about 2.5 ms). */
export const VERIFY_CHUNK = 32;

/** A transaction for {@linkcode Verifier.verifyTxs}: its canonical encoding and txid. */
export interface TxToCheck {
  readonly raw: Uint8Array;
  readonly txid: Uint8Array;
}

/** What the workers found for one transaction. */
export interface TxVerdict {
  /** Its sighash message (32 bytes, PROTOCOL.md §5). */
  readonly message: Uint8Array;
  /** Per input: does its signature verify over `message`? */
  readonly signatures: readonly boolean[];
  /** Per input: HASH160 of its public key (20 bytes), for the ownership rule (§7.2). */
  readonly ownerHashes: readonly Uint8Array[];
  /** Its summary-digest element is part of the batch's `product`. */
  readonly inProduct: true;
}

/** The verdicts of one batch. */
export interface TxsVerdict {
  /** Per transaction, in order; null when its encoding's layout does not hold. */
  readonly txs: readonly (TxVerdict | null)[];
  /**
   * The product mod P of the MuHash3072 elements (set_digest.ts `muHashElement` of the
   * summary entry) of every transaction with a non-null verdict.
   */
  readonly product: bigint;
  /** Milliseconds the workers spent on the batch, summed (for benchmarks). */
  readonly workerMs: number;
  /** Milliseconds the calling thread spent checking chunks of it (`help`; for benchmarks). */
  readonly localMs: number;
}

/** Options of {@linkcode openVerifier}. */
export interface VerifierOptions {
  /** Worker threads for big batches; 0 checks everything on the calling thread. */
  readonly workers: number;
  /** The backend; default: {@linkcode selectVerifyBackend}'s choice. */
  readonly backend?: VerifyBackend;
  /** Reports a worker failure (the batch is then checked on the calling thread). */
  readonly onWorkerError?: (error: unknown) => void;
}

/**
 * Chooses the backend (unless given) and makes a verifier with `workers` workers, which start
 * on the first batch that goes to them.
 *
 * @example
 * ```ts
 * import { openVerifier } from "./verifier.ts";
 * const verifier = await openVerifier({ workers: 0 });
 * console.log(`signatures are verified with ${verifier.backend}`);
 * verifier.close();
 * ```
 */
export async function openVerifier(opts: VerifierOptions): Promise<Verifier> {
  if (!Number.isInteger(opts.workers) || opts.workers < 0) {
    throw new RangeError(`"verify workers" expected a non-negative integer, got ${opts.workers}`);
  }
  const backend = opts.backend ?? await selectVerifyBackend();
  return new PooledVerifier(backend, opts.workers, opts.onWorkerError);
}

/**
 * Free chunks a helping caller leaves to the workers: the next one is about to be theirs, and
 * taking it too left them idle (one A/B run of the pipelined ingest at 100k: 13,357 tx/s
 * leaving one, 12,062 taking all, 12,323 leaving two).
 */
const LEAVE_TO_WORKERS = 1;

/** A batch in the workers' hands, split into chunks that a helping caller may claim. */
interface Job {
  readonly chunks: readonly (readonly TxToCheck[])[];
  /** Per chunk: 0 free, 1 a worker's, 2 the caller's (SharedArrayBuffer; batch_checks.ts). */
  readonly claim: Int32Array;
  readonly results: (Omit<TxsReply, "kind" | "id" | "backend"> | undefined)[];
  left: number;
  localMs: number;
  finish(chunk: number, r: Omit<TxsReply, "kind" | "id" | "backend">): void;
  /** Ends the job with an error (the batch then goes back to the caller's own checks). */
  fail(error: unknown): void;
}

class PooledVerifier implements Verifier {
  readonly backend: VerifyBackendName;
  readonly backendDetail: string;
  readonly verifySignature: VerifyFn;
  #pool: VerifyPool | null;
  readonly #onWorkerError?: (error: unknown) => void;
  /** Batches sent to the workers and not yet answered, oldest first. */
  readonly #jobs: Job[] = [];

  constructor(backend: VerifyBackend, workers: number, onWorkerError?: (e: unknown) => void) {
    this.backend = backend.name;
    this.backendDetail = backend.detail;
    this.verifySignature = backend.verify;
    this.#pool = workers > 0 ? new VerifyPool(workers, backend.name) : null;
    this.#onWorkerError = onWorkerError;
  }

  async warm(): Promise<void> {
    try {
      await this.#pool?.warm();
    } catch (e) {
      if (this.#pool !== null) this.#onWorkerError?.(e);
    }
  }

  async verifyTxs(txs: readonly TxToCheck[], hint?: BatchHint): Promise<TxsVerdict | null> {
    const pool = this.#pool;
    if (pool === null || txs.length === 0) return null;
    if (hint?.requested !== true && txs.length < POOL_MIN_TXS) return null;
    const chunks: TxToCheck[][] = [];
    for (let i = 0; i < txs.length; i += VERIFY_CHUNK) chunks.push(txs.slice(i, i + VERIFY_CHUNK));
    let done!: () => void;
    let failed!: (e: unknown) => void;
    const finished = new Promise<void>((resolve, reject) => [done, failed] = [resolve, reject]);
    const job: Job = {
      chunks,
      claim: new Int32Array(new SharedArrayBuffer(4 * chunks.length)),
      results: [],
      left: chunks.length,
      localMs: 0,
      finish(chunk, r) {
        job.results[chunk] = r;
        if (--job.left === 0) done();
      },
      fail(e) {
        job.left = -1; // no longer helped
        failed(e);
      },
    };
    this.#jobs.push(job);
    try {
      const replies = pool.verifyChunks(chunks, job.claim).map((p, i) =>
        p.then((r) => {
          if (r !== null) job.finish(i, r);
        })
      );
      // A worker failure rejects its chunk; otherwise every chunk finishes, by a worker or
      // by `help`.
      await Promise.race([finished, Promise.all(replies).then(() => finished)]);
      const out: (TxVerdict | null)[] = [];
      const products: bigint[] = [];
      let workerMs = 0;
      for (const [i, r] of job.results.entries()) {
        if (r === undefined) throw new Error(`chunk ${i} of a batch was never checked`);
        products.push(r.product);
        if (job.claim[i] === 1) workerMs += r.elapsedMs;
        for (let k = 0; k < r.malformed.length; k++) {
          if (r.malformed[k] === 1) {
            out.push(null);
            continue;
          }
          const signatures: boolean[] = [];
          const ownerHashes: Uint8Array[] = [];
          for (let j = r.firstInput[k]; j < r.firstInput[k + 1]; j++) {
            signatures.push(r.results[j] === 1);
            ownerHashes.push(r.ownerHashes.subarray(20 * j, 20 * j + 20));
          }
          out.push({
            message: r.messages.subarray(32 * k, 32 * k + 32),
            signatures,
            ownerHashes,
            inProduct: true,
          });
        }
      }
      if (out.length !== txs.length) throw new Error("verify workers answered a different batch");
      return { txs: out, product: muHashProduct(products), workerMs, localMs: job.localMs };
    } catch (e) {
      if (this.#pool !== null) this.#onWorkerError?.(e);
      return null;
    } finally {
      this.#jobs.splice(this.#jobs.indexOf(job), 1);
    }
  }

  help(): void {
    while (this.helpOne());
  }

  helpOne(): boolean {
    // The oldest batch only: taking chunks of the next ones too (rather than wait while the
    // workers finish this one) left the workers idle and the caller overloaded (one A/B run,
    // distinct keys, 100k: 10,900-11,300 tx/s against 12,200-12,800).
    const job = this.#jobs.find((j) => j.left > 0);
    if (job === undefined) return false;
    let free = 0;
    for (let i = 0; i < job.chunks.length; i++) if (Atomics.load(job.claim, i) === 0) free++;
    return free > LEAVE_TO_WORKERS && this.#takeLast(job);
  }

  /** Checks the last free chunk of `job` on this thread; false when none was free. */
  #takeLast(job: Job): boolean {
    for (let i = job.chunks.length - 1; i >= 0; i--) {
      // Taken already (by a worker, or by this thread): look further down (with one worker,
      // everything below a chunk it took is its own; with several, chunks alternate).
      if (Atomics.compareExchange(job.claim, i, 0, 2) !== 0) continue;
      const t0 = performance.now();
      let r;
      try {
        r = checkTxs(packTxs(job.chunks[i]), this.verifySignature);
      } catch (e) {
        // The worker will skip this chunk, so the batch cannot finish: fail it instead of
        // leaving it waiting (verifyTxs then answers null and the commit checks it all).
        job.fail(e);
        return false;
      }
      job.localMs += performance.now() - t0;
      job.finish(i, r);
      return true;
    }
    return false;
  }

  close(): void {
    this.#pool?.close();
    this.#pool = null;
  }
}
