import { assert, assertEquals, assertRejects, assertThrows } from "../helpers/assert.ts";
import { addressFromPublicKey } from "../../lib/core/address.ts";
import { bytesEqual, fromHex, hash160, toHex } from "../../lib/core/hash.ts";
import { MuHash3072 } from "../../lib/core/set_digest.ts";
import { computeState } from "../../lib/core/state.ts";
import { encodeTx, txid } from "../../lib/core/tx.ts";
import { verifyMessageNoble } from "../../lib/core/sign.ts";
import { type Ledger, openLedger, type StatusChange } from "../../lib/ledger/ledger.ts";
import { LedgerError } from "../../lib/ledger/errors.ts";
import { isConfEvent, isTxEvent, type LedgerEvent } from "../../lib/ledger/events.ts";
import {
  coinsOf,
  idHex,
  pay,
  prng,
  randomHistory,
  shuffle,
  T0,
  testKeys,
} from "../helpers/fixtures.ts";
import { TEST_CONFIRM_WORK, testGenesis } from "../helpers/ledger_fixtures.ts";
import { mineConf, randomDag, stateConf } from "../helpers/dag.ts";
import { confirmationWeight, encodeConfirmation } from "../../lib/core/confirmation.ts";

const [alice, bob, carol, dave] = [0, 1, 2, 3].map(testKeys);
const genesis = testGenesis(alice);
const NOW = () => T0 + 60_000;
const open = async (path = ":memory:", onStatusChange?: (c: readonly StatusChange[]) => void) => {
  const l = await openLedger(path, {
    genesis,
    clock: NOW,
    confirmWork: TEST_CONFIRM_WORK,
    minConfBits: 1,
  });
  if (onStatusChange) {
    l.subscribe((events) => onStatusChange(events.filter((e) => e.kind === "status")));
  }
  return l;
};
const addr = (k: typeof alice) => addressFromPublicKey(k.publicKey);
const g = coinsOf(genesis.tx, [alice])[0];

Deno.test("openLedger() creates the genesis and passes the supply check", async () => {
  const l = await open();
  assertEquals(l.count, 1);
  assertEquals(l.getTx(genesis.txid)?.status, "confirmed");
  assertEquals(l.balance(addr(alice)), { confirmed: 1_000_000n, pending: 0n });
  assertEquals(l.supply(), { genesis: 1_000_000n, unspent: 1_000_000n, ok: true });
  l.close();
});

Deno.test("Ledger.addTx() returns accepted, duplicate, orphan and rejected", async () => {
  const changes: StatusChange[] = [];
  const l = await open(":memory:", (c) => changes.push(...c));
  const t1 = pay([g], [{ to: bob, amount: 300n }]);
  const t2 = pay(coinsOf(t1, [bob, alice]).slice(0, 1), [{ to: carol, amount: 100n }]);
  assertEquals(l.addTx(t2).kind, "orphan");
  assertEquals(l.orphans.size, 1);
  assertEquals(l.addTx(encodeTx(t1)), { kind: "accepted", txid: idHex(t1) });
  // The orphan was retried when its parent arrived.
  assertEquals(l.getTx(idHex(t2))?.status, "pending");
  assertEquals(l.orphans.size, 0);
  assertEquals(l.addTx(t1), { kind: "duplicate", txid: idHex(t1) });
  const thief = pay([{ ...g, keys: bob }], [{ to: bob, amount: 1_000_000n }]);
  const r = l.addTx(thief);
  assertEquals(r.kind === "rejected" && r.code, "wrong-owner");
  const junk = l.addTx(new Uint8Array([1, 2, 3]));
  assertEquals(junk.kind === "rejected" && junk.code, "malformed");
  assertEquals(l.count, 3);
  assert(changes.some((c) => c.txid === idHex(t1) && c.from === null && c.to === "pending"));
  assertEquals(l.supply().ok, true);
  l.close();
});

