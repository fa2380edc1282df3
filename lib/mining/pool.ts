/**
 * The miner pool (docs/PROTOCOL.md §12): Web Workers that harden the least-confirmed
 * winning transaction. The coordinator asks the ledger for a target through
 * `pickTarget`, gives every worker a disjoint nonce range of the same job, verifies what
 * they find and hands it to `onFound`, which stores and broadcasts it.
 * @module
 */
import { confirmationWork } from "../core/pow.ts";
import { bytesEqual, toHex } from "../core/hash.ts";
import type { FromWorker, ToWorker } from "./worker.ts";

/** A message to a worker without the sequence fields that the pool adds when posting. */
type Unsequenced<M> = M extends unknown ? Omit<M, "seq" | "signal"> : never;

/**
 * Default cap on the work the miners put into one transaction. 24 bits is 16× the 20-bit
 * confirmation threshold (docs/PROTOCOL.md §8), about 2^24 hashes: a second or two for a
 * pool, so every transaction gets well past confirmation, and then a quiet ledger lets the
 * machine rest instead of chasing 2^30+ hashes per transaction forever.
 */
export const DEFAULT_MINING_CAP_BITS = 24;
/** Default period of the ledger re-check, idle or not. */
export const DEFAULT_IDLE_POLL_MS = 1000;
/** Hashes a worker does between reports (and between looks at its inbox). */
export const CHUNK_HASHES = 1 << 18;
/** Span over which hash rates are averaged. */
export const RATE_WINDOW_MS = 2000;
/** How long stop() waits for a worker to finish its chunk before terminating it anyway. */
export const STOP_TIMEOUT_MS = 2000;

/** A confirmation found by the pool, verified with {@link confirmationWork}. */
export interface FoundConfirmation {
  readonly txid: Uint8Array;
  readonly nonce: bigint;
  readonly work: number;
}

/** What the pool needs from the node. */
export interface MinerConfig {
  /** Worker count; 0 turns mining off. */
  readonly workers: number;
  /** Policy cap: no mining on a transaction whose work is already ≥ capBits. */
  readonly capBits: number;
  /** Ledger query: the least-confirmed winning transaction with work < capBits, or null. */
  readonly pickTarget: () => { txid: Uint8Array; work: number } | null;
  /** Store and broadcast a confirmation; called by the coordinator, never by a worker. */
  readonly onFound: (c: FoundConfirmation) => void;
  /** How often to re-check the ledger (default {@link DEFAULT_IDLE_POLL_MS}). */
  readonly idlePollMs?: number;
  /** Hashes per worker chunk (default {@link CHUNK_HASHES}). */
  readonly chunkHashes?: number;
  /** Called on a worker error or a callback that throws; the pool carries on. */
  readonly onError?: (err: unknown) => void;
}

/** A snapshot for the `m` command. */
export interface MinerStats {
  readonly running: boolean;
  readonly workers: number;
  /** Hashes per second of each worker, averaged over {@link RATE_WINDOW_MS}. */
  readonly workerHashRates: readonly number[];
  readonly totalHashRate: number;
  /** The transaction being mined (lowercase hex) and the work sought, or null when idle. */
  readonly target: { readonly txid: string; readonly goalBits: number } | null;
  /** Confirmations found and handed to onFound. */
  readonly found: number;
  /** Jobs started: one per target (or goal) change. */
  readonly jobs: number;
  readonly totalHashes: number;
}

interface Slot {
  readonly worker: Worker;
  hashes: number;
  /** (time, hashes) of recent reports, for the rate. */
  readonly samples: { t: number; hashes: number }[];
}

interface Job {
  readonly id: number;
  readonly txid: Uint8Array;
  readonly goal: number;
}

/** Bound on the txids whose best known work the pool remembers. */
const KNOWN_WORK_MAX = 1024;

/**
 * A pool of mining Web Workers. Call {@link MinerPool.start}, then {@link MinerPool.poke}
 * whenever the ledger changes and {@link MinerPool.noteBetter} for confirmations that
 * arrive from the network; {@link MinerPool.stop} terminates every worker.
 */
