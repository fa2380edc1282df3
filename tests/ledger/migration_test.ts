/**
 * Schema migration: a ledger written by the schema-1 code (tests/ledger/fixtures/
 * ledger_v1.db, made at commit a53ad3c: the genesis, five payments with a double spend and a
 * child of each side, four confirmations; ledger_v1.json is what that code reported for it)
 * opens under the current schema (6, protocol v2) through migrations 2 to 6 with every
 * transaction in its place. Version 1 confirmations are dropped (docs/PROTOCOL.md §11), so
 * statuses are the pure rule's over the transactions alone, and v2 confirmations then harden
 * them again. The migrated tables match a freshly created database column for column.
 * @module
 */
import { DatabaseSync } from "node:sqlite";
import { assert, assertEquals, assertRejects } from "../helpers/assert.ts";
import { addressFromPublicKey } from "../../lib/core/address.ts";
import { fromHex, toHex } from "../../lib/core/hash.ts";
import { openDatabase, SCHEMA_VERSION } from "../../lib/ledger/db.ts";
import { LedgerError } from "../../lib/ledger/errors.ts";
import { type Ledger, openLedger } from "../../lib/ledger/ledger.ts";
import { computeState } from "../../lib/core/state.ts";
import { mineConf } from "../helpers/dag.ts";
import { idHex, pay, T0, testKeys } from "../helpers/fixtures.ts";
import { backToSchema5Sql, TEST_CONFIRM_WORK, testGenesis } from "../helpers/ledger_fixtures.ts";

const FIXTURE = new URL("./fixtures/ledger_v1.db", import.meta.url);
const [alice, bob, carol] = [0, 1, 2].map(testKeys);
const genesis = testGenesis(alice);
const open = (path: string, readOnly = false) =>
  openLedger(path, {
    genesis,
    clock: () => T0 + 1e6,
    confirmWork: TEST_CONFIRM_WORK,
    minConfBits: 1,
    readOnly,
  });

interface Expected {
  txs: { txid: string; seq: number; work: number; nonce: string | null; status: string }[];
  balances: Record<string, { confirmed: string; pending: string }>;
  count: number;
  digest: string;
  least: { txid: string; work: number };
}

/** Runs `fn` with a fresh temporary directory, removed after. */
async function inTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "crackcoin-migrate-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Runs `fn` on a copy of the schema-1 fixture. */
async function withCopy(fn: (path: string) => Promise<void>): Promise<void> {
  await inTempDir(async (dir) => {
    const path = `${dir}/ledger.db`;
    await Deno.copyFile(FIXTURE, path);
    await fn(path);
  });
}

/** The value of `PRAGMA name` on `db` (a number, or a string such as a journal mode). */
function pragma<T extends number | string = number>(db: DatabaseSync, name: string): T {
  return (db.prepare(`PRAGMA ${name}`).get() as Record<string, T>)[name];
}

/** Columns and indexes of every table, in a form that ignores how the SQL text was written. */
function shape(path: string): unknown {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    const tables = (db.prepare(
      "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name",
    ).all() as { name: string }[]).map((t) => t.name);
    return tables.map((t) => ({
      table: t,
      checks: checksOf(
        (db.prepare("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?")
          .get(t) as { sql: string }).sql,
      ),
      columns: db.prepare(`PRAGMA table_xinfo("${t}")`).all(),
      keys: db.prepare(`PRAGMA foreign_key_list("${t}")`).all().map((k) => ({ ...k, id: 0 })),
      indexes: (db.prepare(`PRAGMA index_list("${t}")`).all() as { name: string }[])
        .map((i) => ({
          ...i,
          name: i.name.startsWith("sqlite_autoindex") ? "auto" : i.name,
          seq: 0,
          columns: db.prepare(`PRAGMA index_xinfo("${i.name}")`).all(),
          // index_xinfo shows an expression key only as "no column" and a partial index's
          // WHERE not at all: its SQL text tells substr(txid, 1, 8) from substr(txid, 1, 9).
          sql: ((db.prepare("SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?")
            .get(i.name) as { sql: string | null } | undefined)?.sql ?? "")
            .replace(/\s+/g, " "),
        }))
        .sort((a, b) => a.name.localeCompare(b.name)),
    }));
  } finally {
    db.close();
  }
}