Deno.test("Ledger.subscribe() reports every outcome of a commit in order, adopted orphans too", async () => {
  const l = await open();
  const seen: LedgerEvent[][] = [];
  const unsubscribe = l.subscribe((events) => seen.push([...events]));
  const t1 = pay([g], [{ to: bob, amount: 300n }]);
  const t2 = pay(coinsOf(t1, [bob, alice]).slice(0, 1), [{ to: carol, amount: 100n }]);
  l.addTx(t2);
  assertEquals(seen.pop()?.map((e) => e.kind), ["orphan"]);
  const thief = pay([{ ...g, keys: bob }], [{ to: bob, amount: 1_000_000n }]);
  l.addTxs([t1, thief]);
  const events = seen.pop()!;
  const txEvents = events.filter(isTxEvent);
  // The parent first, then the orphan it let in, then the next offered transaction.
  assertEquals(
    txEvents.map((e) => [e.kind, e.txid, e.adopted]),
    [["accepted", idHex(t1), false], ["accepted", idHex(t2), true], [
      "rejected",
      idHex(thief),
      false,
    ]],
  );
  const adopted = txEvents[1];
  assert(adopted.kind === "accepted" && adopted.entry.id === idHex(t2), "adopted carries its tx");
  assert(adopted.kind === "accepted" && bytesEqual(adopted.entry.raw, encodeTx(t2)));
  assertEquals(
    events.filter((e) => e.kind === "status").map((e) => e.txid).sort(),
    [idHex(t1), idHex(t2)].sort(),
  );
  // A new transaction's status event names, per input, the address hash of the spent output:
  // HASH160 of that input's key (what the wallet's "touches" test reads instead of hashing).
  for (const e of events) {
    if (e.kind !== "status" || e.tx === undefined) continue;
    assertEquals(e.spent?.map(toHex), e.tx.inputs.map((i) => toHex(hash160(i.publicKey))));
  }
  l.addConfirmation(mineConf(txid(t1), 3));
  assertEquals(seen.pop()?.filter(isConfEvent).map((e) => e.kind), ["stored"]);
  unsubscribe();
  l.addTx(t1);
  assertEquals(seen.length, 0, "no events after unsubscribing");
  l.close();
});

Deno.test("Ledger.addConfirmation() stores, deduplicates, waits for missing items", async () => {
  const l = await open();
  const t1 = pay([g], [{ to: bob, amount: 300n }]);
  l.addTx(t1);
  const id = txid(t1);
  const c1 = mineConf(id, 9);
  assertEquals(l.addConfirmation(c1), {
    kind: "stored",
    id: toHex(c1.id),
    txid: idHex(t1),
    bits: 9,
    conf: c1,
  });
  assertEquals(l.getTx(id)?.weight, 512n);
  assertEquals(l.getTx(id)?.status, "confirmed");
  assertEquals(l.addConfirmation(encodeConfirmation(c1)).kind, "known");
  // Claiming more bits than the hash has, or fewer than the minimum, is refused.
  const over = l.addConfirmation({ ...c1, bits: 60 });
  assertEquals(over.kind === "invalid" && over.code, "insufficient-work");
  const zero = l.addConfirmation({ ...c1, bits: 0 });
  assertEquals(zero.kind === "invalid" && zero.code, "insufficient-work");
  const junk = l.addConfirmation(new Uint8Array([1, 2, 3]));
  assertEquals(junk.kind === "invalid" && junk.code, "malformed");
  assertEquals(l.balance(addr(bob)), { confirmed: 300n, pending: 0n });
  // A confirmation before its transaction waits, and so does one that refs it; both are
  // stored when the transaction arrives.
  const t2 = pay([coinsOf(t1, [bob])[0]], [{ to: dave, amount: 1n }]);
  const c2 = mineConf(txid(t2), 3);
  const c3 = mineConf(id, 2, [c1.id, c2.id]);
  assertEquals(l.addConfirmation(c2), { kind: "waiting", id: toHex(c2.id), missing: [idHex(t2)] });
  assertEquals(l.addConfirmation(c3), {
    kind: "waiting",
    id: toHex(c3.id),
    missing: [toHex(c2.id)],
  });
  assertEquals(l.confirmationCount, 1);
  l.addTx(t2);
  assertEquals(l.confirmationCount, 3);
  // c2 approves t2 and t1 (its parent); c3 approves t1 and, through c2, t2.
  assertEquals(l.getTx(txid(t2))?.weight, 8n + 4n);
  assertEquals(l.getConfirmation(c3.id)?.refs.map(toHex), c3.refs.map(toHex));
  assertEquals(l.summary().count, l.count + 3);
  l.close();
});

