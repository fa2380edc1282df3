/**
 * SQLite failures are told apart (lib/ledger/db.ts): real errors from real files, so that a
 * healthy ledger that is busy, read-only or unreachable is never called corrupt.
 */
import { assert, assertEquals } from "../helpers/assert.ts";
import { DatabaseSync } from "node:sqlite";
import { leaveWalMode, ledgerFailure, openDatabase, sqliteTrouble } from "../../lib/ledger/db.ts";
import { LedgerError } from "../../lib/ledger/errors.ts";

function caught(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error("no error");
}

async function failure(p: Promise<unknown>): Promise<LedgerError> {
  try {
    await p;
  } catch (e) {
    assert(e instanceof LedgerError, String(e));
    assert(!e.message.includes("\n"), e.message);
    return e;
  }
  throw new Error("opened");
}

Deno.test("sqliteTrouble() names busy, read-only, cannot-open and corrupt from real errors", async () => {
  const dir = await Deno.makeTempDir({ prefix: "crackcoin-sqlite-" });
  try {
    const path = `${dir}/a.db`;
    const holder = new DatabaseSync(path);
    holder.exec("CREATE TABLE t (x); BEGIN EXCLUSIVE; INSERT INTO t VALUES (1)");
    const other = new DatabaseSync(path);
    other.exec("PRAGMA busy_timeout = 0");
    const busy = caught(() => other.exec("INSERT INTO t VALUES (2)"));
    assertEquals(sqliteTrouble(busy), "busy");
    assert(ledgerFailure("write", path, busy).message.includes("busy"));
    assert(!/corrupt/.test(ledgerFailure("write", path, busy).message));
    other.close();
    holder.exec("COMMIT");
    holder.close();

    const reader = new DatabaseSync(path, { readOnly: true });
    const ro = caught(() => reader.exec("INSERT INTO t VALUES (3)"));
    reader.close();
    assertEquals(sqliteTrouble(ro), "read-only");

    const missing = caught(() => new DatabaseSync(`${dir}/no/such/dir/a.db`));
    assertEquals(sqliteTrouble(missing), "cannot-open");

    // A file with SQLite's header and garbage after it is corrupt, and said to be.
    const bytes = await Deno.readFile(path);
    bytes.fill(0xa5, 100);
    await Deno.writeFile(`${dir}/bad.db`, bytes);
    const e = await failure(openDatabase(`${dir}/bad.db`));
    assert(/corrupt/.test(e.message), e.message);
    assert(e.message.includes(`${dir}/bad.db`), e.message);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("openDatabase() on an unreachable or busy ledger says so and never says corrupt", async () => {
  const dir = await Deno.makeTempDir({ prefix: "crackcoin-sqlite-" });
  try {
    const gone = await failure(openDatabase(`${dir}/missing/ledger.db`));
    assert(gone.message.includes(`${dir}/missing/ledger.db`), gone.message);
    assert(!/corrupt/.test(gone.message), gone.message);
    const reader = await failure(openDatabase(`${dir}/absent.db`, { readOnly: true }));
    assert(!/corrupt/.test(reader.message), reader.message);

    const path = `${dir}/ledger.db`;
    (await openDatabase(path)).close();
    // As a stopped node leaves it: rollback journal, where a writer shuts readers out.
    assert(leaveWalMode(path));
    const holder = new DatabaseSync(path);
    holder.exec("BEGIN EXCLUSIVE; PRAGMA user_version = 2; CREATE TABLE lock_it (x)");
    try {
      const e = await failure(openDatabase(path));
      assert(/busy/.test(e.message), e.message);
      assert(!/corrupt/.test(e.message), e.message);
    } finally {
      holder.exec("ROLLBACK");
      holder.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a write cut off mid-way (hot journal): a read-only open says to start a node once, which rolls it back", async () => {
  const dir = await Deno.makeTempDir({ prefix: "crackcoin-sqlite-" });
  try {
    const path = `${dir}/ledger.db`;
    const db = await openDatabase(path);
    db.exec("CREATE TABLE filler (x BLOB); INSERT INTO filler VALUES (randomblob(2000000))");
    db.close();
    assert(leaveWalMode(path));
    // A crash snapshot: the file and its journal copied while a write is open, as a kill -9
    // leaves them (nobody holds the lock on the copies, so the journal is hot). A small page
    // cache makes the write spill into the file before its commit, as a big upgrade does.
    const writer = new DatabaseSync(path);
    writer.exec(
      "PRAGMA cache_size = 10; BEGIN IMMEDIATE; UPDATE filler SET x = randomblob(2000000)",
    );
    await Deno.mkdir(`${dir}/crash`);
    const crashed = `${dir}/crash/ledger.db`;
    await Deno.copyFile(path, crashed);
    await Deno.copyFile(`${path}-journal`, `${crashed}-journal`);
    writer.exec("ROLLBACK");
    writer.close();

    const e = await failure(openDatabase(crashed, { readOnly: true }));
    assertEquals(sqliteTrouble(e.cause), "interrupted");
    assert(e.message.includes("start a node on its data directory once"), e.message);
    assert(!/read-only|corrupt/.test(e.message), e.message);
    // A read-write open rolls the cut-off write back: the file is as before it.
    const fixed = await openDatabase(crashed);
    assertEquals((fixed.prepare("SELECT count(*) AS n FROM filler").get() as { n: number }).n, 1);
    fixed.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
