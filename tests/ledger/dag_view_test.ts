/**
 * lib/ledger/dag_view.ts on a real ledger file: spenders of an outpoint, co-spenders, and the
 * transactions touching an address, read on a second connection while the ledger is open.
 * @module
 */
import { assertEquals } from "../helpers/assert.ts";
import { hash160 } from "../../lib/core/hash.ts";
import { txid } from "../../lib/core/tx.ts";
import { openDagView } from "../../lib/ledger/dag_view.ts";
import { openLedger } from "../../lib/ledger/ledger.ts";
import { idHex, pay, T0, testKeys } from "../helpers/fixtures.ts";
import { testGenesis } from "../helpers/ledger_fixtures.ts";
import { mineConf } from "../helpers/dag.ts";

Deno.test("openDagView() finds a double spend's spenders and an address's transactions", async () => {
  const dir = await Deno.makeTempDir({ prefix: "crackcoin-dag-" });
  const [alice, bob, carol] = [testKeys(0), testKeys(1), testKeys(2)];
  const genesis = testGenesis(alice, 1000n);
  const ledger = await openLedger(`${dir}/l.db`, { genesis, clock: () => T0 + 1e7 });
  const dag = openDagView(`${dir}/l.db`, (txid) => ledger.seqOf(txid));
  try {
    const coin = { txid: genesis.txid, index: 0, amount: 1000n, keys: alice };
    const toBob = pay([coin], [{ to: bob, amount: 10n }], T0 + 1);
    const toCarol = pay([coin], [{ to: carol, amount: 20n }], T0 + 2);
    const fromBob = pay([{ txid: txid(toBob), index: 0, amount: 10n, keys: bob }], [{
      to: carol,
      amount: 10n,
    }], T0 + 3);
    for (const t of [toBob, toCarol, fromBob]) assertEquals(ledger.addTx(t).kind, "accepted");
    const g = idHex(genesis.tx);
    assertEquals(dag.spendersOf(g, 0).sort(), [idHex(toBob), idHex(toCarol)].sort());
    assertEquals(dag.spendersOf(g, 1), []);
    assertEquals(dag.spendersOf(idHex(toBob), 0), [idHex(fromBob)]);
    assertEquals(dag.coSpendersOf(idHex(toBob)), [idHex(toCarol)]);
    assertEquals(dag.coSpendersOf(idHex(fromBob)), []);
    // Bob: paid by toBob, spent in fromBob; newest first. Carol: paid by both others.
    assertEquals(dag.touching([hash160(bob.publicKey)], 10, 0), [idHex(fromBob), idHex(toBob)]);
    assertEquals(dag.touching([hash160(carol.publicKey)], 10, 0), [idHex(fromBob), idHex(toCarol)]);
    assertEquals(dag.touching([hash160(carol.publicKey)], 1, 1), [idHex(toCarol)]);
    assertEquals(dag.touching([], 10, 0), []);
    assertEquals(
      dag.touching([hash160(bob.publicKey), hash160(carol.publicKey)], 10, 0),
      [idHex(fromBob), idHex(toCarol), idHex(toBob)],
    );
  } finally {
    dag.close();
    ledger.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("openDagView().approvedBy() follows confirmation refs to the approved transactions", async () => {
  const dir = await Deno.makeTempDir({ prefix: "crackcoin-dag-" });
  const [alice, bob] = [testKeys(0), testKeys(1)];
  const genesis = testGenesis(alice, 1000n);
  const ledger = await openLedger(`${dir}/l.db`, {
    genesis,
    minConfBits: 1,
    clock: () => T0 + 1e7,
  });
  const dag = openDagView(`${dir}/l.db`, (txid) => ledger.seqOf(txid));
  try {
    const coin = { txid: genesis.txid, index: 0, amount: 1000n, keys: alice };
    const toBob = pay([coin], [{ to: bob, amount: 1000n }], T0 + 1);
    assertEquals(ledger.addTx(toBob).kind, "accepted");
    const cGenesis = mineConf(genesis.txid, 4);
    assertEquals(ledger.addConfirmation(cGenesis).kind, "stored");
    // A confirmation of toBob that references the genesis's confirmation approves the genesis.
    const cBob = mineConf(txid(toBob), 4, [cGenesis.id]);
    assertEquals(ledger.addConfirmation(cBob).kind, "stored");
    assertEquals(dag.approvedBy(idHex(toBob)), [idHex(genesis.tx)]);
    assertEquals(dag.approvedBy(idHex(genesis.tx)), []);
  } finally {
    dag.close();
    ledger.close();
    await Deno.remove(dir, { recursive: true });
  }
});