Deno.test("Ledger flips a conflict when weight changes the winner; miners avoid the loser", async () => {
  const l = await open();
  const toBob = pay([g], [{ to: bob, amount: 1_000_000n }]);
  const toCarol = pay([g], [{ to: carol, amount: 1_000_000n }], T0 + 2000);
  const bobToDave = pay(coinsOf(toBob, [bob]), [{ to: dave, amount: 1_000_000n }]);
  for (const t of [toBob, toCarol, bobToDave]) assertEquals(l.addTx(t).kind, "accepted");
  const cb = mineConf(txid(toBob), 6);
  const cd = mineConf(txid(bobToDave), 6, [cb.id]);
  l.addConfirmations([cb, cd]);
  assertEquals(l.getTx(idHex(toBob))?.weight, 128n);
  assertEquals(l.getTx(idHex(toCarol))?.status, "conflicted");
  assertEquals(l.balance(addr(dave)).pending, 1_000_000n);
  // Miners: a winner, never the loser, and the tips approve winners only.
  let t = l.mineTemplate()!;
  assert(toHex(t.txid) !== idHex(toCarol));
  assertEquals(t.refs.map(toHex), [toHex(cd.id)]);
  assertEquals(l.addConfirmation(mineConf(txid(toCarol), 8)).kind, "stored");
  assertEquals(l.getTx(idHex(toCarol))?.status, "confirmed");
  assertEquals(l.getTx(idHex(toBob))?.status, "conflicted");
  assertEquals(l.getTx(idHex(bobToDave))?.status, "conflicted");
  assertEquals(l.balance(addr(dave)), { confirmed: 0n, pending: 0n });
  assertEquals(l.balance(addr(carol)).confirmed, 1_000_000n);
  assertEquals(l.supply().ok, true);
  t = l.mineTemplate()!;
  assert(![idHex(toBob), idHex(bobToDave)].includes(toHex(t.txid)), "no loser is a target");
  assert(!t.refs.some((r) => toHex(r) === toHex(cd.id)), "no tip that approves a loser");
  l.close();
});

Deno.test("Ledger.mineTemplate() refs up to four tips in canonical order", async () => {
  const l = await open();
  const t1 = pay([g], [{ to: bob, amount: 10n }]);
  l.addTx(t1);
  const tips = [1, 2, 3, 4, 5, 6].map((k) => mineConf(txid(t1), 2, [], BigInt(k) << 40n));
  l.addConfirmations(tips);
  const t = l.mineTemplate()!;
  assertEquals(t.refs.length, 4);
  for (let i = 1; i < t.refs.length; i++) assert(toHex(t.refs[i - 1]) < toHex(t.refs[i]));
  // A confirmation whose refs are out of order has no canonical encoding: refused.
  const [a, b] = [tips[0].id, tips[1].id].sort((x, y) => toHex(x) < toHex(y) ? -1 : 1);
  const bad = l.addConfirmation({ txid: txid(t1), bits: 1, refs: [b, a], nonce: 0n });
  assertEquals(bad.kind === "invalid" && bad.code, "malformed");
  l.close();
});

