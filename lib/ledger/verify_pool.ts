/**
 * Workers that verify signatures off the ledger's thread, so a sync batch's signature checks
 * (the dominant cost of ingest) overlap with storing the previous batch. Used by the
 * `Verifier` (verifier.ts), which decides when a batch is worth a worker; the answers only
 * feed the ledger's normal rule checks, and each worker runs the backend the node chose.
 * @module
 */
import type { VerifyBackendName } from "../verify/backend.ts";
import { packTxs, type TxsReply, type TxsRequest } from "./batch_checks.ts";

/** Below this many transactions per worker, a batch is not split further. */
const MIN_PER_WORKER = 16;

/** A fixed set of verification workers, started on first use. `close()` ends them. */
export class VerifyPool {
  readonly size: number;
  /** The backend the workers load (they fall back to node:crypto if it cannot load). */
  readonly backend: VerifyBackendName;
  #reported: VerifyBackendName | null = null;
  #workers: Worker[] = [];
  #pending = new Map<
    number,
    { resolve: (r: TxsReply) => void; reject: (e: unknown) => void }
  >();
  #nextId = 1;
  #closed = false;

  constructor(size: number, backend: VerifyBackendName = "node:crypto") {
    if (!Number.isInteger(size) || size < 1) {
      throw new RangeError(`"verify workers" expected a positive integer, got ${size}`);
    }
    this.size = size;
    this.backend = backend;
  }

  #start(): void {
    for (let i = this.#workers.length; i < this.size; i++) {
      const w = new Worker(new URL("./verify_worker.ts", import.meta.url), { type: "module" });
      w.onmessage = (e: MessageEvent<TxsReply>) => {
        this.#reported = e.data.backend;
        const p = this.#pending.get(e.data.id);
        this.#pending.delete(e.data.id);
        p?.resolve(e.data);
      };
      w.onerror = (e: ErrorEvent) => {
        e.preventDefault();
        this.#failAll(e.error ?? new Error(e.message));
      };
      this.#workers.push(w);
    }
  }

  /** The backend the workers said they used in their last reply (null before any reply). */
  get reportedBackend(): VerifyBackendName | null {
    return this.#reported;
  }

  #failAll(err: unknown): void {
    for (const p of this.#pending.values()) p.reject(err);
    this.#pending.clear();
  }

  /** Sends `req` to worker `w` and resolves with its reply. */
  #send(w: number, req: TxsRequest, transfer: ArrayBuffer[]): Promise<TxsReply> {
    return new Promise<TxsReply>((resolve, reject) => {
      this.#pending.set(req.id, { resolve, reject });
      this.#workers[w % this.#workers.length].postMessage(req, transfer);
    });
  }

  /** How many parts a batch of `n` items is split into, one per worker. */
  #parts(n: number): number {
    return Math.max(1, Math.min(this.size, Math.floor(n / MIN_PER_WORKER)));
  }

  /**
   * Checks whole transactions (encodings with their txids; see batch_checks.ts): one reply
   * per part, in order, each covering a consecutive run of `txs`.
   */
  async verifyTxs(
    txs: readonly { readonly raw: Uint8Array; readonly txid: Uint8Array }[],
  ): Promise<TxsReply[]> {
    if (this.#closed) throw new Error("The verification pool is closed");
    if (txs.length === 0) return [];
    this.#start();
    const per = Math.ceil(txs.length / this.#parts(txs.length));
    const jobs: Promise<TxsReply>[] = [];
    for (let p = 0; p * per < txs.length; p++) {
      jobs.push(this.#request(p, txs.slice(p * per, (p + 1) * per)));
    }
    return await Promise.all(jobs);
  }

  /**
   * Sends each chunk as its own request carrying the shared `claim` words (one per chunk, see
   * `TxsRequest.claim`), round robin over the workers, which take them in order. Each promise
   * resolves with the chunk's reply, or null when the sender claimed the chunk first.
   */
  verifyChunks(
    chunks: readonly (readonly { readonly raw: Uint8Array; readonly txid: Uint8Array }[])[],
    claim: Int32Array,
  ): Promise<TxsReply | null>[] {
    if (this.#closed) throw new Error("The verification pool is closed");
    this.#start();
    return chunks.map((c, slot) =>
      this.#request(slot, c, claim, slot).then((r) => r.skipped === true ? null : r)
    );
  }

  #request(
    w: number,
    txs: readonly { readonly raw: Uint8Array; readonly txid: Uint8Array }[],
    claim?: Int32Array,
    slot?: number,
  ): Promise<TxsReply> {
    const packed = packTxs(txs);
    const req: TxsRequest = {
      kind: "txs",
      id: this.#nextId++,
      backend: this.backend,
      ...packed,
      claim,
      slot,
    };
    return this.#send(w, req, [
      packed.raws.buffer as ArrayBuffer,
      packed.lengths.buffer as ArrayBuffer,
      packed.txids.buffer as ArrayBuffer,
    ]);
  }

  /**
   * Starts the workers now and has each load its backend (an empty batch), so that the first
   * real batch does not wait for that (about 110 ms here). Resolves when they are ready.
   */
  async warm(): Promise<void> {
    if (this.#closed) throw new Error("The verification pool is closed");
    this.#start();
    const empty = () => ({
      kind: "txs" as const,
      id: this.#nextId++,
      backend: this.backend,
      n: 0,
      raws: new Uint8Array(0),
      lengths: new Uint32Array(0),
      txids: new Uint8Array(0),
    });
    await Promise.all(this.#workers.map((_, w) => this.#send(w, empty(), [])));
  }

  /** Terminates the workers; verifications still pending reject. */
  close(): void {
    this.#closed = true;
    for (const w of this.#workers) w.terminate();
    this.#workers = [];
    this.#failAll(new Error("The verification pool was closed"));
  }
}