/** Makes a current ledger at `path` holding the genesis and one payment, which it returns. */
async function ledgerWithOnePayment(path: string) {
  const l = await open(path);
  const t = pay([{ txid: genesis.txid, index: 0, amount: genesis.supply, keys: alice }], [
    { to: bob, amount: 1n },
    { to: alice, amount: genesis.supply - 1n },
  ], T0 + 1);
  assertEquals(l.addTx(t).kind, "accepted");
  l.close();
  return t;
}

/**
 * Stores `n` payments of 1 from alice to bob on `l`, each spending the change of the one
 * before (the first spends the genesis). Returns their txids and the last change amount.
 */
function payChain(l: Ledger, n: number): { ids: Uint8Array[]; change: bigint } {
  let prev = genesis.txid, index = 0, amount = genesis.supply;
  const ids: Uint8Array[] = [];
  for (let i = 0; i < n; i++) {
    const t = pay([{ txid: prev, index, amount, keys: alice }], [
      { to: bob, amount: 1n },
      { to: alice, amount: amount - 1n },
    ], T0 + i);
    assertEquals(l.addTx(t).kind, "accepted");
    prev = fromHex(idHex(t));
    ids.push(prev);
    index = 1;
    amount -= 1n;
  }
  return { ids, change: amount };
}

/** A table's CHECK constraints, from its SQL text without comments or layout. */
function checksOf(sql: string): string[] {
  const flat = sql.replace(/--[^\n]*/g, "").replace(/\s+/g, " ");
  return [...flat.matchAll(/CHECK \(((?:[^()]|\([^()]*\))*)\)/g)].map((m) => m[1]);
}

Deno.test("a schema-1 ledger migrates with every transaction, status and balance", async () => {
  const expected = JSON.parse(
    await Deno.readTextFile(new URL("./fixtures/ledger_v1.json", import.meta.url)),
  ) as Expected;
  await withCopy(async (path) => {
    const before = new DatabaseSync(path, { readOnly: true });
    assertEquals(
      pragma(before, "user_version"),
      1,
    );
    before.close();
    const l = await open(path);
    const records = [...l.all()];
    // Every transaction, in its storage order.
    assertEquals(
      records.map((r) => ({ txid: r.txid, seq: r.seq })),
      expected.txs.map((t) => ({ txid: t.txid, seq: t.seq })),
    );
    assertEquals(l.count, expected.count);
    assertEquals(l.confirmationCount, 0, "v1 confirmations are dropped");
    // Statuses and balances are the pure rule's over the transactions alone.
    const pure = computeState(
      records.map((r) => ({
        txid: r.txid,
        tx: r.tx,
        baseWeight: r.seq === 1 ? 1n << BigInt(genesis.work) : undefined,
      })),
      [],
      TEST_CONFIRM_WORK,
    );
    assertEquals(new Map(records.map((r) => [r.txid, r.status])), pure.status);
    assertEquals(l.balances(), pure.balances);
    assert(records.some((r) => r.status === "conflicted"), "the double spend is still decided");
    assertEquals(l.supply().ok, true);
    assertEquals(l.integrityCheck(), "ok");
    // v2 confirmations harden the migrated transactions again: one on each live leaf
    // approves its ancestors.
    for (const r of records.filter((r) => r.status === "pending")) {
      l.addConfirmation(mineConf(fromHex(r.txid), TEST_CONFIRM_WORK));
    }
    assert(
      [...l.all()].every((r) => r.status !== "pending"),
      "every live migrated transaction is confirmed again",
    );
    // The migrated ledger keeps working: carol spends a confirmed coin.
    const coin = l.unspent(addressFromPublicKey(carol.publicKey)).find((c) =>
      c.status === "confirmed"
    )!;
    const t = pay(
      [{
        txid: fromHex(coin.txid),
        index: coin.index,
        amount: coin.amount,
        keys: carol,
      }],
      [{ to: bob, amount: 1n }],
      T0 + 10,
    );
    assertEquals(l.addTx(t).kind, "accepted");
    assert(
      l.getTx(idHex(t))!.seq > expected.count,
      "storage order goes on after the migrated rows",
    );
    assertEquals(l.supply().ok, true);
    l.close();
    const after = new DatabaseSync(path, { readOnly: true });
    assertEquals(
      pragma(after, "user_version"),
      SCHEMA_VERSION,
    );
    after.close();
    // The migrated tables are the ones a new ledger gets.
    const fresh = `${path}.fresh.db`;
    (await open(fresh)).close();
    const migrated = shape(path) as { table: string; columns: unknown[] }[];
    assertEquals(migrated.map((t) => t.table), [
      "conf_refs",
      "confs",
      "meta",
      "outputs",
      "spends",
      "txs",
    ]);
    assertEquals(migrated.find((t) => t.table === "txs")?.columns.length, 9);
    assertEquals(migrated, shape(fresh));
  });
});

