/**
 * What the ledger reports: one result type per offer, and one event stream that carries every
 * outcome of every commit (ARCHITECTURE.md "Events"), delivered after the commit to listeners
 * subscribed after construction (as btcd's `BlockChain.Subscribe`).
 * @module
 */
import type { RuleCode } from "../core/errors.ts";
import type { TxStatus } from "../core/state.ts";
import type { EncodedTx, Tx } from "../core/tx.ts";
import type { Confirmation } from "../core/confirmation.ts";

/** What happened to an offered transaction. `txid` is lowercase hex ("" when undecodable). */
export type AddResult =
  | { readonly kind: "accepted"; readonly txid: string }
  | { readonly kind: "duplicate"; readonly txid: string }
  | { readonly kind: "orphan"; readonly txid: string; readonly missing: readonly string[] }
  | {
    readonly kind: "rejected";
    readonly txid: string;
    readonly code: RuleCode;
    readonly message: string;
  };

/**
 * What happened to an offered confirmation (ids are lowercase hex; "" when undecodable).
 * `stored`: new and stored; `known`: already stored or already waiting; `waiting`: its
 * transaction or a ref is not stored yet, so it waits, bounded, and `missing` names what to
 * request (docs/PROTOCOL.md §6); `invalid`: undecodable or not enough work.
 */
export type ConfResult =
  | {
    readonly kind: "stored";
    readonly id: string;
    readonly txid: string;
    readonly bits: number;
    /** The stored confirmation, for relay. */
    readonly conf: Confirmation;
  }
  | { readonly kind: "known"; readonly id: string }
  | { readonly kind: "waiting"; readonly id: string; readonly missing: readonly string[] }
  | {
    readonly kind: "invalid";
    readonly id: string;
    readonly code: RuleCode;
    readonly message: string;
  };

/** A status change of a stored transaction. */
export interface StatusChange {
  readonly txid: string;
  /** null for a transaction stored by this commit. */
  readonly from: TxStatus | null;
  readonly to: TxStatus;
  /** The transaction, for a new one (`from` null), so listeners need not read it back. */
  readonly tx?: Tx;
  /**
   * For a new transaction: per input, the address hash (HASH160) of the output it spends,
   * which the ownership rule made equal to HASH160 of the input's key (PROTOCOL.md §7.2), so
   * a listener can tell whose coins it spent without hashing.
   */
  readonly spent?: readonly Uint8Array[];
}

/**
 * The outcome of one transaction, offered or adopted. `adopted` is true for an orphan that
 * the arrival of its parent let in (or sent back to the pool): nobody offered it in this
 * commit, yet it is new to the ledger like any other. An accepted one carries its encoding.
 */
export type TxEvent =
  | (Exclude<AddResult, { kind: "accepted" }> & { readonly adopted: boolean })
  | {
    readonly kind: "accepted";
    readonly txid: string;
    readonly entry: EncodedTx;
    readonly adopted: boolean;
  };

/**
 * One outcome of a commit, in the order it happened: a transaction's (`TxEvent`), a
 * confirmation's (`ConfResult`), or a status change (`kind: "status"`). A parent's
 * `accepted` comes before the events of the orphans it lets in.
 */
export type LedgerEvent = TxEvent | ConfResult | ({ readonly kind: "status" } & StatusChange);

/** A listener of the ledger's event stream: the events of one commit, after it. */
export type LedgerListener = (events: readonly LedgerEvent[]) => void;

/** True for the outcome of a transaction (offered or adopted). */
export function isTxEvent(e: LedgerEvent): e is TxEvent {
  return e.kind === "accepted" || e.kind === "duplicate" || e.kind === "orphan" ||
    e.kind === "rejected";
}

/** True for the outcome of a confirmation. */
export function isConfEvent(e: LedgerEvent): e is ConfResult {
  return e.kind === "stored" || e.kind === "known" || e.kind === "waiting" ||
    e.kind === "invalid";
}
