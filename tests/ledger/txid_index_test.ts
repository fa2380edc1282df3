/**
 * Schema version 5 keeps no SQLite index on txids: a Ledger finds a txid's row through the
 * in-memory TxidIndex (lib/ledger/txid_index.ts) and checks each candidate against the row.
 * Tested here: the table itself (collisions on the first 8 bytes, growth, bad input), the
 * query plans of the statements that read a candidate's row, stale candidates left by a
 * rolled-back commit, and a read-only Ledger that sees what another connection stored after
 * it built its index. Real ledger files throughout.
 */
import { DatabaseSync } from "node:sqlite";
import { assert, assertEquals, assertThrows } from "../helpers/assert.ts";
import { openLedger } from "../../lib/ledger/ledger.ts";
import { LedgerError } from "../../lib/ledger/errors.ts";
import { prepareStatements } from "../../lib/ledger/statements.ts";
import { TxidIndex } from "../../lib/ledger/txid_index.ts";
import { bytesEqual, toHex } from "../../lib/core/hash.ts";
import { verifyMessageNoble } from "../../lib/core/sign.ts";
import { txid } from "../../lib/core/tx.ts";
import { coinsOf, pay, T0, testKeys } from "../helpers/fixtures.ts";
import { testGenesis } from "../helpers/ledger_fixtures.ts";

const [alice, bob, carol] = [0, 1, 2].map(testKeys);

/** 32 random bytes. */
const randomId = () => crypto.getRandomValues(new Uint8Array(32));

Deno.test("TxidIndex: every added txid is found, through growth, and absent ones are not", () => {
  const index = new TxidIndex();
  const ids = Array.from({ length: 20_000 }, randomId);
  ids.forEach((id, i) => index.add(id, i + 1));
  assertEquals(index.size, ids.length);
  // At most half full: 20,000 entries need at least 40,000 slots of 12 bytes.
  assert(index.bytes >= 12 * 40_000 && index.bytes <= 12 * 2 * 65_536, `${index.bytes}`);
  for (const [i, id] of ids.entries()) assertEquals([...index.candidates(id)], [i + 1]);
  for (let k = 0; k < 1000; k++) assertEquals(index.candidates(randomId()).length, 0);
});

Deno.test("TxidIndex: txids sharing their first 8 bytes are all candidates; the rest is ignored", () => {
  const index = new TxidIndex(4);
  const a = randomId();
  const b = randomId();
  b.set(a.subarray(0, 8));
  const c = a.slice();
  c[7] ^= 1; // differs in the last kept byte
  index.add(a, 5);
  index.add(b, 9);
  index.add(c, 11);
  index.add(a, 5); // the same txid again (stored again after a rollback): a second entry
  assertEquals([...index.candidates(a)].sort((x, y) => x - y), [5, 5, 9]);
  assertEquals([...index.candidates(b)].sort((x, y) => x - y), [5, 5, 9]);
  assertEquals([...index.candidates(c)], [11]);
  // Bytes past the 8th do not matter to the table; the Ledger compares whole txids.
  const d = a.slice();
  d[31] ^= 0xff;
  assertEquals(index.candidates(d).length, 3);
});

Deno.test("TxidIndex: bad input is a RangeError, and a short id has no candidates", () => {
  const index = new TxidIndex();
  assertThrows(() => index.add(new Uint8Array(7), 1), RangeError, "expected 32 bytes");
  for (const seq of [0, -1, 1.5, 2 ** 32, Number.NaN]) {
    assertThrows(() => index.add(randomId(), seq), RangeError, "seq");
  }
  assertEquals(index.size, 0);
  assertEquals(index.candidates(new Uint8Array(3)).length, 0);
  index.add(randomId(), 2 ** 32 - 1);
  assertEquals(index.size, 1);
});

