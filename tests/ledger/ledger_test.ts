import { assert, assertEquals, assertRejects } from "../helpers/assert.ts";
import { addressFromPublicKey } from "../../lib/core/address.ts";
import { bytesEqual, fromHex, sha256, toHex } from "../../lib/core/hash.ts";
import { computeState } from "../../lib/core/state.ts";
import { encodeTx, txid } from "../../lib/core/tx.ts";
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
import { nonceForWork, TEST_CONFIRM_WORK, testGenesis } from "../helpers/ledger_fixtures.ts";

const [alice, bob, carol, dave] = [0, 1, 2, 3].map(testKeys);
const genesis = testGenesis(alice);
const NOW = () => T0 + 60_000;
const open = async (path = ":memory:", onStatusChange?: (c: readonly StatusChange[]) => void) => {
  const l = await openLedger(path, { genesis, clock: NOW, confirmWork: TEST_CONFIRM_WORK });
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
  const id = txid(t1);
  l.addConfirmation(id, nonceForWork(id, 3));
  assertEquals(seen.pop()?.filter(isConfEvent).map((e) => e.kind), ["improved"]);
  unsubscribe();
  l.addTx(t1);
  assertEquals(seen.length, 0, "no events after unsubscribing");
  l.close();
});

Deno.test("Ledger.addConfirmation() keeps only strictly more work", async () => {
  const l = await open();
  const t1 = pay([g], [{ to: bob, amount: 300n }]);
  l.addTx(t1);
  const id = txid(t1);
  assertEquals(l.addConfirmation(id, nonceForWork(id, 9)).kind, "improved");
  assertEquals(l.getTx(id)?.work, 9);
  assertEquals(l.getTx(id)?.status, "confirmed");
  assertEquals(l.addConfirmation(id, nonceForWork(id, 9)).kind, "not-better");
  assertEquals(l.addConfirmation(id, nonceForWork(id, 4)).kind, "not-better");
  assertEquals(l.getTx(id)?.work, 9);
  assertEquals(l.balance(addr(bob)), { confirmed: 300n, pending: 0n });
  // A confirmation that arrives before its transaction is applied when the tx arrives.
  const t2 = pay([coinsOf(t1, [bob])[0]], [{ to: dave, amount: 1n }]);
  const id2 = txid(t2);
  assertEquals(l.addConfirmation(id2, nonceForWork(id2, 10)).kind, "unknown");
  l.addTx(t2);
  assertEquals(l.getTx(id2)?.work, 10);
  l.close();
});

