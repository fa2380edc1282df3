/**
 * Workers that check transactions off the ledger's thread: txid, sighash message and every
 * input's signature (the dominant cost of ingest), so that a sync batch is checked while the
 * ledger stores the previous one. Used through `Ledger.prepareTxs` / `Ledger.commitTxs`; the
 * answers only feed the ledger's normal rule checks, and the worker runs the very functions
 * the ledger would.
 * @module
 */
import type { CheckRequest, CheckResponse } from "./verify_worker.ts";

/** What a worker found for one raw transaction that decodes. */
export interface CheckedTx {
  readonly raw: Uint8Array;
  readonly txid: Uint8Array;
  /** The sighash message every input signs. */
  readonly message: Uint8Array;
  /** One entry per input: does its signature verify over `message`? */
  readonly signatures: readonly boolean[];
}

/** Below this many transactions per worker, a batch is not split further. */
const MIN_PER_WORKER = 16;

/** A fixed set of checking workers, started on first use. `close()` ends them. */
export class VerifyPool {
  readonly size: number;
  #workers: Worker[] = [];
  #pending = new Map<
    number,
    { resolve: (r: CheckResponse) => void; reject: (e: unknown) => void }
  >();
  #nextId = 1;
  #closed = false;

  constructor(size: number) {
    if (!Number.isInteger(size) || size < 1) {
      throw new RangeError(`"verify workers" expected a positive integer, got ${size}`);
    }
    this.size = size;
  }

  #start(): void {
    for (let i = this.#workers.length; i < this.size; i++) {
      const w = new Worker(new URL("./verify_worker.ts", import.meta.url), { type: "module" });
      w.onmessage = (e: MessageEvent<CheckResponse>) => {
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

  #failAll(err: unknown): void {
    for (const p of this.#pending.values()) p.reject(err);
    this.#pending.clear();
  }

  /**
   * Checks raw transactions; results are in the same order, null for one that does not
   * decode (the ledger reports it as malformed).
   */
  async checkTxs(raws: readonly Uint8Array[]): Promise<(CheckedTx | null)[]> {
    if (this.#closed) throw new Error("The verification pool is closed");
    if (raws.length === 0) return [];
    this.#start();
    const parts = Math.max(1, Math.min(this.size, Math.floor(raws.length / MIN_PER_WORKER)));
    const per = Math.ceil(raws.length / parts);
    const jobs: Promise<(CheckedTx | null)[]>[] = [];
    for (let p = 0; p * per < raws.length; p++) {
      const slice = raws.slice(p * per, (p + 1) * per);
      jobs.push(this.#send(this.#workers[p % this.#workers.length], slice));
    }
    return (await Promise.all(jobs)).flat();
  }

  async #send(worker: Worker, raws: readonly Uint8Array[]): Promise<(CheckedTx | null)[]> {
    const ends = new Uint32Array(raws.length);
    let total = 0;
    raws.forEach((r, i) => ends[i] = total += r.length);
    const data = new Uint8Array(total);
    raws.forEach((r, i) => data.set(r, ends[i] - r.length));
    const req: CheckRequest = { id: this.#nextId++, data, ends };
    const res = await new Promise<CheckResponse>((resolve, reject) => {
      this.#pending.set(req.id, { resolve, reject });
      worker.postMessage(req, [data.buffer as ArrayBuffer, ends.buffer as ArrayBuffer]);
    });
    let s = 0;
    return raws.map((raw, i): CheckedTx | null => {
      if (res.decoded[i] !== 1) return null;
      const n = res.inputs[i];
      const signatures = Array.from(res.signatures.subarray(s, s += n), (b) => b === 1);
      return {
        raw,
        txid: res.txids.subarray(32 * i, 32 * i + 32),
        message: res.messages.subarray(32 * i, 32 * i + 32),
        signatures,
      };
    });
  }

  /** Terminates the workers; checks still pending reject. */
  close(): void {
    this.#closed = true;
    for (const w of this.#workers) w.terminate();
    this.#workers = [];
    this.#failAll(new Error("The verification pool was closed"));
  }
}