Deno.test("a read-only open of a schema-1 ledger refuses and leaves the file untouched", async () => {
  await withCopy(async (path) => {
    const bytes = await Deno.readFile(path);
    await assertRejects(
      () => open(path, true),
      LedgerError,
      `needs a migration (schema version 1 to ${SCHEMA_VERSION}): start a node on its data directory once`,
    );
    assert((await Deno.readFile(path)).every((b, i) => b === bytes[i]));
  });
});

Deno.test("a schema-3 ledger with confirmations migrates to 6 with every row, ref and weight", async () => {
  await inTempDir(async (dir) => {
    const path = `${dir}/ledger.db`;
    // A ledger with a chain of payments, a double spend and confirmations that ref each other.
    const l = await open(path);
    const { ids, change: amount } = payChain(l, 6);
    const twin = pay([{ txid: ids[4], index: 1, amount: amount + 1n, keys: alice }], [
      { to: carol, amount: amount + 1n },
    ], T0 + 50);
    assertEquals(l.addTx(twin).kind, "accepted");
    const c1 = mineConf(ids[2], 6);
    assertEquals(l.addConfirmation(c1).kind, "stored");
    const c2 = mineConf(ids[5], 6, [c1.id]);
    assertEquals(l.addConfirmation(c2).kind, "stored");
    const before = {
      records: [...l.all()].map((r) => ({ txid: r.txid, seq: r.seq, status: r.status })),
      work: ids.map((id) => l.workOf(id)),
      confs: [...l.confirmations()].map((c) => c.id),
      digest: l.summary().digest,
    };
    assertEquals(l.confirmationCount, 2);
    l.close();
    // Back to schema 3 by hand: the UNIQUE index on the whole txid, no prefix index.
    const db = new DatabaseSync(path);
    db.exec(
      "CREATE UNIQUE INDEX txs_txid_v3 ON txs (txid); " +
        "PRAGMA user_version = 3",
    );
    const tables = ["txs", "outputs", "spends", "confs", "conf_refs"];
    const rows = (d: DatabaseSync): [string, unknown[]][] =>
      tables.map((t) => [t, d.prepare(`SELECT * FROM ${t} ORDER BY 1, 2`).all()]);
    const rowsBefore = rows(db);
    db.close();

    // The node logs each step before it runs (a big ledger takes a while).
    const steps: [number, number][] = [];
    const m = await openLedger(path, {
      genesis,
      clock: () => T0 + 1e6,
      confirmWork: TEST_CONFIRM_WORK,
      minConfBits: 1,
      onMigrate: (from, to) => steps.push([from, to]),
    });
    assertEquals(steps, [[3, 4], [4, 5], [5, 6]]);
    // Every row of every rebuilt table is there, unchanged, the conf_refs edge c2 -> c1
    // included.
    const after = new DatabaseSync(path, { readOnly: true });
    const rowsAfter = rows(after);
    after.close();
    assertEquals(rowsAfter.map(([t]) => t), tables);
    for (const [i, [t, r]] of rowsBefore.entries()) assertEquals(rowsAfter[i][1], r, t);
    assertEquals(
      rowsAfter[4][1].map((r) => ({ ...r as object })),
      [{ ref: 2 + ids.length + 1, conf: 2 + ids.length + 2 }],
    );
    assertEquals(
      [...m.all()].map((r) => ({ txid: r.txid, seq: r.seq, status: r.status })),
      before.records,
    );
    assertEquals(ids.map((id) => m.workOf(id)), before.work);
    assertEquals([...m.confirmations()].map((c) => c.id), before.confs);
    assertEquals(m.summary().digest, before.digest);
    assertEquals(m.integrityCheck(), "ok");
    assertEquals(m.supply().ok, true);
    // Lookups by txid and the confirmation DAG work on the migrated file.
    assert(m.hasTx(idHex(twin)));
    assertEquals(m.getConfirmation(c2.id)?.refs.length, 1);
    const c3 = mineConf(ids[5], 6, [c2.id]);
    assertEquals(m.addConfirmation(c3).kind, "stored");
    m.close();
    (await openLedger(path, { genesis, onMigrate: (f, t) => steps.push([f, t]) })).close();
    assertEquals(steps, [[3, 4], [4, 5], [5, 6]], "a migrated file is not migrated again");
    const fresh = `${dir}/fresh.db`;
    (await open(fresh)).close();
    assertEquals(shape(path), shape(fresh));
  });
});

