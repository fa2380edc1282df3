/**
 * Dispatch of received datagrams: rate limit, decode (docs/PROTOCOL.md §9.2 check order),
 * drop our own, note the peer, and route each message to its part, answering requests
 * (sync-req, get-inv, get-data) at once.
 * @module
 */
import { bytesEqual, toHex } from "../core/hash.ts";
import type { Confirmation } from "../core/confirmation.ts";
import { INPUT_BYTES, OUTPUT_BYTES, TX_FIXED_BYTES } from "../core/tx.ts";
import {
  DatagramError,
  decodeDatagram,
  HEADER_BYTES,
  INV_PAGE_ENTRIES,
  type Message,
  packConfs,
  packTxs,
  WireError,
} from "../wire/mod.ts";
import { type NetContext, sendTo } from "./context.ts";
import { bump } from "./counters.ts";
import type { NetGuard } from "./guard.ts";
import { looksSealed } from "./membership.ts";
import type { TxIngest } from "./ingest.ts";
import type { PeerTable } from "./peers.ts";
import type { RateLimiter } from "./rate_limit.ts";
import type { Relay } from "./relay.ts";
import type { Summaries } from "./summaries.ts";
import type { SyncDriver } from "./sync_driver.ts";
import { type Addr, addrKey } from "./transport.ts";

/** The smallest `tx` datagram: header, count, and the smallest valid transaction (§4). */
const MIN_TX_DATAGRAM_BYTES = HEADER_BYTES + 1 + TX_FIXED_BYTES + INPUT_BYTES + OUTPUT_BYTES;

/** The parts a datagram may be routed to. */
export interface DispatchParts {
  readonly limiter: RateLimiter;
  readonly peers: PeerTable;
  readonly ingest: TxIngest;
  readonly relay: Relay;
  readonly sync: SyncDriver;
  readonly summaries: Summaries;
  readonly guard: NetGuard;
}

/** Routes received datagrams. */
export class Dispatcher {
  readonly #ctx: NetContext;
  readonly #p: DispatchParts;

  constructor(ctx: NetContext, parts: DispatchParts) {
    this.#ctx = ctx;
    this.#p = parts;
  }

  /**
   * Handles one datagram. Bad input is counted and dropped, never thrown. The promise it
   * returns is for the receive loop to wait on when storage is backed up. `onLan`: it came
   * to the broadcast socket, so the LAN heard it too; only such copies count for relay and
   * summary suppression (a static peer's unicast copy or a reply reached us alone).
   */
  handle(data: Uint8Array, addr: Addr, onLan = true): Promise<void> | void {
    const ctx = this.#ctx;
    const c = ctx.counters;
    c.datagramsIn++;
    c.bytesIn += data.length;
    if (!this.#p.limiter.allow(addrKey(addr), ctx.clock())) {
      c.rateLimited++;
      return;
    }
    // A banned source is dropped before decoding; others earn reply credit (§10.8, §10.9).
    if (!this.#p.guard.admit(addr, data.length)) return;
    if (ctx.membership) {
      const opened = ctx.membership.open(data, ctx.clock());
      if (typeof opened === "string") {
        c.authFailed++;
        return;
      }
      data = opened;
    } else if (looksSealed(data)) {
      c.authFailed++;
      return;
    }
    let d;
    try {
      d = decodeDatagram(data, ctx.ledger.network);
    } catch (e) {
      if (e instanceof DatagramError && e.reason === "network") c.otherNetwork++;
      else if (e instanceof DatagramError) bump(c.malformed, e.reason);
      else if (e instanceof WireError) bump(c.malformed, "decode");
      else throw e;
      return;
    }
    if (bytesEqual(d.sender, ctx.nodeId)) {
      c.ownIgnored++;
      return;
    }
    const m = d.message;
    this.#p.peers.touch(
      toHex(d.sender),
      addr,
      ctx.clock(),
      m.type === "summary" ? m.count : null,
      ctx.transport.isStatic(addr),
    );
    // A static peer's unicast to our shared port comes to the broadcast socket too.
    return this.#dispatch(m, addr, onLan && !ctx.transport.isStatic(addr));
  }

