/**
 * What `i`, `l` and `x` print: the balance split, the history as it concerns you, and one
 * transaction with its conflict partners (README "Commands").
 * @module
 */
import { addressFromPublicKey, encodeAddress } from "../core/address.ts";
import { toHex } from "../core/hash.ts";
import { isLive } from "../core/state.ts";
import { formatWeight as describeWeight, shortWeight } from "../core/weight.ts";
import type { Ledger, TxRecord } from "../ledger/ledger.ts";
import { formatTime, type Output, WEIGHT_NAME, whyWon } from "./output.ts";
import type { Node } from "./run_node.ts";
import {
  conflictPartners,
  lostParent,
  splitBalance,
  type TxEffect,
  txEffect,
} from "./wallet_view.ts";

/** Most rows `l` prints. */
export const MAX_HISTORY_ROWS = 1000;
/** Rows `l` prints without an argument. */
export const DEFAULT_HISTORY_ROWS = 15;

/** Parses the argument of `l`: absent, or a whole number 0..MAX. RangeError otherwise. */
export function parseHistoryCount(arg: string | undefined): number {
  if (arg === undefined) return DEFAULT_HISTORY_ROWS;
  if (!/^[0-9]{1,4}$/.test(arg) || Number(arg) > MAX_HISTORY_ROWS) {
    throw new RangeError(
      `Invalid count "${arg}": expected l, or l N with N a whole number from 0 to ` +
        `${MAX_HISTORY_ROWS}`,
    );
  }
  return Number(arg);
}

function statusColour(status: string): "green" | "red" | "yellow" {
  return status === "confirmed" ? "green" : status === "conflicted" ? "red" : "yellow";
}

/** "+500", "-500" or "0" from your point of view, and the direction word. */
function yourSide(e: TxEffect): { amount: string; direction: string; who: string } {
  switch (e.direction) {
    case "received":
      return { amount: `+${e.amount}`, direction: "received", who: `from ${e.counterparty}` };
    case "sent":
      return {
        amount: `-${e.amount}`,
        direction: "sent",
        who: `to ${e.counterparty}${e.payees > 1 ? ` and ${e.payees - 1} more` : ""}`,
      };
    case "self":
      return { amount: "0", direction: "to self", who: `to ${e.counterparty} (yours)` };
    default:
      return { amount: "", direction: "other", who: `to ${e.counterparty}` };
  }
}

/** `i`'s balance lines: spendable (confirmed and own change) and incoming. */
export function printBalance(node: Node, o: Output): void {
  // Every address the wallet watches (HD receive, change and lookahead; imported keys).
  const b = splitBalance(node.ledger, node.wallet.watchedAddresses(), node.isMine);
  o.line(
    `Balance:  ${b.confirmed + b.ownChange} spendable (${b.confirmed} confirmed, ` +
      `${b.ownChange} own change), ${b.incoming} incoming pending`,
  );
}

/** A cumulative weight in a column: "0" before any confirmation, else "2^24.31" or "≥2^24.00". */
function weightCell(w: bigint, exact: boolean): string {
  return w === 0n ? "0" : shortWeight(w, exact);
}

/** `l [N]`: the last N transactions, as they concern you. */
export function printHistory(node: Node, o: Output, count: number): void {
  const rows = node.ledger.history(count);
  o.line(
    `txid              status      ${WEIGHT_NAME.padEnd(9)}  time                 direction  ` +
      `${"amount".padStart(12)}  counterparty`,
  );
  for (const r of rows) {
    const effect = txEffect(r.tx, node.isMine);
    const side = yourSide(effect);
    // An address-book entry (`wallet label ADDRESS NAME`) names the counterparty.
    const label = effect.counterparty ? node.wallet.labelOf(effect.counterparty) : undefined;
    if (label !== undefined) side.who += ` "${label}"`;
    o.line(
      `${r.txid.slice(0, 16)}  ${o.paint(statusColour(r.status), r.status.padEnd(10))}  ${
        weightCell(r.weight, r.weightExact).padEnd(9)
      }  ${formatTime(r.tx.timestamp)}  ${side.direction.padEnd(9)}  ${
        side.amount.padStart(12)
      }  ${side.who}`,
    );
  }
  o.line(`${rows.length} of ${node.ledger.count} transactions shown; x TXID shows one`);
}