Deno.test("Ledger: a merged coin whose spender is conflicted is offered again, and a new spend wins", async () => {
  const l = await open();
  // Bob pays Alice (P), Alice merges P:0 with her own coin into M (to Carol); Bob reverses P.
  const toBob = pay([g], [{ to: bob, amount: 1000n }]); // 0: bob 1000, 1: alice change
  const bc = coinsOf(toBob, [bob, alice]);
  const p = pay([bc[0]], [{ to: alice, amount: 100n }], T0 + 2000);
  const m = pay([coinsOf(p, [alice])[0], bc[1]], [{ to: carol, amount: 5000n }], T0 + 3000);
  const rev = pay([bc[0]], [{ to: bob, amount: 1000n }], T0 + 4000);
  for (const t of [toBob, p, m, rev]) assertEquals(l.addTx(t).kind, "accepted");
  l.addConfirmations([mineConf(txid(toBob), 9), mineConf(txid(m), 5), mineConf(txid(rev), 8)]);
  assertEquals(l.getTx(idHex(rev))?.status, "confirmed");
  assertEquals(l.getTx(idHex(m))?.status, "conflicted");
  // Alice's own change coin is neither spent nor lost: counted and offered.
  assert(l.unspent(addr(alice)).some((c) => c.txid === idHex(toBob) && c.index === 1));
  const n = pay([bc[1]], [{ to: dave, amount: 500n }], T0 + 5000);
  assertEquals(l.addTx(n).kind, "accepted");
  assertEquals(l.getTx(idHex(n))?.status, "pending", "live at once, with no weight at all");
  assertEquals(l.supply().ok, true);
  l.close();
});

Deno.test("Ledger re-watches an old confirmed transaction when a conflict appears", async () => {
  const l = await open();
  const t1 = pay([g], [{ to: bob, amount: 10n }]);
  const t2 = pay(coinsOf(t1, [bob]).slice(0, 1), [{ to: carol, amount: 10n }]);
  l.addTxs([t1, t2]);
  const c1 = mineConf(txid(t1), 9); // t1 crosses the threshold: no longer watched
  const c2 = mineConf(txid(t2), 9, [c1.id]); // t2 too; t1 gets its weight through t2
  const c3 = mineConf(txid(t2), 4, [c2.id]);
  l.addConfirmations([c1, c2, c3]);
  // Stored: a lower bound (no longer watched); asked for: exact, by a walk of its cone.
  assertEquals([...l.all()].find((r) => r.txid === idHex(t1))?.weightExact, false);
  assertEquals(l.getTx(txid(t1), { exactWeight: true })?.weight, 512n + 512n + 16n);
  // The double spend of genesis output 0: t1 is contested, and its weight is exact again.
  const dbl = pay([g], [{ to: dave, amount: 1_000_000n }], T0 + 9000);
  assertEquals(l.addTx(dbl).kind, "accepted");
  const r = l.getTx(txid(t1))!;
  assertEquals(r.weightExact, true);
  assertEquals(r.weight, 512n + 512n + 16n);
  assertEquals(l.getTx(idHex(dbl))?.status, "conflicted");
  // Out-weighing it flips the outcome (weight 2048 > 1040).
  l.addConfirmation(mineConf(txid(dbl), 11));
  assertEquals(l.getTx(idHex(dbl))?.status, "confirmed");
  assertEquals(l.getTx(txid(t2))?.status, "conflicted");
  assertEquals(l.supply().ok, true);
  l.close();
});

Deno.test("Ledger accepts an orphan chain that arrives in reverse order", async () => {
  const l = await open();
  const chain = [pay([g], [{ to: bob, amount: 1_000_000n }])];
  const owners = [bob, carol, dave, alice];
  for (let i = 1; i < 12; i++) {
    const prev = chain[i - 1];
    chain.push(
      pay(
        coinsOf(prev, [owners[(i - 1) % 4]]),
        [{ to: owners[i % 4], amount: 1_000_000n }],
        T0 + i,
      ),
    );
  }
  for (const t of [...chain].reverse().slice(0, -1)) assertEquals(l.addTx(t).kind, "orphan");
  assertEquals(l.addTx(chain[0]).kind, "accepted");
  assertEquals(l.count, 13);
  assertEquals(l.orphans.size, 0);
  for (const t of chain) assertEquals(l.getTx(idHex(t))?.status, "pending");
  assertEquals(l.supply().ok, true);
  l.close();
});

