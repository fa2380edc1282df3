/**
 * The miner pool (docs/PROTOCOL.md §12): Web Workers that add weight to the confirmation DAG.
 * The coordinator asks the ledger for a template through `pickTarget` (the least-weighted
 * live transaction and tips that approve no loser), chooses the bits (about one find per
 * second for the pool), gives every worker a disjoint nonce range of the commitment, verifies
 * what they find and hands it to `onFound`, which stores and broadcasts it. It never stops
 * while running: nothing caps the weight.
 * @module
 */
import {
  canonicalRefs,
  checkConfirmation,
  type Confirmation,
  confirmationCommitment,
} from "../core/confirmation.ts";
import { bytesEqual, toHex } from "../core/hash.ts";
import { leadingZeroBits, MAX_CONF_BITS, MIN_CONF_BITS } from "../core/pow.ts";
import type { FromWorker, ToWorker } from "./worker.ts";

/** A message to a worker without the sequence fields that the pool adds when posting. */
type Unsequenced<M> = M extends unknown ? Omit<M, "seq" | "signal"> : never;

/**
 * Default cap on the bits of one confirmation (`--mine-cap`). It does not cap weight: the pool
 * keeps finding confirmations; it only bounds how long one search may take (2^26 hashes,
 * a couple of seconds for a pool here) so that a fast pool still stores its work in pieces.
 */
export const DEFAULT_MINING_CAP_BITS = 26;
/** The pool aims at one find per this many milliseconds (docs/PROTOCOL.md §12). */
export const TARGET_FIND_MS = 1000;
/** A job on an unchanged target is renewed after this long, to approve newer tips. */
export const JOB_REFRESH_MS = 2000;
/** Default period of the ledger re-check, idle or not. */
export const DEFAULT_IDLE_POLL_MS = 1000;
/** Hashes a worker does between reports (and between looks at its inbox). */
export const CHUNK_HASHES = 1 << 18;
/** Span over which hash rates are averaged. */
export const RATE_WINDOW_MS = 2000;
/** How long stop() waits for a worker to finish its chunk before terminating it anyway. */
export const STOP_TIMEOUT_MS = 2000;

/** A confirmation found by the pool, verified with `checkConfirmation`. */
export interface FoundConfirmation {
  readonly conf: Confirmation;
  /** Its id (pow hash). */
  readonly id: Uint8Array;
}

/** What the pool mines: a target transaction and the tips its confirmation approves. */
export interface MiningTemplate {
  readonly txid: Uint8Array;
  readonly refs: readonly Uint8Array[];
}

/** What the pool needs from the node. */
export interface MinerConfig {
  /** Worker count; 0 turns mining off. */
  readonly workers: number;
  /** Most bits one confirmation claims (`--mine-cap`). */
  readonly capBits: number;
  /** Fewest bits (the network's minimum, MIN_CONF_BITS, by default). */
  readonly minBits?: number;
  /** Ledger query: the mining template, or null when there is nothing to mine. */
  readonly pickTarget: () => MiningTemplate | null;
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
  /** The transaction being mined (lowercase hex), the bits sought and the refs, or null. */
  readonly target:
    | { readonly txid: string; readonly goalBits: number; readonly refs: number }
    | null;
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
  readonly refs: readonly Uint8Array[];
  readonly commitment: Uint8Array;
  readonly goal: number;
  readonly started: number;
}

/**
 * A pool of mining Web Workers. Call {@link MinerPool.start}, then {@link MinerPool.poke}
 * whenever the ledger changes; {@link MinerPool.stop} terminates every worker.
 */
export class MinerPool {
  readonly #config: MinerConfig;
  readonly #pollMs: number;
  readonly #chunk: number;
  readonly #minBits: number;
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

  constructor(config: MinerConfig) {
    if (!Number.isInteger(config.workers) || config.workers < 0) {
      throw new RangeError(`"workers" expected an integer ≥ 0, got ${config.workers}`);
    }
    if (
      !Number.isInteger(config.capBits) || config.capBits < 1 || config.capBits > MAX_CONF_BITS
    ) {
      throw new RangeError(
        `"capBits" expected an integer in 1..${MAX_CONF_BITS}, got ${config.capBits}`,
      );
    }
    this.#minBits = config.minBits ?? MIN_CONF_BITS;
    if (!Number.isInteger(this.#minBits) || this.#minBits < 1 || this.#minBits > MAX_CONF_BITS) {
      throw new RangeError(`"minBits" expected an integer in 1..64, got ${config.minBits}`);
    }
    // A cap below the network's minimum would find confirmations nobody stores.
    this.#config = { ...config, capBits: Math.max(config.capBits, this.#minBits) };
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
      target: job === null
        ? null
        : { txid: toHex(job.txid), goalBits: job.goal, refs: job.refs.length },
      found: this.#found,
      jobs: this.#jobs,
      totalHashes: this.#totalHashes,
    };
  }

  /**
   * Bits for about one find per TARGET_FIND_MS for the whole pool: ⌊log2(rate × period)⌋,
   * within minBits..capBits. Weight per hash is the same for any bits (docs/PROTOCOL.md §6).
   */
  #chooseBits(): number {
    const rate = this.stats().totalHashRate;
    const wanted = rate > 0 ? Math.floor(Math.log2(rate * TARGET_FIND_MS / 1000)) : 0;
    return Math.max(this.#minBits, Math.min(this.#config.capBits, wanted));
  }

  #repick(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (!this.#running) return;
    let t: MiningTemplate | null = null;
    try {
      t = this.#config.pickTarget();
    } catch (err) {
      this.#config.onError?.(err);
    }
    if (t === null) {
      if (this.#job !== null) this.#post(this.#slots, () => ({ type: "idle" }));
      this.#job = null;
    } else {
      const job = this.#job;
      const bits = this.#chooseBits();
      const fresh = job !== null && performance.now() - job.started < JOB_REFRESH_MS;
      if (!fresh || !bytesEqual(job!.txid, t.txid) || job!.goal !== bits) {
        this.#startJob(t.txid.slice(), canonicalRefs(t.refs.map((r) => r.slice())), bits);
      }
    }
    this.#timer = setTimeout(() => this.#repick(), this.#pollMs);
  }

  #startJob(txid: Uint8Array, refs: Uint8Array[], goal: number): void {
    const commitment = confirmationCommitment({ txid, bits: goal, refs });
    const job: Job = {
      id: ++this.#jobs,
      txid,
      refs,
      commitment,
      goal,
      started: performance.now(),
    };
    this.#job = job;
    // Worker i starts at nonce high word base + i and steps by the worker count, so the
    // ranges are disjoint; a random base keeps a restarted job off the nonces just tried.
    const base = crypto.getRandomValues(new Uint32Array(1))[0];
    const stride = this.#slots.length;
    this.#post(this.#slots, (i) => ({
      type: "job",
      id: job.id,
      commitment,
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
    const conf: Confirmation = { txid: job.txid, bits: job.goal, refs: job.refs, nonce };
    let id: Uint8Array;
    try {
      id = checkConfirmation(conf, 1).id;
      if (leadingZeroBits(id) !== msg.work) throw new Error("work differs");
    } catch (e) {
      this.#config.onError?.(
        new Error(`Worker claimed work ${msg.work} for nonce ${nonce}: ${(e as Error).message}`),
      );
      return;
    }
    this.#found++;
    this.#job = null; // the next template approves this find
    try {
      this.#config.onFound({ conf, id });
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
