/**
 * What `x` says about a conflict (lib/cli/show.ts `conflictOutcome`), on a real ledger file:
 * the live spend won; a winner lighter than the loser is explained by the loser's lost parent
 * (a newcomer's trial printed "more weight: weight 0 against 2^26" there before); spends of
 * equal weight name the tie-break that decided (docs/PROTOCOL.md §8).
 */
import { assert, assertEquals } from "../helpers/assert.ts";
import { conflictOutcome } from "../../lib/cli/show.ts";
import { conflictPartners } from "../../lib/cli/wallet_view.ts";
import { tieBreakOf } from "../../lib/cli/output.ts";
import { fromHex } from "../../lib/core/hash.ts";
import { openLedger } from "../../lib/ledger/ledger.ts";
import { coinsOf, idHex, pay, T0, testKeys } from "../helpers/fixtures.ts";
import { mineConf } from "../helpers/dag.ts";
import { TEST_CONFIRM_WORK, testGenesis } from "../helpers/ledger_fixtures.ts";

const [alice, bob, carol, dave] = [0, 1, 2, 3].map(testKeys);

Deno.test("x: a lighter winner is explained by the loser's lost parent; equal weights by their tie-break", async () => {
  const genesis = testGenesis(alice, 1000n);
  const dir = await Deno.makeTempDir({ prefix: "crackcoin-outcome-" });
  const ledger = await openLedger(`${dir}/ledger.db`, {
    genesis,
    clock: () => T0 + 1e6,
    confirmWork: TEST_CONFIRM_WORK,
    minConfBits: 1,
  });
  try {
    const g = coinsOf(genesis.tx, [alice])[0];
    const split = pay([g], [{ to: alice, amount: 400n }, { to: alice, amount: 600n }], T0 + 1);
    const [d, e] = coinsOf(split, [alice, alice]);
    // P1 and P2 spend E; L spends D and P2's change; W spends D too.
    const p1 = pay([e], [{ to: bob, amount: 600n }], T0 + 2);
    const p2 = pay([e], [{ to: carol, amount: 100n }], T0 + 3);
    const l = pay([d, coinsOf(p2, [carol, alice])[1]], [{ to: dave, amount: 900n }], T0 + 4);
    const w = pay([d], [{ to: bob, amount: 400n }], T0 + 5);
    for (const t of [split, p1, p2, l, w]) assertEquals(ledger.addTx(t).kind, "accepted");
    // L (and with it P2) gets 2^10; P1 gets 2^12, so P2 loses E, and L loses through P2.
    assertEquals(ledger.addConfirmation(mineConf(fromHex(idHex(l)), 10)).kind, "stored");
    assertEquals(ledger.addConfirmation(mineConf(fromHex(idHex(p1)), 12)).kind, "stored");
    const rec = (t: typeof l) => ledger.getTx(idHex(t), { exactWeight: true })!;
    assertEquals([rec(p1), rec(p2), rec(l)].map((r) => r.status), [
      "confirmed",
      "conflicted",
      "conflicted",
    ]);
    assertEquals(rec(w).status, "pending");
    assertEquals(rec(w).weight, 0n);
    assert(rec(l).weight >= 1n << 10n);

    const ofW = conflictOutcome(ledger, rec(w), conflictPartners(ledger, rec(w)))!;
    assertEquals(ofW.winner.txid, idHex(w));
    assertEquals(
      ofW.why,
      `the conflict rule, with less weight (0 against 2^${rec(l).work}): ` +
        `${idHex(l).slice(0, 16)} spends ${idHex(p2).slice(0, 16)}, which lost a double spend`,
    );
    // The same outcome seen from the loser's side.
    assertEquals(conflictOutcome(ledger, rec(l), conflictPartners(ledger, rec(l)))!.why, ofW.why);
    // From P2's side: P1 won by weight.
    assertEquals(
      conflictOutcome(ledger, rec(p2), conflictPartners(ledger, rec(p2)))!.why,
      `more weight: weight 2^${rec(p1).work} against 2^${rec(p2).work}`,
    );

    // Two spends of bob's coin from P1, neither confirmed: equal weight 0, equal height, so the
    // lower txid decides.
    const bobs = coinsOf(p1, [bob])[0];
    const t1 = pay([bobs], [{ to: carol, amount: 600n }], T0 + 6);
    const t2 = pay([bobs], [{ to: dave, amount: 600n }], T0 + 7);
    for (const t of [t1, t2]) assertEquals(ledger.addTx(t).kind, "accepted");
    const [first, second] = idHex(t1) < idHex(t2) ? [t1, t2] : [t2, t1];
    assertEquals(rec(first).status, "pending");
    assertEquals(rec(second).status, "conflicted");
    const tie = conflictOutcome(ledger, rec(second), conflictPartners(ledger, rec(second)))!;
    assertEquals(tie.winner.txid, idHex(first));
    assertEquals(tie.why, "equal weight (0) on both sides; the lower txid decided");
    const [k1, k2] = [ledger.orderKeyOf(idHex(first))!, ledger.orderKeyOf(idHex(second))!];
    assertEquals(k1.height, k2.height);
    assertEquals(tieBreakOf(k1, k2), "the lower txid");
    assertEquals(ledger.orderKeyOf("ab".repeat(32)), undefined, "not stored");
    assertEquals(rec(split).status, "confirmed");
    assertEquals(ledger.orderKeyOf(idHex(split)), undefined, "settled: in no conflict");
  } finally {
    ledger.close();
    await Deno.remove(dir, { recursive: true });
  }
});
