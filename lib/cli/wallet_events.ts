/**
 * Which ledger status changes become messages for the user, and their wording (README
 * "Payment events"). The ledger reports every change; a user wants to hear about money:
 *
 * - a payment to you, when it first appears live (pending) or confirmed;
 * - a payment of yours or to you reaching the confirmation threshold;
 * - a payment that was shown confirmed and then lost a double spend: REVERSED, with the
 *   spend that won and why.
 *
 * A transaction that is conflicted when it arrives, or that loses before it was ever shown
 * confirmed, is not announced (during a sync a transaction often arrives before its
 * confirmation and loses for a moment); `l` and `x` still show it.
 * @module
 */
import type { TxStatus } from "../core/state.ts";
import type { TxEffect } from "./wallet_view.ts";
import { figures, WEIGHT_NAME, weightFigure } from "./output.ts";

/** A message-worthy change of one of the wallet's transactions. */
export interface WalletEvent {
  readonly kind: "received" | "confirmed" | "reversed";
  readonly txid: string;
  readonly effect: TxEffect;
  /** The transaction's own work (reversed events): ⌊log2⌋ of its cumulative weight. */
  readonly work?: number;
  /** The transaction's own cumulative weight in hashes, when known (0: never confirmed). */
  readonly weight?: bigint;
  /** For a reversal: the conflicting spend that won. */
  readonly winner?: { readonly txid: string; readonly work: number; readonly weight?: bigint };
  /** For a reversal by a spend of equal weight: the tie-break that decided (`tieBreakOf`). */
  readonly tieBreak?: string;
  /** For a reversal without a direct winner: the parent that lost its conflict. */
  readonly lostParent?: string;
}

/** Decides, with memory of what was shown, whether a status change is announced. */
export class EventFilter {
  readonly #shown = new Set<string>();
  readonly #shownConfirmed = new Set<string>();

  /** Marks a transaction the user already knows of (one they just sent). */
  markShown(txid: string): void {
    this.#shown.add(txid);
  }

  /** The event kind for a change of a transaction with `effect`, or null for none. */
  decide(
    change: { readonly txid: string; readonly from: TxStatus | null; readonly to: TxStatus },
    effect: TxEffect,
  ): WalletEvent["kind"] | null {
    if (effect.direction === "other" || change.from === change.to) return null;
    const id = change.txid;
    switch (change.to) {
      case "confirmed":
        this.#shown.add(id);
        this.#shownConfirmed.add(id);
        return "confirmed";
      case "pending":
        if (effect.direction !== "received" || this.#shown.has(id)) return null;
        this.#shown.add(id);
        return "received";
      case "conflicted":
        if (change.from !== "confirmed" && !this.#shownConfirmed.has(id)) return null;
        this.#shownConfirmed.delete(id);
        return "reversed";
      default:
        return null;
    }
  }
}

function what(e: TxEffect): string {
  const more = e.payees > 1 ? ` and ${e.payees - 1} more` : "";
  switch (e.direction) {
    case "received":
      return `Payment of ${e.amount} from ${e.counterparty}`;
    case "sent":
      return `Your payment of ${e.amount} to ${e.counterparty}${more}`;
    default:
      return `Your payment of ${e.amount} to yourself`;
  }
}

/**
 * The one line shown for an event.
 *
 * @example
 * ```ts
 * import { eventText } from "./wallet_events.ts";
 * const effect = { direction: "received", amount: 500n, counterparty: "Cabc", payees: 0 } as const;
 * const line = eventText({
 *   kind: "reversed", txid: "aa".repeat(32), effect, work: 21,
 *   winner: { txid: "bb".repeat(32), work: 24 },
 * });
 * if (line !== `Payment of 500 from Cabc REVERSED: a conflicting spend ${"bb".repeat(32)} won (weight 2^24 against 2^21)`) {
 *   throw new Error(line);
 * }
 * ```
 */
export function eventText(e: WalletEvent): string {
  const id = e.txid.slice(0, 16);
  switch (e.kind) {
    case "received":
      return `Payment received: +${e.effect.amount} from ${e.effect.counterparty} in ${id} ` +
        `(pending)`;
    case "confirmed":
      return `${what(e.effect)} confirmed (${id})`;
    case "reversed": {
      const own = weightFigure(e.work ?? 0, e.weight);
      const equal = e.winner?.weight !== undefined && e.winner.weight === e.weight;
      const why = e.winner
        ? `a conflicting spend ${e.winner.txid} won (${
          equal
            ? `equal ${WEIGHT_NAME} (${own}) on both sides; ${
              e.tieBreak ?? "the smaller best hash, the lower height or the lower txid"
            } decided`
            : e.winner.work === (e.work ?? 0) && e.weight !== 0n &&
                (e.weight === undefined || e.winner.weight === undefined)
            ? `weight 2^${e.work} on both sides; the exact weight or the smaller best hash decided`
            : `${WEIGHT_NAME} ${figures(e.winner, { work: e.work ?? 0, weight: e.weight })}`
        })`
        : e.lostParent
        ? `it spends ${e.lostParent}, which lost a double spend`
        : `it lost a double spend (${own})`;
      return `${what(e.effect)} REVERSED: ${why}`;
    }
  }
}
