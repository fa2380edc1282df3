/**
 * Dispatch of received datagrams: rate limit, decode (docs/PROTOCOL.md §9.2 check order),
 * drop our own, note the peer, and route each message to its part, answering requests
 * (sync-req, get-inv, get-data) at once.
 * @module
 */
import { bytesEqual, toHex } from "../core/hash.ts";
import type { Confirmation } from "../core/pow.ts";
import {
  DatagramError,
  decodeDatagram,
  MAX_INV_ENTRIES,
  type Message,
  packConfs,
  packTxs,
  WireError,
} from "../wire/mod.ts";
import { type NetContext, sendTo } from "./context.ts";
import { bump } from "./counters.ts";
import type { TxIngest } from "./ingest.ts";
import type { PeerTable } from "./peers.ts";
import type { RateLimiter } from "./rate_limit.ts";
import type { Relay } from "./relay.ts";
import type { Summaries } from "./summaries.ts";
import type { SyncDriver } from "./sync_driver.ts";
import { type Addr, addrKey } from "./transport.ts";

/** The parts a datagram may be routed to. */
export interface DispatchParts {
  readonly limiter: RateLimiter;
  readonly peers: PeerTable;
  readonly ingest: TxIngest;
  readonly relay: Relay;
  readonly sync: SyncDriver;
  readonly summaries: Summaries;
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
   * returns is for the receive loop to wait on when storage is backed up.
   */
  handle(data: Uint8Array, addr: Addr): Promise<void> | void {
    const ctx = this.#ctx;
    const c = ctx.counters;
    c.datagramsIn++;
    c.bytesIn += data.length;
    if (!this.#p.limiter.allow(addrKey(addr), ctx.clock())) {
      c.rateLimited++;
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
    return this.#dispatch(m, addr);
  }

  #dispatch(m: Message, addr: Addr): Promise<void> | void {
    // Transactions wait briefly to be stored together (see TxIngest.queue). Confirmations and
    // summaries are about them, so they are applied once the transactions received before
    // them are stored, but the receive loop goes on meanwhile: requests and inventories
    // need not wait for the ledger to catch up. (Waiting here for storage stalled a sync at
    // one inventory page per storage round, and at one batch per round when every reply
    // ended with its confirmations.)
    switch (m.type) {
      case "tx":
        this.#p.relay.heardTxs(m.txs); // copies count on arrival (relay suppression)
        return this.#p.ingest.queue(m.txs, addr);
      case "conf":
        this.#p.relay.heardConfs(m.confs);
        return this.#p.ingest.whenStored(() => this.#p.relay.onConfs(m.confs));
      case "summary":
        return this.#p.ingest.whenStored(() =>
          this.#p.summaries.onSummary(m.count, m.digest, addr)
        );
      case "sync-req":
        return this.#p.summaries.reply(addr);
      case "get-inv":
        return this.#onGetInv(m.after, m.limit, addr);
      case "inv":
        return this.#p.sync.onInv(m.after, m.entries, m.more, addr);
      case "get-data":
        return this.#onGetData(m.txids, addr);
    }
  }

  /** Answers an inventory request with one page in storage order. */
  async #onGetInv(after: Uint8Array, limit: number, addr: Addr): Promise<void> {
    const n = Math.min(limit, MAX_INV_ENTRIES);
    const entries = this.#ctx.ledger.inventory(after, n);
    await sendTo(this.#ctx, { type: "inv", after, more: entries.length === n, entries }, addr);
  }

  /** Answers a data request with the transactions we hold, then their confirmations. */
  async #onGetData(txids: readonly Uint8Array[], addr: Addr): Promise<void> {
    const ctx = this.#ctx;
    const raws: Uint8Array[] = [];
    const confs: Confirmation[] = [];
    for (const id of txids) {
      const rec = ctx.ledger.getRaw(id);
      if (!rec) continue;
      raws.push(rec.raw);
      if (rec.nonce !== null) confs.push({ txid: id, nonce: rec.nonce });
    }
    const network = ctx.ledger.network;
    for (const d of packTxs(network, ctx.nodeId, raws)) await ctx.transport.send(d, addr);
    for (const d of packConfs(network, ctx.nodeId, confs)) await ctx.transport.send(d, addr);
  }
}
