/**
 * The sentences the API and the conflict inspector show: why a contested outpoint went to its
 * winner, and why a transaction has its status. Pure functions of what the adapter read.
 * @module
 */
import type { SpenderJson, TxStatusJson } from "./node_view.ts";

function short(txid: string): string {
  return txid.slice(0, 16);
}

/**
 * Why `spenders[0]` (the rule's winner; the list is in the rule's order) beat the others:
 * more weight; equal weight and the tie-break, described by `tieBreak`; or less weight, when
 * the heavier spend depends on a loser. Throws RangeError for fewer than two spenders.
 *
 * @example
 * ```ts
 * import { explainConflict } from "./explain.ts";
 * const s = (txid: string, work: number, winner: boolean) =>
 *   ({ txid, work, weight: String(2n ** BigInt(work)), status: "pending" as const, timestamp: 0, winner });
 * const text = explainConflict([s("aa", 22, true), s("bb", 20, false)], "the lower txid");
 * if (!text.includes("more weight")) throw new Error(text);
 * ```
 */
export function explainConflict(spenders: readonly SpenderJson[], tieBreak: string): string {
  if (spenders.length < 2) {
    throw new RangeError(`A conflict needs 2 spenders, got ${spenders.length}`);
  }
  const [w, r] = spenders;
  const ww = BigInt(w.weight), rw = BigInt(r.weight);
  const others = spenders.length > 2 ? ` (and ${spenders.length - 2} more spenders)` : "";
  if (ww > rw) {
    return `${short(w.txid)} wins because it has more weight: ${w.weight} (work ${w.work} bits) ` +
      `against ${r.weight} (work ${r.work} bits) for ${short(r.txid)}${others}.`;
  }
  if (ww < rw) {
    // The heavier spend lost through a parent: a transaction is live only if its parents are.
    return `${short(w.txid)} wins although ${short(r.txid)} has more weight (${r.weight} ` +
      `against ${w.weight}): ${short(r.txid)} depends on a transaction that lost a conflict, ` +
      `so it cannot claim the coin${others}.`;
  }
  return `${short(w.txid)} and ${short(r.txid)} have equal weight ${w.weight} ` +
    `(work ${w.work} bits); ${short(w.txid)} wins the tie-break: ${tieBreak}${others}.`;
}

/** What the status sentence needs about one transaction. */
export interface StatusFacts {
  readonly status: TxStatusJson;
  readonly work: number;
  /** Work at which a live transaction with confirmed parents is confirmed. */
  readonly confirmWork: number;
  /** An input outpoint this transaction loses, with the winner, if any. */
  readonly lostTo?: { readonly txid: string; readonly index: number; readonly winner: string };
  /** A parent that is not live, if any. */
  readonly deadParent?: string;
  /** A parent that is not confirmed yet, if any. */
  readonly unconfirmedParent?: string;
}

/** One sentence saying why a transaction has its status (docs/PROTOCOL.md §8). */
export function explainStatus(f: StatusFacts): string {
  switch (f.status) {
    case "orphan":
      return "Orphan: a parent transaction is missing; it waits while the parent is requested.";
    case "conflicted":
      if (f.lostTo) {
        return `Conflicted: it loses outpoint ${short(f.lostTo.txid)}:${f.lostTo.index} to ` +
          `${short(f.lostTo.winner)}, which the conflict rule prefers.`;
      }
      return `Conflicted: it depends on ${
        f.deadParent ? short(f.deadParent) : "a transaction"
      }, which lost a conflict.`;
    case "confirmed":
      return `Confirmed: it wins every outpoint it spends and its work (${f.work} bits) ` +
        `reached the threshold of ${f.confirmWork} bits.`;
    case "pending":
      if (f.work < f.confirmWork) {
        return `Pending: it wins every outpoint it spends; its work (${f.work} bits) is below ` +
          `the threshold of ${f.confirmWork} bits.`;
      }
      return `Pending: its work reached ${f.confirmWork} bits, but parent ${
        f.unconfirmedParent ? short(f.unconfirmedParent) : ""
      } is not confirmed yet.`;
  }
}