function ledgerState(l: Ledger) {
  const status = new Map<string, string>();
  for (const r of l.all()) status.set(r.txid, r.status);
  return { status, balances: l.balances(), summary: toHex(l.summary().digest) };
}

/** The ledger's statuses, balances and weights against the pure rule's. */
function assertPure(l: Ledger, pure: ReturnType<typeof computeState>, what: string) {
  const s = ledgerState(l);
  assertEquals(s.status, new Map(pure.status), `${what} statuses`);
  assertEquals(s.balances, new Map(pure.balances), `${what} balances`);
  for (const r of l.all()) {
    const w = pure.weight.get(r.txid)!;
    if (r.weightExact) assertEquals(r.weight, w, `${what} weight of ${r.txid}`);
    else {
      assert(r.weight <= w, `${what}: a lower bound above the weight`);
      assert(r.weight >= confirmationWeight(TEST_CONFIRM_WORK), `${what}: unwatched too early`);
    }
    // A confidence query walks the cone: exact for every transaction.
    const q = l.getTx(r.txid, { exactWeight: true })!;
    assert(q.weightExact, `${what}: getTx exact`);
    assertEquals(q.weight, w, `${what} getTx weight of ${r.txid}`);
  }
}

Deno.test("Ledger equals the pure rule and is order-independent on random histories and DAGs", async () => {
  for (let seed = 1; seed <= 10; seed++) {
    const h = randomHistory(seed, 18);
    const rnd = prng(seed);
    const txs = h.items.slice(1).map((i) => i.tx);
    const dag = randomDag(seed, [genesis.tx, ...txs], 30, 6);
    const pure = computeState(
      [
        { txid: toHex(genesis.txid), tx: genesis.tx, baseWeight: 1n << BigInt(genesis.work) },
        ...txs.map((tx) => ({ txid: idHex(tx), tx })),
      ],
      dag.map(stateConf),
      TEST_CONFIRM_WORK,
    );
    let first: ReturnType<typeof ledgerState> | undefined;
    for (let k = 0; k < 3; k++) {
      const l = await open();
      // Transactions and confirmations interleave in a random order: children before
      // parents, confirmations before their transactions and refs.
      const events: (() => void)[] = [
        ...txs.map((tx) => () => void l.addTx(tx)),
        ...dag.map((c) => () => void l.addConfirmation(c)),
      ];
      for (const e of shuffle(events, rnd)) e();
      assertEquals(l.orphans.size, 0);
      assertEquals(l.waitingConfs.size, 0);
      // The status counts kept with every change equal a count of the rows.
      const counted = { pending: 0, confirmed: 0, conflicted: 0, orphan: 0 };
      for (const r of l.all()) counted[r.status]++;
      assertEquals(l.statusCounts(), counted);
      assertPure(l, pure, `seed ${seed} order ${k}`);
      assertEquals(l.supply().ok, true);
      const s = ledgerState(l);
      if (first) assertEquals(s, first);
      first = s;
      l.close();
    }
  }
});

