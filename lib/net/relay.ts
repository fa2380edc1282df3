/**
 * What happens after received data is stored: every outcome is counted, new transactions and
 * better confirmations are relayed (unless a sync session asked for them), and the parents
 * of orphans are asked for. Adopted orphans are new transactions like any other.
 *
 * Relaying is suppressed on the LAN (lib/net/suppression.ts): on a large LAN only some nodes
 * are candidates for each item, and a candidate rebroadcasts it after a random short delay
 * only if fewer than RELAY_K copies of it were heard meanwhile.
 * Static (`--peer`) peers get every relayed item at once, unsuppressed, and what arrives from
 * a static peer is new to this LAN: this node is always a candidate to rebroadcast it.
 * Items that arrived together (one stored batch, one confirmation datagram) share one
 * candidate draw and one delay, so their rebroadcast is one datagram, not one per item.
 *
 * Our own transactions go out at once. Our own confirmations are never held back or merged
 * away (each version 2 confirmation carries weight of its own), but a miner finding several
 * a second sends them in fewer datagrams: the first at once, those found in the next
 * OWN_CONF_BATCH_MS together at its end (docs/PROTOCOL.md §10.2).
 * @module
 */
import { fromHex, toHex } from "../core/hash.ts";
import { type Confirmation, confirmationId } from "../core/confirmation.ts";
import type { EncodedTx, Tx } from "../core/tx.ts";
import { type ConfResult, isConfEvent, isTxEvent, type LedgerEvent } from "../ledger/events.ts";
import { ITEM_KIND_TX, packConfs, packTxs } from "../wire/mod.ts";
import { bump } from "./counters.ts";
import type { NetContext } from "./context.ts";
import type { NetGuard } from "./guard.ts";
import type { Received } from "./ingest.ts";
import type { SyncDriver } from "./sync_driver.ts";
import { type Addr, addrKey } from "./transport.ts";
import {
  RELAY_CANDIDATES_CONF,
  RELAY_CANDIDATES_TX,
  RELAY_K,
  RELAY_K_TX,
  relayCandidate,
  relayWindowMs,
  Suppressor,
} from "./suppression.ts";
import type { RecentLog } from "./recent.ts";

/**
 * After one of our confirmations goes out, those our miner finds within this many ms wait
 * and go out together at its end: at most 1000 / OWN_CONF_BATCH_MS + 1 datagrams a second
 * whatever the pool's find rate (with `--mine-cap 20` a core finds about ten a second here).
 */
export const OWN_CONF_BATCH_MS = 250;

/** A relay waiting for its delay. */
type PendingRelay =
  | { readonly kind: "tx"; readonly entry: EncodedTx }
  | { readonly kind: "conf"; readonly conf: Confirmation };

/** An item offered for a rebroadcast under its suppression key. */
interface Offer {
  readonly key: string;
  readonly item: PendingRelay;
}

