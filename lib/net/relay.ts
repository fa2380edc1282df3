/**
 * What happens after received data is stored: every outcome is counted, new transactions and
 * better confirmations are relayed (unless a sync session asked for them), and the parents
 * of orphans are asked for. Adopted orphans are new transactions like any other.
 * @module
 */
import { fromHex } from "../core/hash.ts";
import type { Confirmation } from "../core/confirmation.ts";
import type { EncodedTx, Tx } from "../core/tx.ts";
import { type ConfResult, isConfEvent, isTxEvent, type LedgerEvent } from "../ledger/events.ts";
import { packConfs, packTxs } from "../wire/mod.ts";
import { bump } from "./counters.ts";
import type { NetContext } from "./context.ts";
import type { NetGuard } from "./guard.ts";
import type { Received } from "./ingest.ts";
import type { SyncDriver } from "./sync_driver.ts";
import { type Addr, addrKey } from "./transport.ts";

/** Counts, relays and follows up the outcomes of stored transactions and confirmations. */
export class Relay {
  readonly #ctx: NetContext;
  readonly #sync: SyncDriver;
  readonly #onConfirmation?: (txid: Uint8Array, bits: number) => void;
  readonly #guard?: NetGuard;

  constructor(
    ctx: NetContext,
    sync: SyncDriver,
    onConfirmation?: (txid: Uint8Array, bits: number) => void,
    guard?: NetGuard,
  ) {
    this.#ctx = ctx;
    this.#sync = sync;
    this.#onConfirmation = onConfirmation;
    this.#guard = guard;
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
    // Confirmations that waited for these transactions and are now stored: new items.
    const confs = events.filter(isConfEvent);
    if (confs.length > 0) await this.#afterConfs(confs, undefined);
    for (const e of events) {
      if (!isTxEvent(e)) continue;
      const addr = e.adopted ? undefined : batch[item++]?.addr;
      switch (e.kind) {
        case "accepted":
          c.txAccepted++;
          if (!this.#sync.wants(e.txid)) relay.push(e.entry);
          break;
        case "duplicate":
          c.txDuplicate++;
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
      c.relayed += relay.length;
      this.#sendTxs(relay);
    }
    this.#sync.pump();
  }

  /**
   * Stores received confirmations, counts them, relays the new ones, and asks the sender for
   * what a waiting one lacks (its transaction or refs), as for an orphan's parents.
   */
  async onConfs(confs: readonly Confirmation[], addr?: Addr): Promise<void> {
    this.#ctx.counters.confReceived += confs.length;
    const source = addr ? addrKey(addr) : undefined;
    const events = this.#ctx.ledger.storeConfirmations(confs, source).filter(isConfEvent);
    await this.#afterConfs(events, addr);
    this.#sync.pump();
  }

  async #afterConfs(events: readonly ConfResult[], addr: Addr | undefined): Promise<void> {
    const c = this.#ctx.counters;
    const relay: Confirmation[] = [];
    const missing = new Set<string>();
    const now = this.#ctx.clock();
    let waiting = 0, repeats = 0;
    for (const r of events) {
      if (r.kind === "stored") {
        c.confImproved++;
        if (!this.#sync.wants(r.id)) relay.push(r.conf);
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
    // Confirmations that must wait cost their sender little to make and fill a pool (§10.9);
    // a sync reply's are expected, not scored.
    if (addr && waiting > 0) this.#guard?.report(addr, "unknown-confirmation", waiting);
    if (addr && repeats > 0) this.#guard?.report(addr, "repeat", repeats);
    const want = [...missing].filter((id) => !this.#ctx.ledger.hasTx(id)).map(fromHex);
    if (want.length > 0) await this.#sync.wantParents(want, addr);
    if (relay.length > 0) {
      c.relayed += relay.length;
      this.announceConfirmations(relay);
    }
  }

  /** Sends transactions of ours, or relayed ones, to the LAN and the static peers. */
  #sendTxs(txs: readonly (Tx | Uint8Array | EncodedTx)[]): void {
    const ctx = this.#ctx;
    for (const d of packTxs(ctx.ledger.network, ctx.nodeId, txs)) ctx.transport.sendAll(d);
  }

  /** Announces a transaction of ours. */
  announceTx(tx: Tx | Uint8Array | EncodedTx): void {
    this.#sendTxs([tx]);
  }

  /** Sends confirmations to the LAN and the static peers. */
  announceConfirmations(confs: readonly Confirmation[]): void {
    const ctx = this.#ctx;
    for (const d of packConfs(ctx.ledger.network, ctx.nodeId, confs)) ctx.transport.sendAll(d);
  }
}
