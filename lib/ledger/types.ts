/**
 * What the ledger returns: results of offered items, records, coins and status changes.
 * @module
 */
import type { Confirmation } from "../core/confirmation.ts";
import type { TxStatus } from "../core/state.ts";
import type { Tx } from "../core/tx.ts";

/** A stored transaction with its state. */
export interface TxRecord {
  readonly txid: string;
  readonly tx: Tx;
  readonly raw: Uint8Array;
  /** Cumulative weight in hashes: exact while watched, else a lower bound (`weightExact`). */
  readonly weight: bigint;
  readonly weightExact: boolean;
  /** floor(log2 weight): the integer `work` of v1 displays. */
  readonly work: number;
  readonly status: TxStatus;
  readonly seq: number;
}

/** An unspent output of a live transaction. */
export interface Coin {
  readonly txid: string;
  readonly index: number;
  readonly amount: bigint;
  readonly address: string;
  readonly status: TxStatus;
}

/** A mining template (docs/PROTOCOL.md §12): the target tx and the tips to approve. */
export interface MineTemplate {
  readonly txid: Uint8Array;
  readonly refs: readonly Uint8Array[];
  /** The target's current weight. */
  readonly weight: bigint;
}

/** A stored item for sync replies. */
export type StoredItem =
  | { readonly kind: "tx"; readonly raw: Uint8Array }
  | { readonly kind: "conf"; readonly conf: Confirmation };