/** `x TXID`: one transaction, what it did to you, and its conflicts with the reason. */
export function printTransaction(node: Node, o: Output, rec: TxRecord): void {
  const you = yourSide(txEffect(rec.tx, node.isMine));
  const mine = (a: string) => node.isMine(a) ? " (yours)" : "";
  o.line(`Transaction ${rec.txid}`);
  o.line(
    `Status:   ${o.paint(statusColour(rec.status), rec.status)}, ${WEIGHT_NAME} ${
      rec.weight === 0n
        ? "0 (no confirmation approves it yet)"
        : describeWeight(rec.weight, node.ledger.recentHashRate(), rec.weightExact)
    }`,
  );
  o.line(`Time:     ${formatTime(rec.tx.timestamp)}`);
  o.line(
    `You:      ${
      you.direction === "other" ? "not involved" : `${you.direction} ${you.amount} ${you.who}`
    }`,
  );
  if (rec.tx.inputs.length === 0) o.line("Inputs:   none (the genesis)");
  rec.tx.inputs.forEach((i, k) => {
    const owner = addressFromPublicKey(i.publicKey);
    o.line(
      `${k === 0 ? "Inputs:  " : "         "} ${toHex(i.txid)}:${i.index} of ${owner}${
        mine(owner)
      }`,
    );
  });
  rec.tx.outputs.forEach((out, k) => {
    const a = encodeAddress(out.address);
    o.line(`${k === 0 ? "Outputs: " : "         "} ${out.amount} to ${a}${mine(a)}`);
  });
  const partners = node.conflictsOf(rec);
  if (partners.length === 0) {
    o.line("Conflicts: none (no other transaction spends these coins)");
    return;
  }
  o.line(
    `Conflicts: ${partners.length} other spend${
      partners.length === 1 ? "" : "s"
    } of the same coins`,
  );
  for (const p of partners) {
    o.line(
      `  ${p.txid}  ${o.paint(statusColour(p.status), p.status.padEnd(10))}  ${WEIGHT_NAME} ${
        weightCell(p.weight, p.weightExact)
      }`,
    );
  }
  const outcome = conflictOutcome(node.ledger, rec, partners);
  if (outcome === null) {
    o.line(`Winner:   none live (these coins come from a transaction that lost a conflict)`);
    return;
  }
  o.line(
    `Winner:   ${outcome.winner.txid.slice(0, 16)}${
      outcome.winner === rec ? " (this one)" : ""
    }, by ${outcome.why}`,
  );
}

/**
 * Who won the coins `rec` spends against its `partners` (the other spends of them) and why,
 * as `x` prints it: the ledger's statuses apply the conflict rule (docs/PROTOCOL.md §8), so the
 * winner is the live one (`rec` first); the loser is `rec` or the first partner. A winner
 * lighter than the loser is explained by the loser's lost parent, or by the rival that took
 * another of its coins. Null when none is live.
 */
export function conflictOutcome(
  ledger: Ledger,
  rec: TxRecord,
  partners: readonly TxRecord[],
): { winner: TxRecord; loser: TxRecord; why: string } | null {
  const winner = isLive(rec.status) ? rec : partners.find((p) => isLive(p.status));
  if (winner === undefined || partners.length === 0) return null;
  const loser = winner === rec ? partners[0] : rec;
  // Read only when the loser came first (whyWon asks then): finding a rival scans the ledger.
  const lostThrough = {
    get parent() {
      return lostParent(ledger, loser)?.txid;
    },
    get rival() {
      return conflictPartners(ledger, loser)
        .find((p) => isLive(p.status) && p.txid !== winner.txid)?.txid;
    },
  };
  const side = (r: TxRecord) => ({ ...r, key: ledger.orderKeyOf(r.txid) });
  return { winner, loser, why: whyWon(side(winner), side(loser), lostThrough) };
}
