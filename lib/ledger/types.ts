/**
 * What the ledger returns: results of offered items, records, coins and status changes.
 * @module
 */
import type { Confirmation } from "../core/confirmation.ts";
import type { RuleError } from "../core/errors.ts";
import type { TxStatus } from "../core/state.ts";
import type { Tx } from "../core/tx.ts";

/** What happened to an offered transaction. */
export type AddResult =
  | { readonly kind: "accepted"; readonly txid: string }
  | { readonly kind: "duplicate"; readonly txid: string }
  | { readonly kind: "orphan"; readonly txid: string; readonly missing: readonly string[] }
  | {
    readonly kind: "rejected";
    readonly txid: string;
    readonly code: RuleError["code"] | "malformed";
    readonly message: string;
  };

/**
 * What happened to an offered confirmation (ids are lowercase hex). `waiting`: its transaction
 * or a ref is not stored yet; it waits, bounded, and `missing` names what to request.
 */
export type ConfResult =
  | { readonly kind: "stored"; readonly id: string; readonly txid: string; readonly bits: number }
  | { readonly kind: "duplicate"; readonly id: string }
  | { readonly kind: "waiting"; readonly id: string; readonly missing: readonly string[] }
  | {
    readonly kind: "rejected";
    readonly id: string;
    readonly code: RuleError["code"] | "malformed";
    readonly message: string;
  };

/** A status change, reported to `onStatusChange` after its commit. */
export interface StatusChange {
  readonly txid: string;
  readonly from: TxStatus | null;
  readonly to: TxStatus;
  /** The transaction, for a new one (`from` null), so listeners need not read it back. */
  readonly tx?: Tx;
}

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
