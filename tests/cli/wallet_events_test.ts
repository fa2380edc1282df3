import { assertEquals } from "../helpers/assert.ts";
import { EventFilter, eventText } from "../../lib/cli/wallet_events.ts";
import type { TxEffect } from "../../lib/cli/wallet_view.ts";
import type { TxStatus } from "../../lib/core/state.ts";

const received: TxEffect = {
  direction: "received",
  amount: 500n,
  counterparty: "Cpayer",
  payees: 0,
};
const sent: TxEffect = { direction: "sent", amount: 70n, counterparty: "Cpayee", payees: 2 };

function run(f: EventFilter, effect: TxEffect, steps: [TxStatus | null, TxStatus][]) {
  return steps.map(([from, to]) => f.decide({ txid: "t", from, to }, effect));
}

Deno.test("EventFilter.decide() never announces a payment conflicted before it was shown confirmed", () => {
  // Arrives conflicted (before its confirmation), then wins: announced once, as confirmed.
  assertEquals(
    run(new EventFilter(), received, [[null, "conflicted"], ["conflicted", "confirmed"]]),
    [
      null,
      "confirmed",
    ],
  );
  // Shown pending, loses before confirmation: no flash.
  assertEquals(run(new EventFilter(), received, [[null, "pending"], ["pending", "conflicted"]]), [
    "received",
    null,
  ]);
  // Shown confirmed, then loses: reversed; wins back: confirmed again.
  assertEquals(
    run(new EventFilter(), received, [
      [null, "pending"],
      ["pending", "confirmed"],
      ["confirmed", "conflicted"],
      ["conflicted", "confirmed"],
    ]),
    ["received", "confirmed", "reversed", "confirmed"],
  );
  // Confirmed in an earlier run (from = confirmed): reversed too.
  assertEquals(run(new EventFilter(), received, [["confirmed", "conflicted"]]), ["reversed"]);
  // Our own new spends are not announced on arrival (t prints them).
  assertEquals(run(new EventFilter(), sent, [[null, "pending"], ["pending", "confirmed"]]), [
    null,
    "confirmed",
  ]);
  const other: TxEffect = { direction: "other", amount: 0n, counterparty: "C", payees: 0 };
  assertEquals(run(new EventFilter(), other, [[null, "confirmed"]]), [null]);
});

Deno.test("eventText() speaks for the user: who, how much, and why a payment was reversed", () => {
  const id = "ab".repeat(32), win = "cd".repeat(32);
  assertEquals(
    eventText({ kind: "received", txid: id, effect: received }),
    "Payment received: +500 from Cpayer in abababababababab (pending)",
  );
  assertEquals(
    eventText({ kind: "confirmed", txid: id, effect: sent }),
    "Your payment of 70 to Cpayee and 1 more confirmed (abababababababab)",
  );
  assertEquals(
    eventText({
      kind: "reversed",
      txid: id,
      effect: received,
      work: 21,
      winner: { txid: win, work: 24 },
    }),
    `Payment of 500 from Cpayer REVERSED: a conflicting spend ${win} won (weight 2^24 against 2^21)`,
  );
  assertEquals(
    eventText({ kind: "reversed", txid: id, effect: received, work: 21, lostParent: win }),
    `Payment of 500 from Cpayer REVERSED: it spends ${win}, which lost a double spend`,
  );
  // A payment nobody confirmed yet has weight 0, printed so (2^0 would be a weight of 1).
  assertEquals(
    eventText({
      kind: "reversed",
      txid: id,
      effect: received,
      work: 0,
      weight: 0n,
      winner: { txid: win, work: 0, weight: 1n },
    }),
    `Payment of 500 from Cpayer REVERSED: a conflicting spend ${win} won (weight 2^0 against 0)`,
  );
  assertEquals(
    eventText({ kind: "reversed", txid: id, effect: received, work: 0, weight: 0n }),
    "Payment of 500 from Cpayer REVERSED: it lost a double spend (0)",
  );
  // The same ⌊log2⌋, different exact weights: two decimals.
  assertEquals(
    eventText({
      kind: "reversed",
      txid: id,
      effect: received,
      work: 26,
      weight: 1n << 26n,
      winner: { txid: win, work: 26, weight: (1n << 26n) + (1n << 25n) },
    }),
    `Payment of 500 from Cpayer REVERSED: a conflicting spend ${win} won (weight 2^26.58 ` +
      `against 2^26.00)`,
  );
  // Equal weights: the tie-break that decided, as the node found it (tieBreakOf).
  assertEquals(
    eventText({
      kind: "reversed",
      txid: id,
      effect: received,
      work: 24,
      weight: 1n << 24n,
      winner: { txid: win, work: 24, weight: 1n << 24n },
      tieBreak: "the smaller best hash",
    }),
    `Payment of 500 from Cpayer REVERSED: a conflicting spend ${win} won (equal weight ` +
      `(2^24) on both sides; the smaller best hash decided)`,
  );
});
