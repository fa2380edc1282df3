/**
 * Anti-entropy summaries (docs/PROTOCOL.md §10): each node announces the count and set digest
 * of what it holds at random intervals, answers sync requests with it, and queues a sync
 * with any peer whose summary differs from its own. The announcement is also when the peer
 * table and the orphan pool are tidied.
 * @module
 */
import { bytesEqual } from "../core/hash.ts";
import { type NetContext, sendTo, sendToAll } from "./context.ts";
import type { PeerTable } from "./peers.ts";
import type { SyncDriver } from "./sync_driver.ts";
import type { Addr } from "./transport.ts";

/** Default interval of anti-entropy summaries. */
export const SUMMARY_INTERVAL_MS = 3000;

/** Our periodic summary, and the comparison of the peers' summaries with ours. */
export class Summaries {
  readonly #ctx: NetContext;
  readonly #peers: PeerTable;
  readonly #sync: SyncDriver;
  readonly #intervalMs: number;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(ctx: NetContext, peers: PeerTable, sync: SyncDriver, intervalMs?: number) {
    this.#ctx = ctx;
    this.#peers = peers;
    this.#sync = sync;
    this.#intervalMs = intervalMs ?? SUMMARY_INTERVAL_MS;
  }

  /**
   * Summaries go out every interval ± 25%, at random: nodes started together (or healed
   * together) then do not all announce at the same moment, and the first to notice a
   * difference starts syncing sooner.
   */
  start(): void {
    if (this.#ctx.stopped()) return;
    this.#timer = setTimeout(() => {
      this.#announce();
      this.start();
    }, this.#intervalMs * (0.75 + 0.5 * Math.random()));
  }

  /** Stops the timer. */
  stop(): void {
    clearTimeout(this.#timer);
  }

  #announce(): void {
    const now = this.#ctx.clock();
    this.#peers.expire(now);
    this.#ctx.ledger.expireOrphans(now);
    const s = this.#ctx.ledger.summary();
    sendToAll(this.#ctx, { type: "summary", count: s.count, digest: s.digest });
  }

  /** Answers a sync request with our summary. */
  async reply(addr: Addr): Promise<void> {
    const s = this.#ctx.ledger.summary();
    await sendTo(this.#ctx, { type: "summary", count: s.count, digest: s.digest }, addr);
  }

  /** A peer's summary: a sync with it is queued when it differs from ours. */
  onSummary(count: number, digest: Uint8Array, addr: Addr): void {
    const mine = this.#ctx.ledger.summary();
    if (count !== mine.count || !bytesEqual(digest, mine.digest)) this.#sync.queue(addr);
  }
}
