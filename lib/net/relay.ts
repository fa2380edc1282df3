/**
 * What happens after received data is stored: every outcome is counted, new transactions and
 * better confirmations are relayed (unless a sync session asked for them), and the parents
 * of orphans are asked for. Adopted orphans are new transactions like any other.
 *
 * Relaying is suppressed on the LAN (lib/net/suppression.ts): on a large LAN only some nodes
 * are candidates for each item, and a candidate rebroadcasts it after a random short delay
 * only if fewer than RELAY_K copies of it were heard meanwhile.
 * Static (`--peer`) peers get every relayed item at once, unsuppressed. Which confirmations
 * go out at all (ours and relayed) is decided by lib/net/conf_policy.ts.
 * @module
 */
import { fromHex, toHex } from "../core/hash.ts";
import { type Confirmation, confirmationWork } from "../core/pow.ts";
import type { EncodedTx, Tx } from "../core/tx.ts";
import { isConfEvent, isTxEvent, type LedgerEvent } from "../ledger/events.ts";
import { packConfs, packTxs } from "../wire/mod.ts";
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
import { ConfPolicy } from "./conf_policy.ts";
import type { RecentLog } from "./recent.ts";

/** A confirmation waiting in the policy (ours) or for relay (received). */
interface PolicyConf {
  readonly conf: Confirmation;
  readonly work: number;
  readonly own: boolean;
}

/** A relay waiting for its delay. */
type PendingRelay =
  | { readonly kind: "tx"; readonly entry: EncodedTx }
  | { readonly kind: "conf"; readonly conf: Confirmation };

/** Counts, relays and follows up the outcomes of stored transactions and confirmations. */
export class Relay {
  readonly #ctx: NetContext;
  readonly #sync: SyncDriver;
  readonly #onConfirmation?: (txid: Uint8Array, work: number) => void;
  readonly #suppressor: Suppressor<PendingRelay>;
  readonly #policy = new ConfPolicy<PolicyConf>();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #timerAt = Infinity;
  readonly #recent: RecentLog | undefined;
  readonly #peerCount: () => number;
  readonly #guard?: NetGuard;