/** Counts, relays and follows up the outcomes of stored transactions and confirmations. */
export class Relay {
  readonly #ctx: NetContext;
  readonly #sync: SyncDriver;
  readonly #onConfirmation?: (txid: Uint8Array, bits: number) => void;
  readonly #suppressor: Suppressor<PendingRelay>;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #timerAt = Infinity;
  readonly #recent: RecentLog | undefined;
  readonly #peerCount: () => number;
  readonly #guard?: NetGuard;
  /** Our confirmations waiting for the end of the batch window, oldest first. */
  #ownConfs: Confirmation[] = [];
  /** End of the batch window (a timer), or undefined when the next one goes out at once. */
  #ownTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    ctx: NetContext,
    sync: SyncDriver,
    onConfirmation?: (txid: Uint8Array, bits: number) => void,
    guard?: NetGuard,
    recent?: RecentLog,
    peerCount?: () => number,
  ) {
    this.#ctx = ctx;
    this.#sync = sync;
    this.#onConfirmation = onConfirmation;
    this.#guard = guard;
    this.#peerCount = peerCount ?? (() => 0);
    this.#suppressor = new Suppressor<PendingRelay>({
      maxDelayMs: () => relayWindowMs(this.#peerCount()),
      kFor: (item) => item.kind === "tx" ? RELAY_K_TX : RELAY_K,
    });
    this.#recent = recent;
  }

  /**
   * Stops the relay timers; relays waiting are dropped (anti-entropy covers them), our own
   * confirmations waiting for their batch go out now.
   */
  stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#suppressor.clear();
    clearTimeout(this.#ownTimer);
    this.#ownTimer = undefined;
    this.#flushOwnConfs();
  }

  /**
   * Handles the outcomes of one stored batch: `events` holds one transaction event with
   * `adopted: false` per item of `batch`, in order, plus adopted orphans and status changes.
   */
  async onTxsStored(batch: readonly Received[], events: readonly LedgerEvent[]): Promise<void> {
    const c = this.#ctx.counters;
    const relay: EncodedTx[] = [];
    const now = this.#ctx.clock();
    const missing = new Map<string, { addr: Addr | undefined; ids: Set<string> }>();
    let item = 0;
    let fromStatic = false;
    for (const e of events) {
      if (!isTxEvent(e)) continue;
      const addr = e.adopted ? undefined : batch[item++]?.addr;
      switch (e.kind) {
        case "accepted":
          c.txAccepted++;
          this.#recent?.add(e.entry.txid, now);
          if (!this.#sync.wants(e.txid)) {
            relay.push(e.entry);
            if (addr && this.#ctx.transport.isStatic(addr)) fromStatic = true;
          }
          break;
        case "duplicate":
          c.txDuplicate++; // counted as a copy on arrival (heardTxs)
          if (addr && !e.adopted && !this.#sync.wants(e.txid)) this.#guard?.report(addr, "repeat");
          break;
        case "orphan": {
          c.txOrphan++;
          // An orphan nobody asked for counts a little against its sender: orphans that
          // never connect are the cheapest way to fill a pool (docs/PROTOCOL.md §10.9).
          if (addr && !e.adopted && !this.#sync.wants(e.txid)) this.#guard?.report(addr, "orphan");
          const k = addr ? addrKey(addr) : "";
          const m = missing.get(k) ?? { addr, ids: new Set<string>() };
          for (const p of e.missing) m.ids.add(p);
          missing.set(k, m);
          break;
        }
        case "rejected":
          bump(c.txRejected, e.code);
          // Refusals are final but for the clock's (recent_rejects.ts): remembered, and the
          // sender scored, unless the refusal was only `future-timestamp`.
          if (this.#guard && e.txid !== "" && this.#guard.rejects.add(e.txid, e.code) && addr) {
            this.#guard.report(addr, "rejected");
          }
          this.#ctx.log("debug", "rejected tx", {
            txid: e.txid,
            code: e.code,
            from: addr ? addrKey(addr) : "adopted",
          });
          break;
      }
      // A transaction just stored holds its inventory kind (ITEM_KIND_TX, what `workOf` would
      // answer) without a ledger lookup.
      this.#sync.onArrived(
        e.txid,
        now,
        e.kind === "orphan",
        e.kind === "accepted" ? ITEM_KIND_TX : undefined,
      );
    }
    for (const { addr, ids } of missing.values()) {
      const parents = [...ids].filter((p) => !this.#ctx.ledger.hasTx(p)).map(fromHex);
      await this.#sync.wantParents(parents, addr);
    }
    if (relay.length > 0) {
      // Static peers at once; the LAN after the delay, unless enough copies were heard.
      this.#sendTxs(relay, "static");
      // One draw and one delay for the batch: parents and the children they let in go out
      // together, in one datagram.
      const items = relay.map((entry): Offer => ({
        key: `t${entry.id}`,
        item: { kind: "tx", entry },
      }));
      this.#offerBatch(items, now, fromStatic);
      this.#schedule();
    }
    this.#sync.pump();
  }

  /**
   * Stores received confirmations, counts them, relays the new ones (suppressed), and asks
   * the sender for what a waiting one lacks (its transaction or refs), as for an orphan's
   * parents.
   */
  async onConfs(confs: readonly Confirmation[], addr?: Addr): Promise<void> {
    this.#ctx.counters.confReceived += confs.length;
    const source = addr ? addrKey(addr) : undefined;
    const events = this.#ctx.ledger.storeConfirmations(confs, source).filter(isConfEvent);
    await this.#afterConfs(events, addr);
    this.#schedule();
    this.#sync.pump();
  }

  async #afterConfs(events: readonly ConfResult[], addr: Addr | undefined): Promise<void> {
    const c = this.#ctx.counters;
    const missing = new Set<string>();
    const now = this.#ctx.clock();
    let waiting = 0, repeats = 0;
    const relay: Offer[] = [];
    for (const r of events) {
      if (r.kind === "stored") {
        c.confImproved++;
        if (!this.#sync.wants(r.id)) {
          relay.push({ key: `c${r.id}`, item: { kind: "conf", conf: r.conf } });
        }
        this.#onConfirmation?.(r.conf.txid, r.bits);
      } else if (r.kind === "known") {
        c.confStale++;
        if (!this.#sync.wants(r.id)) repeats++;
      } else if (r.kind === "waiting") {
        c.confUnknown++;
        for (const m of r.missing) missing.add(m);
        if (!this.#sync.wants(r.id)) waiting++;
      } else bump(c.malformed, "conf-invalid");
      this.#sync.onArrived(r.id, now, r.kind === "waiting");
    }
    if (relay.length > 0) this.#relayConfs(relay, now, addr);
    // Confirmations that must wait cost their sender little to make and fill a pool (§10.9);
    // a sync reply's are expected, not scored.
    if (addr && waiting > 0) this.#guard?.report(addr, "unknown-confirmation", waiting);
    if (addr && repeats > 0) this.#guard?.report(addr, "repeat", repeats);
    const want = [...missing].filter((id) => !this.#ctx.ledger.hasTx(id)).map(fromHex);
    if (want.length > 0) await this.#sync.wantParents(want, addr);
  }

  /** New confirmations from elsewhere: static peers now, the LAN suppressed (one draw). */
  #relayConfs(items: readonly Offer[], now: number, addr?: Addr) {
    const ctx = this.#ctx;
    const confs = items.flatMap((i) => i.item.kind === "conf" ? [i.item.conf] : []);
    for (const d of packConfs(ctx.ledger.network, ctx.nodeId, confs)) ctx.transport.sendStatic(d);
    this.#offerBatch(items, now, addr !== undefined && ctx.transport.isStatic(addr));
  }

  /**
   * Transactions heard (called on arrival, before they are stored: on a busy node storage
   * takes long, and a copy counts only if it is heard before the delay ends). Each counts as
   * a copy against a pending relay of the same txid.
   */
  heardTxs(txs: readonly EncodedTx[]): void {
    if (this.#suppressor.size === 0) return;
    for (const t of txs) this.#suppressor.heard(`t${t.id}`);
  }

  /** Confirmations heard (on arrival): each counts against a pending relay of the same id. */
  heardConfs(confs: readonly Confirmation[]): void {
    if (this.#suppressor.size === 0) return;
    for (const c of confs) this.#suppressor.heard(`c${toHex(confirmationId(c))}`);
  }

  /**
   * Offers items that arrived together for a rebroadcast: one candidate draw (always a
   * candidate when they came from a static peer: nobody else on this LAN has them) and one
   * delay for all of them, so a rebroadcast is one datagram.
   */
  #offerBatch(
    items: readonly Offer[],
    now: number,
    fromStatic: boolean,
  ) {
    if (items.length === 0) return;
    const expected = items[0].item.kind === "tx" ? RELAY_CANDIDATES_TX : RELAY_CANDIDATES_CONF;
    const candidate = fromStatic || relayCandidate(this.#peerCount(), expected, Math.random());
    const due = this.#suppressor.drawDue(now);
    const early: PendingRelay[] = [];
    for (const { key, item } of items) {
      if (!candidate && !this.#suppressor.pending(key)) {
        this.#ctx.counters.relaySuppressed++;
        continue;
      }
      const e = this.#suppressor.offer(key, item, now, 0, due);
      if (e) early.push(e);
    }
    this.#broadcast(early);
  }

  /** Arms the timer for the earliest pending relay or held confirmation. */
  #schedule(): void {
    const next = this.#suppressor.nextDue() ?? Infinity;
    if (!Number.isFinite(next) || this.#ctx.stopped()) return;
    if (this.#timer !== undefined && this.#timerAt <= next) return;
    clearTimeout(this.#timer);
    this.#timerAt = next;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#timerAt = Infinity;
      this.#fire();
    }, Math.max(0, next - this.#ctx.clock()));
  }

  #fire(): void {
    if (this.#ctx.stopped()) return;
    const now = this.#ctx.clock();
    const { send, suppressed } = this.#suppressor.due(now);
    this.#ctx.counters.relaySuppressed += suppressed.length;
    this.#broadcast(send);
    this.#schedule();
  }

  /** Rebroadcasts relays whose delay ended with fewer than k copies heard. */
  #broadcast(items: readonly PendingRelay[]): void {
    if (items.length === 0) return;
    const ctx = this.#ctx;
    ctx.counters.relayed += items.length;
    const txs: EncodedTx[] = [], confs: Confirmation[] = [];
    for (const it of items) it.kind === "tx" ? txs.push(it.entry) : confs.push(it.conf);
    const net = ctx.ledger.network;
    for (const d of packTxs(net, ctx.nodeId, txs)) ctx.transport.sendBroadcast(d);
    for (const d of packConfs(net, ctx.nodeId, confs)) ctx.transport.sendBroadcast(d);
  }

  /** Sends transactions to the LAN and the static peers, or to the static peers only. */
  #sendTxs(txs: readonly (Tx | Uint8Array | EncodedTx)[], to: "all" | "static" = "all"): void {
    const ctx = this.#ctx;
    for (const d of packTxs(ctx.ledger.network, ctx.nodeId, txs)) {
      if (to === "all") ctx.transport.sendAll(d);
      else ctx.transport.sendStatic(d);
    }
  }

  /** Announces a transaction of ours. */
  announceTx(tx: Tx | Uint8Array | EncodedTx): void {
    this.#sendTxs([tx]);
  }

  /**
   * Announces confirmations of ours (found by our miner) to the LAN and the static peers: at
   * once when none went out in the last OWN_CONF_BATCH_MS, else together with the others
   * found meanwhile at the end of that window.
   */
  announceConfirmations(confs: readonly Confirmation[]): void {
    this.#ownConfs.push(...confs);
    if (this.#ownTimer !== undefined || this.#ctx.stopped()) return;
    this.#flushOwnConfs();
    this.#armOwnTimer();
  }

  #armOwnTimer(): void {
    this.#ownTimer = setTimeout(() => {
      this.#ownTimer = undefined;
      if (this.#ownConfs.length === 0 || this.#ctx.stopped()) return;
      this.#flushOwnConfs();
      this.#armOwnTimer(); // a window after each datagram
    }, OWN_CONF_BATCH_MS);
  }

  #flushOwnConfs(): void {
    const confs = this.#ownConfs;
    if (confs.length === 0) return;
    this.#ownConfs = [];
    const ctx = this.#ctx;
    for (const d of packConfs(ctx.ledger.network, ctx.nodeId, confs)) ctx.transport.sendAll(d);
  }
}