Deno.test("a schema-4 ledger with the 8-byte txid index (as 004 first made it) migrates to 6", async () => {
  await inTempDir(async (dir) => {
    const path = `${dir}/ledger.db`;
    const t = await ledgerWithOnePayment(path);
    const db = new DatabaseSync(path);
    db.exec("CREATE INDEX txs_by_txid ON txs (substr(txid, 1, 8)); PRAGMA user_version = 4");
    db.close();
    const steps: [number, number][] = [];
    const m = await openLedger(path, {
      genesis,
      clock: () => T0 + 1e6,
      onMigrate: (from, to) => steps.push([from, to]),
    });
    assertEquals(steps, [[4, 5], [5, 6]]);
    assertEquals(m.seqOf(fromHex(idHex(t))), 2);
    assertEquals(m.addTx(t).kind, "duplicate");
    m.close();
    const fresh = `${dir}/fresh.db`;
    (await open(fresh)).close();
    assertEquals(shape(path), shape(fresh), "the index is gone");
  });
});

Deno.test("a schema-5 ledger migrates to 6: txs copied row for row, its CHECK without an IN list", async () => {
  await inTempDir(async (dir) => {
    const path = `${dir}/ledger.db`;
    const l = await open(path);
    const prev = payChain(l, 4).ids[3];
    assertEquals(l.addConfirmation(mineConf(prev, 6)).kind, "stored");
    const digest = l.summary().digest;
    l.close();
    // Back to schema 5 by hand: txs as version 5 wrote it, the IN list in its CHECK.
    const db = new DatabaseSync(path);
    db.exec(backToSchema5Sql(db));
    db.exec("PRAGMA user_version = 5");
    const tables = ["txs", "outputs", "spends", "confs", "conf_refs"];
    const rows = (d: DatabaseSync) => tables.map((t) => d.prepare(`SELECT * FROM ${t}`).all());
    const rowsBefore = rows(db);
    db.close();

    const steps: [number, number][] = [];
    const m = await openDatabase(path, { onMigrate: (from, to) => steps.push([from, to]) });
    assertEquals(steps, [[5, 6]]);
    assertEquals(rows(m), rowsBefore, "every row, with its seq");
    assertEquals(m.prepare("PRAGMA foreign_key_check").all(), []);
    // Foreign keys are on again after the step, and the new CHECK holds.
    assertEquals(
      pragma(m, "foreign_keys"),
      1,
    );
    let refused = "";
    try {
      m.prepare("INSERT INTO spends (prev, prev_idx, tx) VALUES (999, 0, 999)").run();
    } catch (e) {
      refused = (e as Error).message;
    }
    assert(refused.includes("FOREIGN KEY"), `a dangling spend is refused: ${refused}`);
    refused = "";
    try {
      m.prepare("UPDATE txs SET status = 'orphan' WHERE seq = 2").run();
    } catch (e) {
      refused = (e as Error).message;
    }
    assert(refused.includes("CHECK"), `a status outside the three is refused: ${refused}`);
    m.close();

    const l2 = await open(path);
    assertEquals(l2.summary().digest, digest);
    assertEquals(l2.integrityCheck(), "ok");
    assertEquals(l2.supply().ok, true);
    assert(l2.hasTx(toHex(prev)));
    l2.close();
    const fresh = `${dir}/fresh.db`;
    (await open(fresh)).close();
    assertEquals(shape(path), shape(fresh));
    const txsChecks = (shape(path) as { table: string; checks: string[] }[])
      .find((t) => t.table === "txs")!.checks;
    assertEquals(txsChecks, [
      "status = 'pending' OR status = 'confirmed' OR status = 'conflicted'",
    ]);
  });
});