  constructor(
    ctx: NetContext,
    sync: SyncDriver,
    onConfirmation?: (txid: Uint8Array, work: number) => void,
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

  /** Stops the relay timer; what waits is dropped (anti-entropy covers it). */
  stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#suppressor.clear();
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
    for (const e of events) {
      if (!isTxEvent(e)) continue;
      const addr = e.adopted ? undefined : batch[item++]?.addr;
      switch (e.kind) {
        case "accepted":
          c.txAccepted++;
          this.#recent?.add(e.entry.txid, now);
          if (!this.#sync.wants(e.txid)) relay.push(e.entry);
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
      this.#sync.onArrived(e.txid, now, e.kind === "orphan");
    }
    for (const { addr, ids } of missing.values()) {
      const parents = [...ids].filter((p) => !this.#ctx.ledger.hasTx(p)).map(fromHex);
      await this.#sync.wantParents(parents, addr);
    }
    if (relay.length > 0) {
      // Static peers at once; the LAN after the delay, unless enough copies were heard.
      this.#sendTxs(relay, "static");
      // One delay for the batch: parents and the children they let in go out together.
      const due = this.#suppressor.drawDue(now);
      for (const entry of relay) this.#offer(`t${entry.id}`, { kind: "tx", entry }, now, 0, due);
      this.#schedule();
    }
    this.#sync.pump();
  }

  /**
   * Stores received confirmations and counts them; the ones that added work are relayed
   * (suppressed). Their origin applied the confirmation policy before sending.
   */
  onConfs(confs: readonly Confirmation[], from?: Addr): void {
    const c = this.#ctx.counters;
    c.confReceived += confs.length;
    const source = from ? addrKey(from) : undefined;
    const events = this.#ctx.ledger.storeConfirmations(confs, source).filter(isConfEvent);
    const now = this.#ctx.clock();
    let unknown = 0, repeats = 0;
    events.forEach((r, i) => {
      if (r.kind === "improved") {
        c.confImproved++;
        this.#onConfirmation?.(confs[i].txid, r.work);
        // The LAN heard it from its origin: our own miner's next ones compare with it.
        this.#policy.markAnnounced(r.txid, r.work);
        if (!this.#sync.wants(r.txid)) {
          this.#relayConf({ conf: confs[i], work: r.work, own: false }, now);
        }
      } else if (r.kind === "not-better") {
        c.confStale++;
        if (!this.#sync.wants(r.txid)) repeats++;
      } else {
        c.confUnknown++;
        // A sync reply's confirmation whose transaction was lost is expected, not scored.
        if (!this.#sync.wants(r.txid)) unknown++;
      }
      this.#sync.onArrived(r.txid, now);
    });
    // Confirmations of unknown txids cost nothing to make and fill a pool (§10.9).
    if (from && unknown > 0) this.#guard?.report(from, "unknown-confirmation", unknown);
    if (from && repeats > 0) this.#guard?.report(from, "repeat", repeats);
    this.#schedule();
    this.#sync.pump();
  }

  /** A received confirmation the policy lets out: static peers now, the LAN suppressed. */
  #relayConf(p: PolicyConf, now: number): void {
    const ctx = this.#ctx;
    for (const d of packConfs(ctx.ledger.network, ctx.nodeId, [p.conf])) {
      ctx.transport.sendStatic(d);
    }
    this.#offer(`c${toHex(p.conf.txid)}`, { kind: "conf", conf: p.conf }, now, p.work);
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

  /** Confirmations heard (on arrival): each counts against a pending relay at no more work. */
  heardConfs(confs: readonly Confirmation[]): void {
    if (this.#suppressor.size === 0) return;
    for (const c of confs) {
      const key = `c${toHex(c.txid)}`;
      if (this.#suppressor.pending(key)) {
        this.#suppressor.heard(key, confirmationWork(c.txid, c.nonce));
      }
    }
  }

  #offer(key: string, item: PendingRelay, now: number, level: number, due?: number): void {
    const expected = item.kind === "tx" ? RELAY_CANDIDATES_TX : RELAY_CANDIDATES_CONF;
    if (
      !this.#suppressor.pending(key) && !relayCandidate(this.#peerCount(), expected, Math.random())
    ) {
      this.#ctx.counters.relaySuppressed++;
      return;
    }
    const early = this.#suppressor.offer(key, item, now, level, due);
    if (early) this.#broadcast([early]);
  }

  /** Arms the timer for the earliest pending relay or held confirmation. */
  #schedule(): void {
    const next = Math.min(
      this.#suppressor.nextDue() ?? Infinity,
      this.#policy.nextDue() ?? Infinity,
    );
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
    for (const p of this.#policy.due(now)) {
      if (p.own) this.#broadcastOwnConfs([p.conf]);
      else this.#relayConf(p, now);
    }
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
   * Announces confirmations of ours (found by our miner) through the confirmation policy:
   * the first for a transaction and any of CONF_STEP_BITS more than the last announced go
   * out at once; smaller improvements are held and the best goes out CONF_HOLD_MS later.
   * `work` is each confirmation's work (leading zero bits); without it, they go out at once.
   */
  announceConfirmations(confs: readonly Confirmation[], work?: readonly number[]): void {
    if (work === undefined) return this.#broadcastOwnConfs(confs);
    const now = this.#ctx.clock();
    const out = confs.filter((conf, i) =>
      this.#policy.offer(toHex(conf.txid), { conf, work: work[i], own: true }, work[i], now)
    );
    this.#ctx.counters.confHeld += confs.length - out.length;
    this.#broadcastOwnConfs(out);
    this.#schedule();
  }

  #broadcastOwnConfs(confs: readonly Confirmation[]): void {
    const ctx = this.#ctx;
    for (const d of packConfs(ctx.ledger.network, ctx.nodeId, confs)) ctx.transport.sendAll(d);
  }
}