Deno.test("Ledger flips a conflict when confirmations change the winner", async () => {
  const l = await open();
  const toBob = pay([g], [{ to: bob, amount: 1_000_000n }]);
  const toCarol = pay([g], [{ to: carol, amount: 1_000_000n }], T0 + 2000);
  const bobToDave = pay(coinsOf(toBob, [bob]), [{ to: dave, amount: 1_000_000n }]);
  for (const t of [toBob, toCarol, bobToDave]) assertEquals(l.addTx(t).kind, "accepted");
  l.addConfirmation(txid(toBob), nonceForWork(txid(toBob), 9));
  l.addConfirmation(txid(bobToDave), nonceForWork(txid(bobToDave), 9));
  assertEquals(l.getTx(toHex(txid(toCarol)))?.status, "conflicted");
  assertEquals(l.balance(addr(dave)).confirmed, 1_000_000n);
  l.addConfirmation(txid(toCarol), nonceForWork(txid(toCarol), 11));
  assertEquals(l.getTx(idHex(toCarol))?.status, "confirmed");
  assertEquals(l.getTx(idHex(toBob))?.status, "conflicted");
  assertEquals(l.getTx(idHex(bobToDave))?.status, "conflicted");
  assertEquals(l.balance(addr(dave)), { confirmed: 0n, pending: 0n });
  assertEquals(l.balance(addr(carol)).confirmed, 1_000_000n);
  assertEquals(l.supply().ok, true);
  // Miners are pointed at winners only.
  const least = l.leastConfirmed(32);
  assert(least !== null && toHex(least.txid) !== idHex(toBob));
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

Deno.test("Ledger equals the pure rule and is order-independent on random histories", async () => {
  for (let seed = 1; seed <= 12; seed++) {
    const h = randomHistory(seed, 20);
    const rnd = prng(seed);
    const items = h.items.slice(1).map((i) => ({ tx: i.tx, work: i.work % 11 }));
    const pure = computeState(
      [
        { txid: toHex(genesis.txid), tx: genesis.tx, work: genesis.work },
        ...items.map((i) => ({
          txid: idHex(i.tx),
          tx: i.tx,
          work: i.work,
        })),
      ],
      TEST_CONFIRM_WORK,
    );
    let first: ReturnType<typeof ledgerState> | undefined;
    for (let k = 0; k < 3; k++) {
      const l = await open();
      // Transactions and confirmations interleave in a random order; confirmations may
      // arrive in several steps of increasing or decreasing work.
      const events: (() => void)[] = [];
      for (const i of items) {
        events.push(() => l.addTx(i.tx));
        const id = txid(i.tx);
        if (i.work > 0) events.push(() => l.addConfirmation(id, nonceForWork(id, i.work)));
        if (i.work > 2) events.push(() => l.addConfirmation(id, nonceForWork(id, i.work - 2)));
      }
      for (const e of shuffle(events, rnd)) e();
      const s = ledgerState(l);
      assertEquals(l.orphans.size, 0);
      // The status counts kept with every change equal a count of the rows.
      const counted = { pending: 0, confirmed: 0, conflicted: 0, orphan: 0 };
      for (const r of l.all()) counted[r.status]++;
      assertEquals(l.statusCounts(), counted);
      assertEquals(s.status, new Map([...pure.status].map(([a, b]) => [a, b])), `seed ${seed}`);
      assertEquals(s.balances, new Map(pure.balances), `seed ${seed} balances`);
      assertEquals(l.supply().ok, true);
      if (first) assertEquals(s, first);
      first = s;
      l.close();
    }
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

Deno.test("the summary kept in the file equals one computed from every row", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/ledger.db`;
    const l = await open(path);
    for (const i of randomHistory(3, 30).items.slice(1)) {
      l.addTx(i.tx);
      const id = txid(i.tx);
      if (i.work % 11 > 0) l.addConfirmation(id, nonceForWork(id, i.work % 11));
    }
    const before = toHex(l.summary().digest);
    const counts = l.statusCounts();
    l.close();
    // From scratch: XOR of SHA-256(txid ‖ work as u16) over the stored transactions.
    const fromRows = (x: Ledger) => {
      const acc = new Uint8Array(32);
      for (const r of x.all()) {
        const h = sha256(Uint8Array.of(...fromHex(r.txid), r.work >> 8, r.work & 0xff));
        h.forEach((b, k) => acc[k] ^= b);
      }
      return toHex(acc);
    };
    const again = await open(path);
    assert(again.count > 20, "the history stored transactions");
    assertEquals(toHex(again.summary().digest), before);
    assertEquals(fromRows(again), before);
    assertEquals(again.statusCounts(), counts);
    again.close();
    // A file without the stored digest (as written before it was kept) gets it recomputed.
    const { DatabaseSync } = await import("node:sqlite");
    const db = new DatabaseSync(path);
    const kept = db.prepare("SELECT value FROM meta WHERE key = 'digest'").get();
    assertEquals(kept?.value, before, "every commit keeps the digest in meta");
    db.exec("DELETE FROM meta WHERE key = 'digest'");
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
  const { VerifyPool } = await import("../../lib/ledger/verify_pool.ts");
  const pool = new VerifyPool(2);
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
    const got = b.commitTxs(await b.prepareTxs(batch, pool));
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
    assertEquals(ledgerState(b), ledgerState(a));
    assert(b.hasTx(idHex(t3)), "the orphan was retried when its parent arrived");
    a.close();
    b.close();
  } finally {
    pool.close();
  }
});
