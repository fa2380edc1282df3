import { assert, assertEquals } from "../helpers/assert.ts";
import { addressFromPublicKey } from "../../lib/core/address.ts";
import { computeState, type StateConf, type StateEntry } from "../../lib/core/state.ts";
import type { Tx } from "../../lib/core/tx.ts";
import {
  coinsOf,
  idHex,
  makeGenesis,
  pay,
  prng,
  randomHistory,
  shuffle,
  T0,
  testKeys,
} from "../helpers/fixtures.ts";
import { mineConf, randomDag, stateConf } from "../helpers/dag.ts";
import { txid } from "../../lib/core/tx.ts";
import { toHex } from "../../lib/core/hash.ts";

const [alice, bob, carol, dave, mallory] = [0, 1, 2, 3, 4].map(testKeys);
const addr = (k: typeof alice) => addressFromPublicKey(k.publicKey);
const entries = (txs: Tx[]): StateEntry[] =>
  txs.map((tx, i) => ({ txid: idHex(tx), tx, baseWeight: i === 0 ? 1n << 30n : undefined }));

/** A fabricated confirmation for the pure rule (it never checks pow). */
let fake = 0;
function conf(tx: Tx, bits: number, refs: StateConf[] = [], id?: string): StateConf {
  const n = (++fake).toString(16).padStart(4, "0");
  return { id: id ?? `${"7".repeat(60)}${n}`, txid: idHex(tx), bits, refs: refs.map((r) => r.id) };
}

// The worked example of docs/PROTOCOL.md §6 and §8 (weights in units of 2^20).
const genesis = makeGenesis(alice, 100n);
const g = coinsOf(genesis, [alice])[0];
const t1 = pay([g], [{ to: bob, amount: 100n }]);
const t2 = pay([g], [{ to: carol, amount: 100n }], T0 + 2000);
const t3 = pay(coinsOf(t1, [bob]), [{ to: dave, amount: 100n }]);
const c1 = conf(t1, 21);
const c2 = conf(t3, 20, [c1]);
const c3 = conf(t2, 20);
const c4 = conf(t3, 22, [c2]);
const U = 1n << 20n;

Deno.test("computeState() sums weight over the DAG: the §8 worked example", () => {
  const a = computeState(entries([genesis, t1, t2, t3]), [c1, c2, c3, c4], 20);
  assertEquals(a.weight.get(idHex(t1)), 7n * U);
  assertEquals(a.weight.get(idHex(t3)), 5n * U);
  assertEquals(a.weight.get(idHex(t2)), 1n * U);
  assertEquals(a.weight.get(idHex(genesis)), (1n << 30n) + 8n * U);
  assertEquals(a.status.get(idHex(t1)), "confirmed");
  assertEquals(a.status.get(idHex(t2)), "conflicted");
  assertEquals(a.status.get(idHex(t3)), "confirmed");
  assertEquals(a.balances.get(addr(dave)), 100n);
  assertEquals(a.unspent, 100n);
  // (b) a 23-bit confirmation of T2 without refs flips the outcome.
  const c5 = conf(t2, 23);
  const b = computeState(entries([genesis, t1, t2, t3]), [c1, c2, c3, c4, c5], 20);
  assertEquals(b.weight.get(idHex(t2)), 9n * U);
  assertEquals(b.status.get(idHex(t2)), "confirmed");
  assertEquals(b.status.get(idHex(t1)), "conflicted");
  assertEquals(b.status.get(idHex(t3)), "conflicted");
  assertEquals(b.balances.get(addr(carol)), 100n);
  assertEquals(b.balances.get(addr(dave)), undefined);
  assertEquals(b.unspent, 100n);
  // With the threshold at 2^24 nothing but the genesis is confirmed.
  const hi = computeState(entries([genesis, t1, t2, t3]), [c1, c2, c3, c4], 24);
  assertEquals(hi.status.get(idHex(t1)), "pending");
});

Deno.test("computeState(): work approving both sides of a conflict changes nothing", () => {
  const both = conf(t2, 23, [c4]); // refs c4, which approves T1: counts for T1 and T2
  const s = computeState(entries([genesis, t1, t2, t3]), [c1, c2, c3, c4, both], 20);
  assertEquals(s.weight.get(idHex(t1)), 15n * U);
  assertEquals(s.weight.get(idHex(t2)), 9n * U);
  assertEquals(s.status.get(idHex(t1)), "confirmed");
  assertEquals(s.status.get(idHex(t2)), "conflicted");
});

Deno.test("computeState(): equal weight goes to the smaller best hash, not the lower txid", () => {
  const low = "00" + "1".repeat(62), high = "00" + "2".repeat(62);
  for (const [w1, w2] of [[low, high], [high, low]]) {
    const s = computeState(entries([genesis, t1, t2]), [
      conf(t1, 21, [], w1),
      conf(t2, 21, [], w2),
    ]);
    const winner = w1 === low ? t1 : t2;
    const loser = winner === t1 ? t2 : t1;
    assertEquals(s.status.get(idHex(winner)), "pending");
    assertEquals(s.status.get(idHex(loser)), "conflicted");
  }
});

