/**
 * Crash-test child: ingests payments into the ledger at Deno.args[0] forever, printing each
 * txid only after its commit returned. The parent kills it with SIGKILL at random moments.
 * @module
 */
import { mineConf } from "../helpers/dag.ts";
import { addressFromPublicKey } from "../../lib/core/address.ts";
import { fromHex } from "../../lib/core/hash.ts";
import { txid } from "../../lib/core/tx.ts";
import { openLedger } from "../../lib/ledger/ledger.ts";
import { pay, T0, testKeys } from "../helpers/fixtures.ts";
import { TEST_CONFIRM_WORK, testGenesis } from "../helpers/ledger_fixtures.ts";

const alice = testKeys(0);
const bob = testKeys(1);
const ledger = await openLedger(Deno.args[0], {
  genesis: testGenesis(alice),
  confirmWork: TEST_CONFIRM_WORK,
  minConfBits: 1,
  clock: () => T0 + 86_400_000,
});
const enc = new TextEncoder();
const print = (s: string) => Deno.stdout.writeSync(enc.encode(s + "\n"));
print("ready");
for (let i = ledger.count;; i++) {
  const coin = ledger.unspent(addressFromPublicKey(alice.publicKey))[0];
  const c = { txid: fromHex(coin.txid), index: coin.index, amount: coin.amount, keys: alice };
  if (i % 4 === 0) {
    // A batch: a payment and a double spend of the same coin, in one commit.
    const t1 = pay([c], [{ to: bob, amount: 1n }], T0 + i);
    const t2 = pay([c], [{ to: bob, amount: 2n }], T0 + i + 1);
    const rs = ledger.addTxs([t1, t2]);
    for (const r of rs) if (r.kind === "accepted") print(r.txid);
  } else {
    const t = pay([c], [{ to: bob, amount: 1n }], T0 + i);
    const r = ledger.addTx(t);
    if (r.kind === "accepted") print(r.txid);
    if (i % 3 === 0) ledger.addConfirmation(mineConf(txid(t), 9));
  }
}
