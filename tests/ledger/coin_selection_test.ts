/**
 * Coin selection (docs/PROTOCOL.md §8): the wallet spends confirmed coins before pending
 * ones, larger first, in an order that does not depend on arrival order. Two nodes holding
 * the same wallet and the same ledger therefore pick the same coins; the LAN system test
 * (tests/lan/) relies on it to make double spends on purpose.
 * @module
 */
import { mineConf } from "../helpers/dag.ts";
import { assertEquals } from "../helpers/assert.ts";
import { addressFromPublicKey } from "../../lib/core/address.ts";
import { toHex } from "../../lib/core/hash.ts";
import { txid } from "../../lib/core/tx.ts";
import { openLedger } from "../../lib/ledger/ledger.ts";
import { buildPayment } from "../../lib/wallet/payment.ts";
import { coinsOf, idHex, pay, T0, testKeys } from "../helpers/fixtures.ts";
import { TEST_CONFIRM_WORK, testGenesis } from "../helpers/ledger_fixtures.ts";

const [alice, bob, carol, dave] = [0, 1, 2, 3].map(testKeys);
const genesis = testGenesis(alice);
const addr = (k: typeof alice) => addressFromPublicKey(k.publicKey);
const open = () =>
  openLedger(":memory:", {
    genesis,
    clock: () => T0 + 60_000,
    confirmWork: TEST_CONFIRM_WORK,
    minConfBits: 1,
  });

// t1: the genesis pays carol 1000 and bob 100, change to alice; confirmed.
const t1 = pay(coinsOf(genesis.tx, [alice]), [{ to: carol, amount: 1000n }, {
  to: bob,
  amount: 100n,
}]);
const [carolCoin, , aliceChange] = coinsOf(t1, [carol, bob, alice]);
// ta and tb: independent payments of 300 to bob, from alice and from carol; confirmed.
const ta = pay([aliceChange], [{ to: bob, amount: 300n }], T0 + 2000);
const tb = pay([carolCoin], [{ to: bob, amount: 300n }], T0 + 3000);
// tp: a larger payment to bob that stays pending.
const tp = pay([coinsOf(ta, [bob, alice])[1]], [{ to: bob, amount: 5000n }], T0 + 4000);

async function ledgerWith(order: "ab" | "ba") {
  const l = await open();
  const txs = order === "ab" ? [t1, ta, tb, tp] : [t1, tb, ta, tp];
  for (const tx of txs) {
    assertEquals(l.addTx(tx).kind, "accepted");
    if (tx !== tp) l.addConfirmation(mineConf(txid(tx), TEST_CONFIRM_WORK + 1));
  }
  return l;
}

Deno.test("Ledger.unspent(): confirmed before pending, larger first, ties by outpoint", async () => {
  const [x, y] = [await ledgerWith("ab"), await ledgerWith("ba")];
  try {
    const coins = x.unspent(addr(bob));
    assertEquals(coins.map((c) => [c.amount, c.status]), [
      [300n, "confirmed"],
      [300n, "confirmed"],
      [100n, "confirmed"],
      [5000n, "pending"],
    ]);
    // The two 300s come in txid order, whichever arrived first.
    const ids = [idHex(ta), idHex(tb)].sort();
    assertEquals(coins.slice(0, 2).map((c) => c.txid), ids);
    assertEquals(y.unspent(addr(bob)), coins);
  } finally {
    x.close();
    y.close();
  }
});

Deno.test("buildPayment() spends a confirmed coin before a larger pending one", async () => {
  const [x, y] = [await ledgerWith("ab"), await ledgerWith("ba")];
  try {
    const wallet = { keys: bob, address: addr(bob) };
    const px = buildPayment(x, wallet, addr(dave), 250n, T0 + 9000);
    const py = buildPayment(y, wallet, addr(dave), 250n, T0 + 9000);
    // One confirmed 300 coin, the first in unspent(), the same outpoint on both ledgers.
    const first = x.unspent(addr(bob))[0];
    assertEquals(first.status, "confirmed");
    assertEquals(px.inputs.map((i) => [toHex(i.txid), i.index]), [[first.txid, first.index]]);
    assertEquals(py.inputs.map((i) => [toHex(i.txid), i.index]), [[first.txid, first.index]]);
    assertEquals(px.outputs.map((o) => o.amount), [250n, 50n]);
  } finally {
    x.close();
    y.close();
  }
});