Deno.test("a reopened ledger rebuilds its weights and goes on equal to the pure rule", async () => {
  const dir = await Deno.makeTempDir();
  try {
    for (const seed of [4, 5, 6]) {
      const path = `${dir}/ledger-${seed}.db`;
      const h = randomHistory(seed, 16);
      const txs = h.items.slice(1).map((i) => i.tx);
      const dag = randomDag(seed + 100, [genesis.tx, ...txs], 24, 5);
      const half = Math.floor(dag.length / 2);
      const a = await open(path);
      a.addTxs(txs.slice(0, 10));
      a.addConfirmations(dag.slice(0, half));
      a.close();
      const b = await open(path);
      b.addTxs(txs.slice(10));
      // Confirmations that waited in memory for a transaction are gone with the process (a
      // peer offers them again): offer them all again.
      b.addConfirmations(dag);
      const pure = computeState(
        [
          { txid: toHex(genesis.txid), tx: genesis.tx, baseWeight: 1n << BigInt(genesis.work) },
          ...txs.map((tx) => ({ txid: idHex(tx), tx })),
        ],
        dag.map(stateConf),
        TEST_CONFIRM_WORK,
      );
      assertPure(b, pure, `seed ${seed} after reopen`);
      b.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("openLedger() persists to a file and reopens it", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/ledger.db`;
    const l = await open(path);
    const t1 = pay([g], [{ to: bob, amount: 300n }]);
    l.addTx(t1);
    const before = l.summary();
    l.close();
    const again = await open(path);
    assertEquals(again.getTx(idHex(t1))?.status, "pending");
    assertEquals(again.summary(), before);
    assertEquals(again.integrityCheck(), "ok");
    again.close();
    const ro = await openLedger(path, { genesis, readOnly: true });
    assertEquals(ro.count, 2);
    ro.close();
    // Another network's genesis is refused.
    await assertRejects(
      () => openLedger(path, { genesis: testGenesis(bob) }),
      LedgerError,
      "belongs to network",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the summary kept in the file equals one computed from every item", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/ledger.db`;
    const l = await open(path);
    const txs = randomHistory(3, 30).items.slice(1).map((i) => i.tx);
    l.addTxs(txs);
    const dag = randomDag(3, [genesis.tx, ...txs], 20);
    l.addConfirmations(dag);
    const before = toHex(l.summary().digest);
    const counts = l.statusCounts();
    l.close();
    // From scratch: MuHash3072 of kind ‖ id over the stored transactions and confirmations.
    const acc = new MuHash3072();
    const add = (kind: number, id: Uint8Array) => acc.insert(Uint8Array.of(kind, ...id));
    const again = await open(path);
    assert(again.count > 20, "the history stored transactions");
    for (const r of again.all()) add(0, fromHex(r.txid));
    for (const c of dag) add(1, c.id);
    assertEquals(again.confirmationCount, dag.length);
    assertEquals(toHex(again.summary().digest), before);
    assertEquals(toHex(acc.finalize()), before);
    assertEquals(again.statusCounts(), counts);
    again.close();
    // A file without the stored state (just migrated) gets it recomputed.
    const { DatabaseSync } = await import("node:sqlite");
    const db = new DatabaseSync(path);
    const kept = db.prepare("SELECT value FROM meta WHERE key = 'muhash'").get();
    assertEquals(kept?.value, toHex(acc.toBytes()), "every commit keeps the state in meta");
    db.exec("DELETE FROM meta WHERE key = 'muhash'");
    db.close();
    const third = await open(path);
    assertEquals(toHex(third.summary().digest), before);
    third.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("openLedger() refuses corrupt, foreign and newer files and leaves them untouched", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const garbage = `${dir}/garbage.db`;
    await Deno.writeFile(garbage, crypto.getRandomValues(new Uint8Array(5000)));
    const before = await Deno.readFile(garbage);
    await assertRejects(() => open(garbage), LedgerError, garbage);
    assertEquals(await Deno.readFile(garbage), before);

    const good = `${dir}/good.db`;
    const l = await open(good);
    for (let i = 0; i < 30; i++) l.addTx(pay([g], [{ to: bob, amount: BigInt(i + 1) }], T0 + i));
    l.close();
    const bytes = await Deno.readFile(good);
    const truncated = `${dir}/truncated.db`;
    await Deno.writeFile(truncated, bytes.slice(0, Math.floor(bytes.length / 2)));
    const tBefore = await Deno.readFile(truncated);
    await assertRejects(() => open(truncated), LedgerError, truncated);
    assertEquals(await Deno.readFile(truncated), tBefore);

    const { DatabaseSync } = await import("node:sqlite");
    const foreign = `${dir}/foreign.db`;
    const f = new DatabaseSync(foreign);
    f.exec("CREATE TABLE notes (x TEXT); PRAGMA application_id = 42;");
    f.close();
    const fBefore = await Deno.readFile(foreign);
    await assertRejects(() => open(foreign), LedgerError, "another application");
    assertEquals(await Deno.readFile(foreign), fBefore);

    const newer = `${dir}/newer.db`;
    await Deno.writeFile(newer, bytes);
    const n = new DatabaseSync(newer);
    n.exec("PRAGMA user_version = 99");
    n.close();
    const nBefore = await Deno.readFile(newer);
    await assertRejects(() => open(newer), LedgerError, "newer");
    assertEquals(await Deno.readFile(newer), nBefore);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("Ledger.prepareTxs() + commitTxs() give the same results as addTxs()", async () => {
  // Two workers, and the batch marked as asked for: the workers check every signature and
  // compute the sighash messages, key hashes and digest elements (the product goes in at
  // once, and the duplicate's, the orphan's and the rejections' elements come out again).
  const { openVerifier } = await import("../../lib/ledger/verifier.ts");
  const inner = await openVerifier({ workers: 2 });
  let answered = 0;
  const pool = {
    verifyTxs: async (...args: Parameters<typeof inner.verifyTxs>) => {
      const r = await inner.verifyTxs(...args);
      answered += r?.txs.filter((v) => v !== null).length ?? 0;
      return r;
    },
    close: () => inner.close(),
  };
  try {
    const t1 = pay([g], [{ to: bob, amount: 300n }]);
    const t2 = pay([coinsOf(t1, [bob])[0]], [{ to: carol, amount: 100n }]);
    const t3 = pay([coinsOf(t2, [carol])[0]], [{ to: dave, amount: 100n }]);
    const forged = {
      ...t1,
      outputs: [{ ...t1.outputs[0], amount: 301n }, { ...t1.outputs[1], amount: 999_699n }],
    };
    const thief = pay([{ ...g, keys: bob }], [{ to: bob, amount: 1_000_000n }]);
    // t3 arrives before its parent t2 (an orphan retried inside the batch), t1 twice.
    const batch = [encodeTx(t1), encodeTx(t3), t2, forged, thief, new Uint8Array([7]), t1];
    const a = await open();
    const b = await open();
    const expected = a.addTxs(batch);
    const got = b.commitTxs(await b.prepareTxs(batch, pool, { requested: true }));
    assertEquals(answered, 6, "the workers checked every transaction that decodes");
    assertEquals(got, expected);
    assertEquals(got.map((r) => r.kind), [
      "accepted",
      "orphan",
      "accepted",
      "rejected",
      "rejected",
      "rejected",
      "duplicate",
    ]);
    assertEquals(got[3].kind === "rejected" && got[3].code, "bad-signature");
    // Same statuses, balances and summary digest: a's digest took each element on this
    // thread, b's the workers' product less the elements of what was not stored.
    assertEquals(ledgerState(b), ledgerState(a));
    assert(b.hasTx(idHex(t3)), "the orphan was retried when its parent arrived");
    a.close();
    b.close();
  } finally {
    pool.close();
  }
});

Deno.test("a rolled-back commit leaves nothing behind: its transactions are not parents later", async () => {
  // A verify function that fails (throws, not "false") on t2's signature makes the commit of
  // [t1, t2] roll back; t1 was stored inside it, and then kept in the recent-parents memory.
  const t1 = pay([g], [{ to: bob, amount: 300n }]);
  const t2 = pay([coinsOf(t1, [bob, alice])[1]], [{ to: carol, amount: 100n }]);
  const t3 = pay([coinsOf(t1, [bob, alice])[0]], [{ to: dave, amount: 100n }]);
  let broken = true;
  const l = await openLedger(":memory:", {
    genesis,
    clock: NOW,
    confirmWork: TEST_CONFIRM_WORK,
    verify: (sig, msg, key) => {
      if (broken && bytesEqual(sig, t2.inputs[0].signature)) throw new Error("disk on fire");
      return verifyMessageNoble(sig, msg, key);
    },
  });
  try {
    const before = toHex(l.summary().digest);
    assertThrows(() => l.addTxs([t1, t2]), LedgerError, "disk on fire");
    assertEquals(l.count, 1);
    assertEquals(toHex(l.summary().digest), before, "the digest is the one before the commit");
    assertEquals(l.addTx(t3).kind, "orphan", "t3's parent t1 is not stored");
    broken = false;
    assertEquals(l.addTxs([t1, t2]).map((r) => r.kind), ["accepted", "accepted"]);
    assert(l.hasTx(idHex(t3)), "the orphan t3 was let in by t1");
  } finally {
    l.close();
  }
});

Deno.test("txidsTouching() finds what pays an address and what spends from it, nothing else", async () => {
  const l = await open();
  try {
    const t1 = pay([g], [{ to: bob, amount: 300n }]); // pays bob (and alice's change)
    const t2 = pay([coinsOf(t1, [bob, alice])[0]], [{ to: carol, amount: 100n }]); // bob spends
    const t3 = pay([coinsOf(t1, [bob, alice])[1]], [{ to: dave, amount: 5n }]); // alice to dave
    assertEquals(l.addTxs([t1, t2, t3]).map((r) => r.kind), ["accepted", "accepted", "accepted"]);
    const h = (k: typeof alice) => hash160(k.publicKey);
    assertEquals(l.txidsTouching([h(bob)]), new Set([idHex(t1), idHex(t2)]));
    assertEquals(l.txidsTouching([h(dave)]), new Set([idHex(t3)]));
    assertEquals(l.txidsTouching([h(carol), h(dave)]), new Set([idHex(t2), idHex(t3)]));
    assertEquals(l.txidsTouching([new Uint8Array(20)]), new Set());
    assertEquals(l.txidsTouching([]), new Set());
  } finally {
    l.close();
  }
});

Deno.test("a confirmation that reorders rivals shows no passing 'confirmed' for a loser's child", async () => {
  // W and L spend the same coin; Y1 hardens W, Y2 hardens L, 1 bit each, Y1's pow hash the
  // smaller: W wins. C spends W. Then X (the threshold's bits) confirms C and refs Y2, so W and
  // L gain the same weight and X's hash becomes the best of both: the tie goes to the lower
  // txid, L. C crosses the threshold in the same commit in which its parent loses; its one
  // event must be pending -> conflicted, never a confirmed that a wallet would show, then
  // take back.
  const l = await open();
  try {
    const a = pay([g], [{ to: bob, amount: 100n }], T0 + 1);
    const b = pay([g], [{ to: carol, amount: 100n }], T0 + 2);
    const [L, W] = idHex(a) < idHex(b) ? [a, b] : [b, a];
    const C = pay([coinsOf(W, [W === a ? bob : carol, alice])[0]], [{ to: alice, amount: 10n }]);
    const y1 = mineConf(txid(W), 1);
    let y2 = mineConf(txid(L), 1);
    for (let s = 1n; !(toHex(y1.id) < toHex(y2.id)); s += 1000n) y2 = mineConf(txid(L), 1, [], s);
    l.addTxs([W, L, C]);
    l.addConfirmations([y1, y2]);
    assertEquals([W, L, C].map((t) => l.getTx(idHex(t))?.status), [
      "pending",
      "conflicted",
      "pending",
    ]);
    const events: string[] = [];
    const off = l.subscribe((es) => {
      for (const e of es) if (e.kind === "status") events.push(`${e.txid}:${e.from}->${e.to}`);
    });
    assertEquals(l.addConfirmation(mineConf(txid(C), TEST_CONFIRM_WORK, [y2.id])).kind, "stored");
    off();
    assertEquals([W, L, C].map((t) => l.getTx(idHex(t))?.status), [
      "conflicted",
      "confirmed",
      "conflicted",
    ]);
    assertEquals(events.filter((e) => e.startsWith(idHex(C))), [
      `${idHex(C)}:pending->conflicted`,
    ]);
  } finally {
    l.close();
  }
});