  #dispatch(m: Message, addr: Addr, onLan: boolean): Promise<void> | void {
    // Transactions wait briefly to be stored together (see TxIngest.queue). Confirmations and
    // summaries are about them, so they are applied once the transactions received before
    // them are stored, but the receive loop goes on meanwhile: requests and inventories
    // need not wait for the ledger to catch up. (Waiting here for storage stalled a sync at
    // one inventory page per storage round, and at one batch per round when every reply
    // ended with its confirmations.)
    switch (m.type) {
      case "tx":
        if (onLan) this.#p.relay.heardTxs(m.txs); // copies count on arrival (suppression)
        return this.#p.ingest.queue(m.txs, addr);
      case "conf":
        if (onLan) this.#p.relay.heardConfs(m.confs);
        return this.#p.ingest.whenStored(() => this.#p.relay.onConfs(m.confs, addr));
      case "summary":
        // A cookie now, so that a peer that answers ranks as verified in the sync queue.
        if (!this.#p.guard.isVerified(addr)) void this.#p.guard.challenge(addr);
        return this.#p.ingest.whenStored(() =>
          this.#p.summaries.onSummary(m.count, m.digest, addr, false, onLan)
        );
      case "sync-req":
        return this.#p.summaries.reply(addr);
      case "get-inv":
        return this.#onGetInv(m.after, m.limit, addr);
      case "inv":
        // The answer to our cookie challenge verifies its sender; it is not a sync page.
        if (!this.#p.guard.isVerified(addr) && this.#p.guard.isCookieEcho(m.after, addr)) return;
        return this.#p.sync.onInv(m.after, m.entries, m.more, addr);
      case "get-data":
        return this.#onGetData(m.txids, addr);
    }
  }

  /**
   * Answers an inventory request with one page in storage order. To a source that has not
   * answered a cookie, a cookie challenge goes first and the page is cut to what the reply
   * budget leaves (§10.8); with no room for one entry, nothing is sent.
   */
  async #onGetInv(after: Uint8Array, limit: number, addr: Addr): Promise<void> {
    const g = this.#p.guard;
    if (!g.isVerified(addr)) await g.challenge(addr);
    const n = Math.min(limit, INV_PAGE_ENTRIES, g.invEntriesAllowed(addr));
    if (n < 1) {
      this.#ctx.counters.replyRefused++;
      return;
    }
    const entries = this.#ctx.ledger.inventory(after, n);
    await sendTo(this.#ctx, { type: "inv", after, more: entries.length === n, entries }, addr);
  }

  /**
   * Answers a data request with the transactions, then the confirmations, we hold of those
   * ids, within the reply budget of an unverified source (a cookie challenge first).
   */
  async #onGetData(ids: readonly Uint8Array[], addr: Addr): Promise<void> {
    const ctx = this.#ctx;
    const g = this.#p.guard;
    if (!g.isVerified(addr)) {
      await g.challenge(addr);
      // No credit for even the smallest answer: not a single lookup (a reflection attempt).
      if (g.budget.allowance(addrKey(addr), ctx.clock()) < MIN_TX_DATAGRAM_BYTES) {
        ctx.counters.replyRefused++;
        return;
      }
    }
    const raws: Uint8Array[] = [];
    const confs: Confirmation[] = [];
    for (const id of ids) {
      const item = ctx.ledger.getItem(id);
      if (item?.kind === "tx") raws.push(item.raw);
      else if (item?.kind === "conf") confs.push(item.conf);
    }
    const network = ctx.ledger.network;
    for (const d of packTxs(network, ctx.nodeId, raws)) await ctx.sendBounded(d, addr);
    for (const d of packConfs(network, ctx.nodeId, confs)) await ctx.sendBounded(d, addr);
  }
}
