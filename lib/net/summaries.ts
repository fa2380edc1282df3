/**
 * Anti-entropy summaries (docs/PROTOCOL.md §10): each node announces the count and set digest
 * of what it holds at random intervals, answers sync requests with it, and syncs with a
 * peer whose summary differs from its own when the difference persists. The announcement is
 * also when the peer table and the orphan pool are tidied.
 *
 * These rules keep this flat as the LAN grows (issue 16):
 * - Suppression: our summary is skipped (on the LAN; static peers still get it) when
 *   RELAY_K peers' summaries that cover ours were heard since our last one: equal to ours, or
 *   counting more items when heard (`summaryCovers`, "no newer than what we heard").
 * - Quiet after a sync: the next summary after a completed sync session that fetched
 *   something from a peer heard on the LAN is skipped there too: we now hold what the peer
 *   announced, and its summary already told the LAN. A
 *   completed session also ends the window in which summaries count as answers to our sync
 *   request (each starting a session at once): on a LAN where nodes start while others pay,
 *   every differing broadcast summary in that window started one.
 * - Persistence: a differing summary does not start a sync at once (while items are in
 *   flight almost every summary differs); lib/net/difference.ts decides when a difference
 *   has persisted long enough. A summary equal to ours forgets the peer's difference.
 * - Recent inventory: that sync first walks the peer's inventory from a transaction we
 *   stored a while ago (lib/net/recent.ts), and only the next one, if the difference is
 *   still there, from the zero txid.
 * @module
 */
import { bytesEqual } from "../core/hash.ts";
import { datagramOf, type NetContext, sendTo } from "./context.ts";
import type { PeerTable } from "./peers.ts";
import type { RecentLog } from "./recent.ts";
import { shouldAnnounceSummary, summaryCovers } from "./suppression.ts";
import type { SyncDriver } from "./sync_driver.ts";
import { type Addr, addrKey } from "./transport.ts";
import { DifferenceTracker } from "./difference.ts";

/** Default interval of anti-entropy summaries. */
export const SUMMARY_INTERVAL_MS = 3000;
/** Peers whose differing summary is remembered at once. */
export const MAX_DIFFERING = 256;

/** Our periodic summary, and the comparison of the peers' summaries with ours. */
export class Summaries {
  readonly #ctx: NetContext;
  readonly #peers: PeerTable;
  readonly #sync: SyncDriver;
  readonly #intervalMs: number;
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** Summaries covering ours (`summaryCovers`) heard since our last announcement. */
  #coversHeard = 0;
  /** A sync session with a peer the LAN hears completed since our last announcement. */
  #synced = false;
  /** Peers whose summaries we heard by broadcast (their address: all sends are unicast-sourced). */
  #lanPeers = new Set<string>();
  readonly #diffs: DifferenceTracker<Addr>;
  #solicitedUntil = 0;
  readonly #recent: RecentLog | undefined;
  /** Peers last synced from a recent anchor, and when: the next sync walks from the start. */
  #triedRecent = new Map<string, number>();

  constructor(
    ctx: NetContext,
    peers: PeerTable,
    sync: SyncDriver,
    intervalMs?: number,
    recent?: RecentLog,
  ) {
    this.#ctx = ctx;
    this.#peers = peers;
    this.#sync = sync;
    this.#intervalMs = intervalMs ?? SUMMARY_INTERVAL_MS;
    this.#diffs = new DifferenceTracker<Addr>(this.#intervalMs);
    this.#recent = recent;
    sync.onCompleted((addr, fetched) => {
      // Quiet only after fetching from a peer the LAN hears. After syncing from a static peer
      // (or one that only answered us), ours is what tells the LAN; after a session that
      // found nothing, the peer was behind us, and ours is what it needs.
      if (fetched > 0 && this.#lanPeers.has(addrKey(addr))) this.#synced = true;
      // Caught up: later summaries no longer answer our request, they go through the rules.
      this.#solicitedUntil = 0;
    });
  }

  /**
   * Queues a sync for a persistent difference: from the recent anchor first, from the start
   * when a recent sync with this peer within the last three intervals did not resolve it.
   */
  #queuePersistent(key: string, addr: Addr, now: number): void {
    const tried = this.#triedRecent.get(key);
    const anchor = this.#recent?.anchor(now);
    if (anchor && (tried === undefined || now - tried > 3 * this.#intervalMs)) {
      if (this.#triedRecent.size >= MAX_DIFFERING) this.#triedRecent.clear();
      this.#triedRecent.set(key, now);
      this.#sync.queue(addr, anchor);
    } else {
      this.#triedRecent.delete(key);
      this.#sync.queue(addr);
    }
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
    const ctx = this.#ctx;
    const now = ctx.clock();
    this.#peers.expire(now);
    ctx.ledger.expireOrphans(now);
    const s = ctx.ledger.summary();
    const d = datagramOf(ctx, { type: "summary", count: s.count, digest: s.digest });
    if (this.#synced) ctx.counters.summariesQuiet++;
    else if (!shouldAnnounceSummary(this.#coversHeard)) ctx.counters.summariesSuppressed++;
    else ctx.transport.sendBroadcast(d);
    ctx.transport.sendStatic(d);
    this.#coversHeard = 0;
    this.#synced = false;
    this.#checkDifferences(now, s);
  }

  /** Queues a sync with each peer whose difference persisted (lib/net/difference.ts). */
  #checkDifferences(now: number, mine: { count: number; digest: Uint8Array }): void {
    for (const addr of this.#diffs.tick(mine, now)) this.#queuePersistent(addrKey(addr), addr, now);
  }

  /** Answers a sync request with our summary. */
  async reply(addr: Addr): Promise<void> {
    const s = this.#ctx.ledger.summary();
    await sendTo(this.#ctx, { type: "summary", count: s.count, digest: s.digest }, addr);
  }

  /**
   * A peer's summary. Equal to ours or counting more items: it counts toward suppressing ours.
   * Equal: the peer's difference is forgotten. Different: remembered (see the module comment), and a sync is
   * queued once the difference is an interval old. A summary that answers our sync request
   * (`solicited`, or within the `expectReplies` window) or comes from a static peer queues a
   * sync at once, as the user or a start asked for one.
   */
  onSummary(count: number, digest: Uint8Array, addr: Addr, solicited = false, onLan = true): void {
    const mine = this.#ctx.ledger.summary();
    const k = addrKey(addr);
    // Only what the LAN heard too can stand in for ours there.
    if (onLan) {
      if (summaryCovers({ count, digest }, mine)) this.#coversHeard++;
      if (this.#lanPeers.size >= MAX_DIFFERING) this.#lanPeers.clear();
      this.#lanPeers.add(k);
    }
    if (count === mine.count && bytesEqual(digest, mine.digest)) {
      this.#diffs.onEqual(k);
      return;
    }
    const now = this.#ctx.clock();
    if (solicited || now < this.#solicitedUntil || this.#ctx.transport.isStatic(addr)) {
      this.#sync.queue(addr);
      return;
    }
    if (this.#diffs.onDiffering(k, addr, { count, digest }, mine, now)) {
      this.#queuePersistent(k, addr, now);
    }
    for (const a of this.#diffs.countCheck(mine, now)) this.#queuePersistent(addrKey(a), a, now);
  }

  /**
   * We broadcast a sync request: the summaries that arrive within `ms` answer it, and a
   * difference they show queues a sync at once.
   */
  expectReplies(ms: number): void {
    this.#solicitedUntil = this.#ctx.clock() + ms;
  }
}
