/**
 * Batching and deferral of received data: transactions wait briefly to be stored together,
 * batches are stored in arrival order with a bounded number in flight, and confirmations and
 * summaries wait for the transactions received before them (docs/PROTOCOL.md §10).
 * @module
 */
import type { EncodedTx } from "../core/tx.ts";
import type { LedgerEvent } from "../ledger/events.ts";
import type { NetContext } from "./context.ts";
import type { NetGuard } from "./guard.ts";
import { SYNC_BATCH } from "./sync.ts";
import { type Addr, addrKey } from "./transport.ts";

/**
 * Received transactions are handed to the ledger once this many wait, or at the next turn
 * of the event loop (see `queue`): one sync batch, so that with a verify pool one batch
 * is verified while the one before it is stored.
 */
export const FLUSH_TXS = SYNC_BATCH;
/**
 * Batches of received transactions being verified or stored at once. When this many are in
 * flight the receive loop waits for the oldest, so queued transactions stay bounded
 * (MAX_BATCHES_IN_FLIGHT × (FLUSH_TXS + one datagram's)), while replies to a sync's other
 * requests (inventory pages, the next batch) still get read as storage runs.
 */
export const MAX_BATCHES_IN_FLIGHT = 3;
/**
 * Confirmation and summary datagrams waiting for the transactions received before them to
 * be stored. With this many waiting, the receive loop waits too.
 */
export const MAX_DEFERRED = 64;

/** A received transaction and the address it came from. */
export interface Received {
  readonly entry: EncodedTx;
  readonly addr: Addr;
}

/** What the ingest asks of the rest of the node. */
export interface IngestHooks {
  /** True when a sync session asked for `txid` (hex). */
  readonly solicited: (txid: string) => boolean;
  /** Called with each stored batch and every outcome of its commit. */
  readonly onStored: (batch: readonly Received[], events: readonly LedgerEvent[]) => Promise<void>;
  /** The recent-rejects filter: a transaction refused before is dropped here, unverified. */
  readonly rejects?: Pick<NetGuard, "rejects" | "report">;
}

/** The queue of received transactions and the chain of storage work. */
export class TxIngest {
  readonly #ctx: NetContext;
  readonly #hooks: IngestHooks;
  #pending: Received[] = [];
  #flushTimer: ReturnType<typeof setTimeout> | undefined;
  /** The latest batch being stored; batches commit in arrival order. */
  #storing: Promise<void> = Promise.resolve();
  /** Messages waiting for the transactions before them (`whenStored`). */
  #deferred = 0;
  /** Completion of each batch in flight (being verified or stored), oldest first. */
  #flights: Promise<void>[] = [];

  constructor(ctx: NetContext, hooks: IngestHooks) {
    this.#ctx = ctx;
    this.#hooks = hooks;
  }

  /**
   * Queues received transactions and stores them at the next turn of the event loop, or at
   * once when FLUSH_TXS wait: the datagrams of a sync reply that are already queued at the
   * socket then go into the ledger in one database transaction instead of one each. Returns
   * a promise for the receive loop to wait on when MAX_BATCHES_IN_FLIGHT are in flight.
   */
  queue(txs: readonly EncodedTx[], addr: Addr): Promise<void> | void {
    const c = this.#ctx.counters;
    c.txReceived += txs.length;
    if (this.#ctx.stopped()) return; // never reported stored; a peer will offer them again
    const g = this.#hooks.rejects;
    for (const entry of txs) {
      // Refused before: one lookup instead of the checks and up to 50 signature
      // verifications (docs/PROTOCOL.md §10.9).
      if (g?.rejects.has(entry.id)) {
        c.txRecentlyRejected++;
        g.report(addr, "rejected-again");
        continue;
      }
      this.#pending.push({ entry, addr });
    }
    if (this.#pending.length === 0) return;
    if (this.#pending.length >= FLUSH_TXS) void this.#flush();
    else {
      this.#flushTimer ??= setTimeout(() => {
        this.#flushTimer = undefined;
        void this.#flush();
      }, 0);
    }
    if (this.#flights.length >= MAX_BATCHES_IN_FLIGHT) return this.#flights[0];
  }

  /**
   * Runs `fn` once every transaction received so far is stored, in arrival order with the
   * storage batches. Returns a promise for the receive loop to wait on only when
   * MAX_DEFERRED messages already wait, so that deferred work stays bounded.
   */
  whenStored(fn: () => Promise<void> | void): Promise<void> | void {
    if (this.#pending.length > 0) void this.#flush();
    this.#deferred++;
    const run = this.#storing.then(async () => {
      try {
        if (!this.#ctx.stopped()) await fn();
      } finally {
        this.#deferred--;
      }
    });
    this.#storing = run.catch((e) => {
      if (!this.#ctx.stopped()) {
        this.#ctx.log("warn", "handling a message failed", { error: String(e) });
      }
    });
    if (this.#deferred >= MAX_DEFERRED) return this.#storing;
  }

  /**
   * Stores the queued transactions as one batch, after the batch before it. Sync replies may
   * be verified on workers meanwhile (the ledger side of the seam decides).
   */
  #flush(): Promise<void> {
    if (this.#flushTimer !== undefined) clearTimeout(this.#flushTimer);
    this.#flushTimer = undefined;
    const batch = this.#pending;
    if (batch.length === 0 || this.#ctx.stopped()) return this.#storing;
    this.#pending = [];
    // Sync replies count as solicited however they were split into batches (a reply that
    // straddles two turns of the event loop makes a small one): the session asked for their
    // txids, which nobody can forge.
    const solicited = this.#hooks.solicited(batch[0].entry.id);
    const stored = this.#ctx.ledger.storeTxs(batch.map((b) => b.entry), {
      after: this.#storing,
      solicited,
      sources: batch.map((b) => addrKey(b.addr)),
    });
    const done = (async () => {
      try {
        const events = await stored;
        if (!this.#ctx.stopped()) await this.#hooks.onStored(batch, events);
      } finally {
        this.#flights.shift();
      }
    })();
    this.#storing = done.catch((e) => {
      if (!this.#ctx.stopped()) {
        this.#ctx.log("warn", "storing transactions failed", { error: String(e) });
      }
    });
    this.#flights.push(this.#storing);
    return this.#storing;
  }

  /** Drops what was never stored (a peer will offer it again); resolves when storage is idle. */
  async stop(): Promise<void> {
    if (this.#flushTimer !== undefined) clearTimeout(this.#flushTimer);
    this.#pending = [];
    await this.#storing;
  }
}
