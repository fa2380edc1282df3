/**
 * What happens after received data is stored: every outcome is counted, new transactions and
 * better confirmations are relayed (unless a sync session asked for them), and the parents
 * of orphans are asked for. Adopted orphans are new transactions like any other.
 * @module
 */
import { fromHex } from "../core/hash.ts";
import type { Confirmation } from "../core/pow.ts";
import type { EncodedTx, Tx } from "../core/tx.ts";
import { isConfEvent, isTxEvent, type LedgerEvent } from "../ledger/events.ts";
import { packConfs, packTxs } from "../wire/mod.ts";
import { bump } from "./counters.ts";
import type { NetContext } from "./context.ts";
import type { Received } from "./ingest.ts";
import type { SyncDriver } from "./sync_driver.ts";
import { type Addr, addrKey } from "./transport.ts";

/** Counts, relays and follows up the outcomes of stored transactions and confirmations. */
export class Relay {
  readonly #ctx: NetContext;
  readonly #sync: SyncDriver;
  readonly #onConfirmation?: (txid: Uint8Array, work: number) => void;

  constructor(
    ctx: NetContext,
    sync: SyncDriver,
    onConfirmation?: (txid: Uint8Array, work: number) => void,
  ) {
    this.#ctx = ctx;
    this.#sync = sync;
    this.#onConfirmation = onConfirmation;
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
          if (!this.#sync.wants(e.txid)) relay.push(e.entry);
          break;
        case "duplicate":
          c.txDuplicate++;
          break;
        case "orphan": {
          c.txOrphan++;
          const k = addr ? addrKey(addr) : "";
          const m = missing.get(k) ?? { addr, ids: new Set<string>() };
          for (const p of e.missing) m.ids.add(p);
          missing.set(k, m);
          break;
        }
        case "rejected":
          bump(c.txRejected, e.code);
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

  /** Stores received confirmations, counts them and relays the ones that added work. */
  onConfs(confs: readonly Confirmation[]): void {
    const c = this.#ctx.counters;
    c.confReceived += confs.length;
    const events = this.#ctx.ledger.storeConfirmations(confs).filter(isConfEvent);
    const relay: Confirmation[] = [];
    const now = this.#ctx.clock();
    events.forEach((r, i) => {
      if (r.kind === "improved") {
        c.confImproved++;
        if (!this.#sync.wants(r.txid)) relay.push(confs[i]);
        this.#onConfirmation?.(confs[i].txid, r.work);
      } else if (r.kind === "not-better") c.confStale++;
      else c.confUnknown++;
      this.#sync.onArrived(r.txid, now);
    });
    if (relay.length > 0) {
      c.relayed += relay.length;
      this.announceConfirmations(relay);
    }
    this.#sync.pump();
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