Deno.test("computeState(): orphans, and a confirmation of an orphan counts for nothing", () => {
  const s = computeState(entries([genesis, t3]), [conf(t3, 25)], 20);
  assertEquals(s.status.get(idHex(t3)), "orphan");
  assertEquals(s.weight.get(idHex(genesis)), 1n << 30n);
  assertEquals(s.unspent, 100n);
});

Deno.test("computeState(): a merged coin whose spender is conflicted is not frozen", () => {
  // Mallory pays Alice with P; Alice merges P:0 with her own S:1 into M, paying Bob; Mallory
  // reverses P with a heavier P'. M is conflicted, S:1 stays unspent, and Alice's new spend N
  // of S:1 is live at once, with no weight at all against M's.
  const gen = makeGenesis(mallory, 1000n);
  const split = pay(coinsOf(gen, [mallory]), [{ to: alice, amount: 400n }]); // S: 0 alice, 1 mallory
  const mg = coinsOf(split, [alice, mallory]);
  const p = pay([mg[1]], [{ to: alice, amount: 100n }], T0 + 2000); // P:0 alice, P:1 mallory
  const pRev = pay([mg[1]], [{ to: mallory, amount: 600n }], T0 + 3000);
  const m = pay([coinsOf(p, [alice])[0], mg[0]], [{ to: bob, amount: 500n }], T0 + 4000);
  const n = pay([mg[0]], [{ to: carol, amount: 400n }], T0 + 5000);
  const txs = [gen, split, p, pRev, m];
  const cs = [conf(split, 22), conf(p, 20), conf(m, 21), conf(pRev, 23)];
  const before = computeState(entries(txs), cs, 20);
  assertEquals(before.status.get(idHex(pRev)), "confirmed");
  assertEquals(before.status.get(idHex(m)), "conflicted");
  // S:0 (Alice's own 400) is neither spent nor lost: it counts in her balance.
  assertEquals(before.balances.get(addr(alice)), 400n);
  const after = computeState(entries([...txs, n]), cs, 20);
  assertEquals(after.status.get(idHex(n)), "pending");
  assertEquals(after.balances.get(addr(carol)), 400n);
  assertEquals(after.balances.get(addr(alice)), undefined);
  assertEquals(after.unspent, 1000n);
});

Deno.test("computeState(): a pre-mined, txid-ground reversal gains nothing beyond its work", () => {
  // The attacker grinds T2 variants for the lowest txid and mines a confirmation with a very
  // small pow hash before paying. The honest side's total weight still wins; at equal
  // weight the smaller best hash decides, so a tie costs a hash as small as any honest one.
  const honest = [conf(t1, 21, [], "0f" + "f".repeat(62)), conf(t3, 21, [], "0e" + "f".repeat(62))];
  const premined = conf(t2, 21, [], "00".repeat(31) + "01");
  const s = computeState(entries([genesis, t1, t2, t3]), [...honest, premined], 20);
  assertEquals(s.weight.get(idHex(t1)), 4n * U);
  assertEquals(s.weight.get(idHex(t2)), 2n * U);
  assertEquals(s.status.get(idHex(t1)), "confirmed");
  assertEquals(s.status.get(idHex(t2)), "conflicted");
  // With exactly the honest weight it ties, and its smaller hash wins the tie: a tie costs
  // the attacker as many hashes as a win.
  const tie = computeState(entries([genesis, t1, t2, t3]), [
    ...honest,
    premined,
    conf(t2, 21, [], "aa" + "0".repeat(62)),
  ], 20);
  assertEquals(tie.status.get(idHex(t2)), "confirmed");
});

Deno.test("computeState() is independent of arrival order; W(parent) ≥ W(child); supply holds", () => {
  for (let seed = 1; seed <= 12; seed++) {
    const h = randomHistory(seed, 20);
    const txs = h.items.map((i) => i.tx);
    const dag = randomDag(seed, txs, 30).map(stateConf);
    const base = entries(txs);
    const ref = computeState(base, dag, 4);
    assertEquals(ref.unspent, h.supply, `seed ${seed} supply`);
    let sum = 0n;
    for (const v of ref.balances.values()) sum += v;
    assertEquals(sum, h.supply);
    for (const tx of txs) {
      for (const inp of tx.inputs) {
        const pw = ref.weight.get(toHex(inp.txid))!;
        assert(pw >= ref.weight.get(idHex(tx))!, `seed ${seed}: W(parent) < W(child)`);
      }
    }
    const rnd = prng(seed * 7919);
    for (let k = 0; k < 4; k++) {
      const s = computeState(shuffle(base, rnd), shuffle(dag, rnd), 4);
      assertEquals(s.status, ref.status, `seed ${seed} permutation ${k}`);
      assertEquals(s.balances, ref.balances);
      assertEquals(s.winners, ref.winners);
      assertEquals(s.weight, ref.weight);
    }
    if (seed === 1) {
      assert([...ref.status.values()].includes("conflicted"), "seed 1 has a conflict");
    }
  }
});

Deno.test("mineConf() confirmations carry real work the pure rule can sum", () => {
  const c = mineConf(txid(t1), 5);
  const s = computeState(entries([genesis, t1]), [stateConf(c)], 4);
  assertEquals(s.weight.get(idHex(t1)), 32n);
  assertEquals(s.status.get(idHex(t1)), "confirmed");
});
