/**
 * The seam between the network layer and the ledger: the functions net needs, passed in as
 * fields (as btcd's `mempool.Config`; see also `MinerConfig.pickTarget` and sync's
 * `LocalWork`). Net imports no concrete ledger; `lib/cli/net_ledger.ts` builds this object
 * around the real one (docs/ARCHITECTURE.md "Seams").
 * @module
 */
import type { Confirmation } from "../core/confirmation.ts";
import type { EncodedTx } from "../core/tx.ts";
import type { LedgerEvent } from "../ledger/events.ts";
import type { LocalWork } from "./sync.ts";

/** How a batch of received transactions is to be stored. */
export interface StoreTxsOptions {
  /**
   * Storage waits for this promise, so that batches commit in arrival order; signature checks
   * may start at once and overlap the commit of the batch before.
   */
  readonly after: Promise<unknown>;
  /** True when a sync session asked for these txids (nobody can forge them, see #flushTxs). */
  readonly solicited: boolean;
  /**
   * The source ("host:port") of each transaction, in order, for the orphan pool's per-source
   * quotas (docs/PROTOCOL.md §10.6).
   */
  readonly sources?: readonly string[];
}

/** What net needs from the ledger. */
export interface NetLedger {
  /** The network id every datagram carries (8 bytes). */
  readonly network: Uint8Array;
  /**
   * Stores received transactions in one commit once `opts.after` settles. Resolves with every
   * outcome of that commit in order (the ledger's event stream): one transaction event with
   * `adopted: false` per offered transaction, in the order offered, plus the orphans they let
   * in (`adopted: true`) and the status changes. Rejects with LedgerError when storing fails.
   */
  readonly storeTxs: (
    txs: readonly EncodedTx[],
    opts: StoreTxsOptions,
  ) => Promise<readonly LedgerEvent[]>;
  /**
   * Stores received confirmations in one commit. Returns every outcome of that commit in
   * order: one confirmation event per confirmation offered, in order, plus status changes.
   */
  readonly storeConfirmations: (
    confs: readonly Confirmation[],
    source?: string,
  ) => readonly LedgerEvent[];
  /** Anti-entropy summary of what is stored: count and set digest (docs/PROTOCOL.md §10). */
  readonly summary: () => { readonly count: number; readonly digest: Uint8Array };
  /**
   * Up to `limit` inventory entries stored after the item `after`, in storage order; `work`
   * carries the kind (0 transaction, 1 confirmation, docs/PROTOCOL.md §10.3).
   */
  readonly inventory: (
    after: Uint8Array,
    limit: number,
  ) => readonly { readonly txid: Uint8Array; readonly work: number }[];
  /** A stored item by id: a transaction's encoding, or a confirmation. */
  readonly getItem: (
    id: Uint8Array,
  ) =>
    | { readonly kind: "tx"; readonly raw: Uint8Array }
    | { readonly kind: "conf"; readonly conf: Confirmation }
    | undefined;
  /** True when the item (a txid or confirmation id, lowercase hex) is stored. */
  readonly hasTx: (id: string) => boolean;
  /** The sync session's view of what is held. */
  readonly workOf: LocalWork;
  /** Drops orphans older than their lifetime; `now` in ms since the epoch. */
  readonly expireOrphans: (now: number) => void;
  /**
   * A txid (lowercase hex) was listed in a peer's inventory: orphans waiting for it are likely
   * real and outlive invented ones (docs/PROTOCOL.md §10.6).
   */
  readonly announce?: (txid: string, now: number) => void;
}