Deno.test("TxidIndex.dropAbove() forgets exactly the entries above a seq, and keeps the rest", () => {
  const index = new TxidIndex();
  const ids = Array.from({ length: 3000 }, randomId);
  ids.forEach((id, i) => index.add(id, i + 1));
  const bytes = index.bytes;
  index.dropAbove(3000); // nothing above: unchanged
  assertEquals(index.size, 3000);
  index.dropAbove(1000);
  assertEquals(index.size, 1000);
  assertEquals(index.bytes, bytes, "the table keeps its size");
  for (const [i, id] of ids.entries()) {
    assertEquals([...index.candidates(id)], i < 1000 ? [i + 1] : [], `entry ${i + 1}`);
  }
  // Added again after the drop (a retried commit), each is found once.
  ids.slice(1000, 1500).forEach((id, i) => index.add(id, 1001 + i));
  for (const [i, id] of ids.slice(0, 1500).entries()) {
    assertEquals([...index.candidates(id)], [i + 1]);
  }
  index.dropAbove(0);
  assertEquals(index.size, 0);
  assertEquals(index.candidates(ids[0]).length, 0);
});

Deno.test("no SQLite index holds txids, and each candidate's row is read by its primary key", async () => {
  const dir = await Deno.makeTempDir({ prefix: "crackcoin-txidx-" });
  try {
    const path = `${dir}/ledger.db`;
    const genesis = testGenesis(alice, 1000n);
    const ledger = await openLedger(path, { genesis, clock: () => T0 + 1e6 });
    const ids: Uint8Array[] = [genesis.txid];
    let prev = genesis.txid, index = 0, amount = 1000n;
    for (let i = 0; i < 20; i++) {
      const t = pay([{ txid: prev, index, amount, keys: alice }], [
        { to: bob, amount: 1n },
        { to: alice, amount: amount - 1n },
      ], T0 + i);
      assertEquals(ledger.addTx(t).kind, "accepted");
      prev = txid(t);
      ids.push(prev);
      index = 1;
      amount -= 1n;
    }
    for (const [i, id] of ids.entries()) assertEquals(ledger.seqOf(id), i + 1, toHex(id));
    // A txid that shares the first 8 bytes of a stored one (so the index offers that row) is
    // not stored: the row's whole txid is compared.
    const lookAlike = ids[5].slice();
    lookAlike[31] ^= 1;
    assertEquals(ledger.seqOf(lookAlike), undefined);
    assertEquals(ledger.hasTx(lookAlike), false);
    assertEquals(ledger.getTx(lookAlike), undefined);
    assertEquals(ledger.getRaw(lookAlike), undefined);
    assertEquals(ledger.getItem(lookAlike), undefined);
    assertEquals(ledger.workOf(lookAlike), undefined);
    assertEquals(ledger.hasTx(new Uint8Array(32)), false);
    assertEquals(ledger.getTx(ids[5])?.txid, toHex(ids[5]));
    ledger.close();

    const db = new DatabaseSync(path, { readOnly: true });
    try {
      const indexes = db.prepare(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'txs'",
      ).all() as { name: string; sql: string | null }[];
      for (const x of indexes) assert(!/txid/.test(x.sql ?? ""), `${x.name}: ${x.sql}`);
      const statements = prepareStatements(db);
      for (const name of ["txidAt", "txAt", "parentAt"]) {
        const st = statements[name];
        assert(/\btxid\b/.test(st.sourceSQL), `${name} returns the txid to compare`);
        const plan = (db.prepare(`EXPLAIN QUERY PLAN ${st.sourceSQL}`).all(3) as {
          detail: string;
        }[]).map((r) => r.detail);
        assertEquals(plan, ["SEARCH txs USING INTEGER PRIMARY KEY (rowid=?)"], name);
        assert(bytesEqual((st.get(3) as { txid: Uint8Array }).txid, ids[2]));
      }
    } finally {
      db.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("candidates left by a rolled-back commit never answer, even when their seq is reused", async () => {
  const genesis = testGenesis(alice, 1000n);
  const g = coinsOf(genesis.tx, [alice])[0];
  const t1 = pay([g], [{ to: bob, amount: 300n }], T0 + 1);
  const t2 = pay([coinsOf(t1, [bob, alice])[1]], [{ to: carol, amount: 100n }], T0 + 2);
  const other = pay([g], [{ to: carol, amount: 5n }], T0 + 3);
  let broken = true;
  const dir = await Deno.makeTempDir({ prefix: "crackcoin-txidx-" });
  const ledger = await openLedger(`${dir}/l.db`, {
    genesis,
    clock: () => T0 + 1e6,
    verify: (sig, msg, key) => {
      if (broken && bytesEqual(sig, t2.inputs[0].signature)) throw new Error("disk on fire");
      return verifyMessageNoble(sig, msg, key);
    },
  });
  try {
    // t1 is stored (seq 2, and indexed) inside the commit that t2 then makes roll back.
    assertThrows(() => ledger.addTxs([t1, t2]), LedgerError, "disk on fire");
    assertEquals(ledger.hasTx(txid(t1)), false);
    assertEquals(ledger.seqOf(txid(t1)), undefined);
    // Seq 2 now goes to another transaction: t1's stale candidate points at its row.
    assertEquals(ledger.addTx(other).kind, "accepted");
    assertEquals(ledger.seqOf(txid(other)), 2);
    assertEquals(ledger.hasTx(txid(t1)), false);
    assertEquals(ledger.getTx(txid(t1)), undefined);
    broken = false;
    // t1 double-spends the genesis coin with `other` now, and is stored as a rival.
    assertEquals(ledger.addTxs([t1, t2]).map((r) => r.kind), ["accepted", "accepted"]);
    assertEquals(ledger.seqOf(txid(t1)), 3);
    assertEquals(ledger.seqOf(txid(t2)), 4);
    assertEquals(ledger.addTx(t1).kind, "duplicate");
    ledger.close();
    // A commit that fails again and again (a full disk, a peer resending its batch) leaves no
    // entries behind: the index forgets what each rolled-back write stored.
    let stale = -1;
    const candidates = TxidIndex.prototype.candidates;
    const t3 = pay([coinsOf(t2, [carol])[0]], [{ to: alice, amount: 50n }], T0 + 4);
    const t4 = pay([coinsOf(t3, [alice])[0]], [{ to: bob, amount: 20n }], T0 + 5);
    const failing = await openLedger(`${dir}/l.db`, {
      genesis,
      clock: () => T0 + 1e6,
      verify: (sig, msg, key) => {
        if (bytesEqual(sig, t4.inputs[0].signature)) throw new Error("disk full");
        return verifyMessageNoble(sig, msg, key);
      },
    });
    try {
      for (let i = 0; i < 50; i++) {
        assertThrows(() => failing.addTxs([t3, t4]), LedgerError, "disk full");
      }
      TxidIndex.prototype.candidates = function (id: Uint8Array) {
        const found = candidates.call(this, id);
        if (bytesEqual(id, txid(t3))) stale = found.length;
        return found;
      };
      assertEquals(failing.hasTx(txid(t3)), false);
      assertEquals(stale, 0, "entries of rolled-back writes");
    } finally {
      TxidIndex.prototype.candidates = candidates;
      failing.close();
    }
    // Reopened, the index is built from the rows alone.
    const again = await openLedger(`${dir}/l.db`, { genesis, clock: () => T0 + 1e6 });
    assertEquals([t1, t2, other].map((t) => again.seqOf(txid(t))), [3, 4, 2]);
    again.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a read-only Ledger finds what another connection stored after it built its index", async () => {
  const dir = await Deno.makeTempDir({ prefix: "crackcoin-txidx-" });
  try {
    const path = `${dir}/l.db`;
    const genesis = testGenesis(alice, 1000n);
    const g = coinsOf(genesis.tx, [alice])[0];
    const writer = await openLedger(path, { genesis, clock: () => T0 + 1e6 });
    const t1 = pay([g], [{ to: bob, amount: 300n }], T0 + 1);
    assertEquals(writer.addTx(t1).kind, "accepted");
    const reader = await openLedger(path, { genesis, readOnly: true });
    try {
      assert(reader.hasTx(txid(t1))); // builds its index: genesis and t1
      const t2 = pay([coinsOf(t1, [bob, alice])[0]], [{ to: carol, amount: 100n }], T0 + 2);
      assertEquals(writer.addTx(t2).kind, "accepted");
      assert(reader.hasTx(txid(t2)), "stored by the writer after the reader's index was built");
      assertEquals(reader.getTx(txid(t2))?.seq, 3);
      assertEquals(reader.seqOf(txid(t2)), 3);
      const lookAlike = txid(t2).slice();
      lookAlike[31] ^= 1;
      assertEquals(reader.hasTx(lookAlike), false);
      assertEquals(reader.hasTx(new Uint8Array(5)), false);
    } finally {
      reader.close();
      writer.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