Deno.test("a schema-5 file with a row that already names a missing row migrates, the row kept", async () => {
  await inTempDir(async (dir) => {
    const path = `${dir}/ledger.db`;
    (await open(path)).close();
    // Damage from outside the node (its connections enforce foreign keys): a spend naming a
    // transaction that is not there. The copy of txs must not make more such rows, and the
    // step keeps this one as it was; 006 rejects nothing the old version ran with.
    const db = new DatabaseSync(path);
    db.exec(
      "PRAGMA foreign_keys = OFF; INSERT INTO spends (prev, prev_idx, tx) VALUES (1, 0, 77); " +
        "PRAGMA user_version = 5",
    );
    const dangling = db.prepare("PRAGMA foreign_key_check").all();
    assertEquals(dangling.length, 1);
    db.close();
    const steps: [number, number][] = [];
    const m = await openDatabase(path, { onMigrate: (from, to) => steps.push([from, to]) });
    assertEquals(steps, [[5, 6]]);
    assertEquals(m.prepare("PRAGMA foreign_key_check").all(), dangling);
    assertEquals(m.prepare("SELECT * FROM spends WHERE tx = 77").all().length, 1);
    assertEquals(
      pragma(m, "foreign_keys"),
      1,
    );
    m.close();
  });
});

Deno.test("a schema-5 ledger left in WAL mode by a crash migrates in rollback-journal mode, WAL again after", async () => {
  await inTempDir(async (dir) => {
    const path = `${dir}/ledger.db`;
    const t = await ledgerWithOnePayment(path);
    // Schema 5 by hand, written in WAL mode and copied while its connection is open: the copy
    // has the committed schema change only in its -wal, as a node killed then leaves it.
    const db = new DatabaseSync(path);
    db.exec("PRAGMA journal_mode = WAL");
    db.exec(backToSchema5Sql(db));
    db.exec("PRAGMA user_version = 5");
    await Deno.mkdir(`${dir}/crash`);
    const crashed = `${dir}/crash/ledger.db`;
    await Deno.copyFile(path, crashed);
    await Deno.copyFile(`${path}-wal`, `${crashed}-wal`);
    db.close();
    assert((await Deno.stat(`${crashed}-wal`)).size > 0, "the schema-5 change is in the WAL");

    const journalModes: string[] = [];
    const m = await openDatabase(crashed, {
      onMigrate: () => {
        // Before the step runs: the file has left WAL mode already.
        const probe = new DatabaseSync(crashed, { readOnly: true });
        journalModes.push(
          pragma<string>(probe, "journal_mode"),
        );
        probe.close();
      },
    });
    assertEquals(journalModes, ["delete"]);
    assertEquals(
      pragma<string>(m, "journal_mode"),
      "wal",
    );
    assertEquals(
      pragma(m, "user_version"),
      6,
    );
    assertEquals((m.prepare("SELECT count(*) AS n FROM txs").get() as { n: number }).n, 2);
    m.close();
    const l2 = await open(crashed);
    assertEquals(l2.seqOf(fromHex(idHex(t))), 2);
    assertEquals(l2.integrityCheck(), "ok");
    l2.close();
  });
});