export class MinerPool {
  readonly #config: MinerConfig;
  readonly #pollMs: number;
  readonly #chunk: number;
  #slots: Slot[] = [];
  #running = false;
  #job: Job | null = null;
  #jobs = 0;
  #found = 0;
  #totalHashes = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #started = 0;
  /** Sequence number of the last message posted to the workers (see worker.ts). */
  #seq = 0;
  readonly #signal = new Int32Array(new SharedArrayBuffer(4));
  /** Best work seen per txid hex, so a stale ledger answer is not mined again. */
  readonly #known = new Map<string, number>();

  constructor(config: MinerConfig) {
    if (!Number.isInteger(config.workers) || config.workers < 0) {
      throw new RangeError(`"workers" expected an integer ≥ 0, got ${config.workers}`);
    }
    if (!Number.isInteger(config.capBits) || config.capBits < 1 || config.capBits > 256) {
      throw new RangeError(`"capBits" expected an integer in 1..256, got ${config.capBits}`);
    }
    this.#config = config;
    this.#pollMs = config.idlePollMs ?? DEFAULT_IDLE_POLL_MS;
    this.#chunk = config.chunkHashes ?? CHUNK_HASHES;
    if (!(this.#pollMs > 0)) {
      throw new RangeError(`"idlePollMs" expected a positive number, got ${this.#pollMs}`);
    }
    if (!Number.isInteger(this.#chunk) || this.#chunk < 1 || this.#chunk > 2 ** 32) {
      throw new RangeError(`"chunkHashes" expected an integer in 1..2^32, got ${this.#chunk}`);
    }
  }

  /** Starts the workers and the first job. Does nothing when workers is 0 or already running. */
  start(): void {
    if (this.#running || this.#config.workers === 0) return;
    this.#running = true;
    this.#started = performance.now();
    for (let i = 0; i < this.#config.workers; i++) {
      const worker = new Worker(new URL("./worker.ts", import.meta.url), { type: "module" });
      const slot: Slot = { worker, hashes: 0, samples: [] };
      worker.onmessage = (e: MessageEvent<FromWorker>) => this.#onMessage(slot, e.data);
      worker.onerror = (e: ErrorEvent) => {
        e.preventDefault();
        this.#config.onError?.(e.error ?? new Error(e.message));
      };
      this.#slots.push(slot);
    }
    this.#repick();
  }

  /**
   * Stops the poll timer and every worker; no worker remains when this resolves.
   * A worker finishes its current chunk (tens of milliseconds), answers and closes itself;
   * `terminate()` then follows, also for one that has not answered in
   * {@link STOP_TIMEOUT_MS}. (Deno's `terminate()` does not interrupt running code, so the
   * worker is asked first.)
   */
  async stop(): Promise<void> {
    this.#running = false;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#job = null;
    const slots = this.#slots;
    this.#slots = [];
    const done = slots.map((s) =>
      new Promise<void>((resolve) => {
        const finish = () => {
          clearTimeout(timer);
          s.worker.terminate();
          resolve();
        };
        const timer = setTimeout(finish, STOP_TIMEOUT_MS);
        s.worker.onmessage = (e: MessageEvent<FromWorker>) => {
          if (e.data.type === "stopped") finish();
        };
      })
    );
    this.#post(slots, () => ({ type: "stop" }));
    await Promise.all(done);
  }

  /** The ledger changed: pick the target again now. */
  poke(): void {
    if (this.#running) this.#repick();
  }

  /**
   * A confirmation with `work` for `txid` arrived from the network. If it meets the current
   * goal, the current search is pointless: abandon it and pick again.
   */
  noteBetter(txid: Uint8Array, work: number): void {
    this.#remember(toHex(txid), work);
    const job = this.#job;
    if (this.#running && job !== null && work >= job.goal && bytesEqual(txid, job.txid)) {
      this.#repick();
    }
  }

  /** Hash rates, target and counters. */
  stats(): MinerStats {
    const now = performance.now();
    const span = Math.max(1, Math.min(RATE_WINDOW_MS, now - this.#started));
    const rates = this.#slots.map((s) => {
      trim(s, now);
      return (s.samples.reduce((n, x) => n + x.hashes, 0) * 1000) / span;
    });
    const job = this.#job;
    return {
      running: this.#running,
      workers: this.#slots.length,
      workerHashRates: rates,
      totalHashRate: rates.reduce((a, b) => a + b, 0),
      target: job === null ? null : { txid: toHex(job.txid), goalBits: job.goal },
      found: this.#found,
      jobs: this.#jobs,
      totalHashes: this.#totalHashes,
    };
  }

  #remember(hex: string, work: number): void {
    if ((this.#known.get(hex) ?? -1) >= work) return;
    if (this.#known.size >= KNOWN_WORK_MAX) this.#known.clear();
    this.#known.set(hex, work);
  }

  #repick(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (!this.#running) return;
    let target: { txid: Uint8Array; work: number } | null = null;
    try {
      target = this.#config.pickTarget();
    } catch (err) {
      this.#config.onError?.(err);
    }
    const goal = target === null
      ? Infinity
      : Math.max(target.work, this.#known.get(toHex(target.txid)) ?? 0) + 1;
    // The cap is policy: a transaction at or above it is left alone (docs/PROTOCOL.md §12).
    if (target === null || goal > this.#config.capBits) {
      if (this.#job !== null) this.#post(this.#slots, () => ({ type: "idle" }));
      this.#job = null;
    } else if (
      this.#job === null || this.#job.goal !== goal || !bytesEqual(this.#job.txid, target.txid)
    ) {
      this.#startJob(target.txid.slice(), goal);
    }
    this.#timer = setTimeout(() => this.#repick(), this.#pollMs);
  }

  #startJob(txid: Uint8Array, goal: number): void {
    const job: Job = { id: ++this.#jobs, txid, goal };
    this.#job = job;
    // Worker i starts at nonce high word base + i and steps by the worker count, so the
    // ranges are disjoint; a random base keeps a restarted job off the nonces just tried.
    const base = crypto.getRandomValues(new Uint32Array(1))[0];
    const stride = this.#slots.length;
    this.#post(this.#slots, (i) => ({
      type: "job",
      id: job.id,
      txid,
      nonceHi: (base + i) >>> 0,
      stride,
      goal,
      chunk: this.#chunk,
    }));
  }

  /** Posts one message to each worker, then raises the shared sequence number. */
  #post(slots: readonly Slot[], make: (i: number) => Unsequenced<ToWorker>): void {
    const seq = ++this.#seq;
    slots.forEach((s, i) => {
      const msg: ToWorker = { ...make(i), seq, signal: this.#signal } as ToWorker;
      s.worker.postMessage(msg);
    });
    Atomics.store(this.#signal, 0, seq);
  }

  #onMessage(slot: Slot, msg: FromWorker): void {
    if (!this.#running || msg.type === "stopped") return;
    const now = performance.now();
    slot.hashes += msg.hashes;
    this.#totalHashes += msg.hashes;
    slot.samples.push({ t: now, hashes: msg.hashes });
    trim(slot, now);
    const job = this.#job;
    if (msg.type !== "found" || job === null || msg.id !== job.id) return;
    const nonce = (BigInt(msg.nonceHi) << 32n) | BigInt(msg.nonceLo);
    // Never trust a worker's claim: one reference hash per find is cheap.
    const work = confirmationWork(job.txid, nonce);
    if (work !== msg.work || work < job.goal) {
      this.#config.onError?.(
        new Error(`Worker claimed work ${msg.work} for nonce ${nonce}, but it has ${work}`),
      );
      return;
    }
    this.#found++;
    this.#remember(toHex(job.txid), work);
    try {
      this.#config.onFound({ txid: job.txid.slice(), nonce, work });
    } catch (err) {
      this.#config.onError?.(err);
    }
    this.#repick();
  }
}

function trim(slot: Slot, now: number): void {
  const s = slot.samples;
  let drop = 0;
  while (drop < s.length && now - s[drop].t > RATE_WINDOW_MS) drop++;
  if (drop > 0) s.splice(0, drop);
}
