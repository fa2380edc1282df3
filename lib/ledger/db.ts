/**
 * Opening the SQLite file: header and identity checks before anything is written, schema
 * creation, migrations, WAL mode. Nothing happens at import time.
 * @module
 */
import { DatabaseSync } from "node:sqlite";
import { LedgerError } from "./errors.ts";

/** Schema version this code writes (PRAGMA user_version). */
export const SCHEMA_VERSION = 6;
/** PRAGMA application_id marking a crackcoin ledger ("CRKC"). */
export const APPLICATION_ID = 0x43524b43;

const SQLITE_HEADER = "SQLite format 3\0";

/** One upgrade step: its SQL file (under sql/) and what it does and costs, for the log. */
export interface Migration {
  readonly file: string;
  readonly note: string;
  /**
   * The step replaces a table that foreign keys name (a copy takes its name): foreign keys are
   * off while it runs, and `PRAGMA foreign_key_check` must find no more rows naming a missing
   * row after it than before, or it is rolled back (the procedure of SQLite's "Making Other
   * Kinds Of Table Schema Changes").
   */
  readonly replacesReferencedTable?: boolean;
}

/**
 * Upgrades, by the version they start from: sql/migrations/NNN.sql turns version NNN-1 into
 * NNN. `migrate` applies them in order, each in one database transaction together with its new
 * user_version, so a crash leaves either the old version or the new one. A node logs each
 * step's note before running it (`openLedger`'s `onMigrate`).
 */
export const MIGRATIONS: Readonly<Record<number, Migration>> = Object.freeze({
  1: { file: "migrations/002.sql", note: "rebuilds the tables in arrival order" },
  2: {
    file: "migrations/003.sql",
    note: "protocol v2: drops the v1 confirmations; every status is recomputed once",
  },
  3: {
    file: "migrations/004.sql",
    note: "rebuilds the tables: about 1.5 s per 100,000 transactions",
  },
  4: { file: "migrations/005.sql", note: "drops an index: instant" },
  5: {
    file: "migrations/006.sql",
    note: "copies the transactions table, about 0.4 s per 100,000 transactions, and needs " +
      "free disk space for the copy",
    replacesReferencedTable: true,
  },
});

async function readSql(name: string): Promise<string> {
  return await Deno.readTextFile(new URL(`../../sql/${name}`, import.meta.url));
}

function describe(path: string): string {
  return path === ":memory:" ? "in-memory ledger" : `ledger file ${path}`;
}

/** Checks the first bytes of an existing file without opening it for writing. */
async function checkHeader(path: string): Promise<void> {
  let file: Deno.FsFile;
  try {
    if ((await Deno.stat(path)).isDirectory) {
      throw new LedgerError(
        `The ${describe(path)} is a directory, not a database; move it away to start a ledger`,
      );
    }
    file = await Deno.open(path, { read: true });
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return;
    if (e instanceof LedgerError) throw e;
    throw new LedgerError(`Cannot read ${describe(path)}: ${firstLine(e)}`, { cause: e });
  }
  try {
    const buf = new Uint8Array(100);
    let n = 0;
    while (n < buf.length) {
      const r = await file.read(buf.subarray(n));
      if (r === null) break;
      n += r;
    }
    if (n === 0) return; // an empty file is a new database
    const head = new TextDecoder("latin1").decode(buf.subarray(0, Math.min(n, 16)));
    if (n < 100 || head !== SQLITE_HEADER) {
      throw new LedgerError(
        `The ${describe(path)} is not an SQLite database (corrupt or foreign); ` +
          `it was left untouched. Move it away to start a new ledger.`,
      );
    }
  } finally {
    file.close();
  }
}

function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split("\n")[0];
}

/** What went wrong in SQLite, told apart so that a healthy ledger is never called corrupt. */
export type SqliteTrouble =
  | "busy"
  | "interrupted"
  | "read-only"
  | "cannot-open"
  | "full"
  | "io"
  | "corrupt"
  | "other";

/** Extended result code 776, https://www.sqlite.org/rescode.html#readonly_rollback */
const SQLITE_READONLY_ROLLBACK = 8 | (3 << 8);

// Primary result codes, https://www.sqlite.org/rescode.html
const TROUBLE_BY_CODE: Readonly<Record<number, SqliteTrouble>> = {
  3: "read-only", // SQLITE_PERM
  5: "busy", // SQLITE_BUSY
  6: "busy", // SQLITE_LOCKED
  8: "read-only", // SQLITE_READONLY
  10: "io", // SQLITE_IOERR
  11: "corrupt", // SQLITE_CORRUPT
  13: "full", // SQLITE_FULL
  14: "cannot-open", // SQLITE_CANTOPEN
  26: "corrupt", // SQLITE_NOTADB
};

/**
 * Classifies a node:sqlite error by its `errcode` (extended codes keep the primary code in
 * the low byte), else by SQLite's standard message text (some errors come without a code).
 */
export function sqliteTrouble(e: unknown): SqliteTrouble {
  const code = (e as { errcode?: unknown })?.errcode;
  // SQLITE_READONLY_ROLLBACK: a hot journal (a write cut off by a crash or a kill) that a
  // read-only connection cannot roll back. The place is writable; a read-write open fixes it.
  if (code === SQLITE_READONLY_ROLLBACK) return "interrupted";
  if (typeof code === "number" && TROUBLE_BY_CODE[code & 0xff]) return TROUBLE_BY_CODE[code & 0xff];
  const text = firstLine(e).toLowerCase();
  if (text.includes("disk is full") || text.includes("no space left")) return "full";
  if (text.includes("readonly") || text.includes("read-only")) return "read-only";
  if (text.includes("unable to open")) return "cannot-open";
  if (text.includes("locked") || text.includes("busy")) return "busy";
  if (text.includes("disk i/o")) return "io";
  if (text.includes("malformed") || text.includes("not a database")) return "corrupt";
  return "other";
}

const TROUBLE_TEXT: Readonly<Record<SqliteTrouble, string>> = {
  busy: "it is locked by another program (busy)",
  interrupted: "a write to it was cut off (the node or an upgrade stopped in the middle) and " +
    "must be rolled back first: start a node on its data directory once, which does that",
  "read-only": "the file or its directory is read-only",
  "cannot-open": "it cannot be opened (a read-only place, missing permission or directory)",
  full: "the disk is full",
  io: "the disk reported an I/O error",
  corrupt: "the file is corrupt",
  other: "SQLite failed",
};

/**
 * A LedgerError for a driver error on `path`, in one line: what could not be done, why
 * (read-only, cannot open, disk full, busy, I/O, corrupt) and SQLite's own words. Only a
 * corrupt file is called corrupt; the file is never touched.
 */
export function ledgerFailure(action: string, path: string, e: unknown): LedgerError {
  const t = sqliteTrouble(e);
  const tail = t === "corrupt"
    ? "; it was left untouched. Move it away to start a new ledger."
    : "; the ledger was left untouched";
  return new LedgerError(
    `Cannot ${action} the ${describe(path)}: ${TROUBLE_TEXT[t]} (${firstLine(e)})${tail}`,
    { cause: e },
  );
}

/**
 * Opens `path` for reading. On a read-only place SQLite cannot create the -shm file a WAL
 * database needs, so a node leaves its ledger in rollback-journal mode when it stops
 * (`leaveWalMode`); such a file, or a copy of it, opens read-only anywhere.
 */
function openReader(path: string): DatabaseSync {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    db.prepare("PRAGMA user_version").get();
    return db;
  } catch (e) {
    db.close();
    throw e;
  }
}

/**
 * Switches a ledger file that no connection holds open any more back to a rollback journal
 * (the next read-write open turns WAL on again), so that the stopped node's data directory,
 * or a read-only copy of it, can be read without writing -wal or -shm files. Best effort:
 * returns false when the file is busy (a reader holds it) or cannot be written.
 */
export function leaveWalMode(path: string): boolean {
  if (path === ":memory:") return false;
  let db: DatabaseSync | undefined;
  try {
    db = new DatabaseSync(path);
    db.exec("PRAGMA busy_timeout = 1000");
    const r = db.prepare("PRAGMA journal_mode = DELETE").get() as { journal_mode?: string };
    return r?.journal_mode === "delete";
  } catch {
    return false;
  } finally {
    db?.close();
  }
}

/**
 * Opens (and on first use creates) a ledger database. Read-only opens never write.
 * Throws LedgerError naming the file when it is corrupt, foreign or newer than this code.
 */
export async function openDatabase(
  path: string,
  options: {
    readOnly?: boolean;
    /** Called before each migration, from schema version `from` to `from + 1`. */
    onMigrate?: (from: number, to: number) => void;
  } = {},
): Promise<DatabaseSync> {
  if (path !== ":memory:") await checkHeader(path);
  let db: DatabaseSync;
  try {
    db = options.readOnly ? openReader(path) : new DatabaseSync(path);
  } catch (e) {
    throw ledgerFailure("open", path, e);
  }
  try {
    db.exec("PRAGMA busy_timeout = 5000");
    const appId = Number(
      (db.prepare("PRAGMA application_id").get() as { application_id: number })
        .application_id,
    );
    const version = Number(
      (db.prepare("PRAGMA user_version").get() as { user_version: number }).user_version,
    );
    const tables = Number(
      (db.prepare("SELECT count(*) AS n FROM sqlite_master").get() as { n: number }).n,
    );
    if (appId === 0 && version === 0 && tables === 0) {
      if (options.readOnly) throw new LedgerError(`The ${describe(path)} is empty`);
      await createSchema(db);
    } else if (appId !== APPLICATION_ID) {
      throw new LedgerError(
        `The ${describe(path)} is an SQLite database of another application ` +
          `(application_id ${appId}); it was left untouched.`,
      );
    } else if (version > SCHEMA_VERSION) {
      throw new LedgerError(
        `The ${describe(path)} has schema version ${version}, newer than this program's ` +
          `${SCHEMA_VERSION}; upgrade crackcoin. The file was left untouched.`,
      );
    } else if (version < SCHEMA_VERSION) {
      if (options.readOnly) {
        throw new LedgerError(
          `The ${describe(path)} needs a migration (schema version ${version} to ` +
            `${SCHEMA_VERSION}): start a node on its data directory once, which upgrades it, ` +
            `then run this again. The file was left untouched.`,
        );
      }
      await migrate(db, version, path, options.onMigrate);
    }
    if (!options.readOnly) {
      const check = db.prepare("PRAGMA quick_check").all() as { quick_check: string }[];
      if (check.length !== 1 || check[0].quick_check !== "ok") {
        throw new LedgerError(
          `The ${describe(path)} is corrupt (quick_check: ${check[0]?.quick_check}); ` +
            `it was left untouched.`,
        );
      }
      if (path !== ":memory:") db.exec("PRAGMA journal_mode = WAL");
      db.exec("PRAGMA synchronous = NORMAL");
      db.exec("PRAGMA cache_size = -32768"); // 32 MiB of page cache: sync batches stay in memory
      // Checkpoint every 64 MiB of WAL rather than 4 MiB: fewer fsyncs while syncing; close()
      // checkpoints and truncates the WAL.
      db.exec("PRAGMA wal_autocheckpoint = 16384");
    }
    return db;
  } catch (e) {
    db.close();
    if (e instanceof LedgerError) throw e;
    throw ledgerFailure(options.readOnly ? "read" : "open", path, e);
  }
}

async function createSchema(db: DatabaseSync): Promise<void> {
  const sql = await readSql("schema.sql");
  db.exec("BEGIN IMMEDIATE");
  try {
    db.exec(sql);
    db.exec(`PRAGMA application_id = ${APPLICATION_ID}`);
    db.exec("COMMIT");
  } catch (e) {
    rollback(db);
    throw e;
  }
}

async function migrate(
  db: DatabaseSync,
  from: number,
  path: string,
  onMigrate?: (from: number, to: number) => void,
): Promise<void> {
  // Upgrades run in rollback-journal mode (openDatabase turns WAL on again after them): a copy
  // into WAL would reach the file only at the checkpoint, after the commit, so the peak would be
  // the file, the copy in the WAL and the copy again in the file (44 to 108 MB at 100,000
  // transactions for 006), and a disk that filled then would leave the checkpoint undone
  // rather than the step rolled back. In this mode a full disk always rolls the step back.
  if (path !== ":memory:") {
    const mode = db.prepare("PRAGMA journal_mode = DELETE").get() as { journal_mode?: string };
    if (mode?.journal_mode !== "delete") {
      throw new LedgerError(
        `Cannot upgrade ${describe(path)}: it could not leave WAL mode (journal mode ` +
          `${mode?.journal_mode}); another program may have it open. Nothing was changed.`,
      );
    }
  }
  for (let v = from; v < SCHEMA_VERSION; v++) {
    const step = MIGRATIONS[v];
    if (step === undefined) {
      throw new LedgerError(`No migration from schema version ${v} for ${describe(path)}`);
    }
    const sql = await readSql(step.file);
    onMigrate?.(v, v + 1);
    // PRAGMA foreign_keys is a no-op inside a transaction: it is set around it.
    const keysWereOn = step.replacesReferencedTable === true && foreignKeysOn(db);
    if (keysWereOn) db.exec("PRAGMA foreign_keys = OFF");
    try {
      db.exec("BEGIN IMMEDIATE");
      // Rows that already named a missing row (only damage outside the node makes them: its
      // connections enforce foreign keys) stay as they were; the step must add none.
      const brokenBefore = step.replacesReferencedTable ? danglingRows(db) : 0;
      db.exec(sql);
      const brokenAfter = step.replacesReferencedTable ? danglingRows(db) : 0;
      if (brokenAfter > brokenBefore) {
        throw new LedgerError(
          `Cannot upgrade ${describe(path)} to schema ${v + 1}: the step left ` +
            `${brokenAfter - brokenBefore} rows naming rows that are not there; it was rolled ` +
            `back and the file left as it was`,
        );
      }
      db.exec(`PRAGMA user_version = ${v + 1}`);
      db.exec("COMMIT");
    } catch (e) {
      rollback(db);
      throw e;
    } finally {
      try {
        if (keysWereOn) db.exec("PRAGMA foreign_keys = ON");
      } catch { /* the error that got here matters more; the caller closes the connection */ }
    }
  }
}

/** How many rows name a row that is not there (`PRAGMA foreign_key_check`). */
function danglingRows(db: DatabaseSync): number {
  return db.prepare("PRAGMA foreign_key_check").all().length;
}

function foreignKeysOn(db: DatabaseSync): boolean {
  return (db.prepare("PRAGMA foreign_keys").get() as { foreign_keys: number }).foreign_keys === 1;
}

/**
 * Rolls back, unless SQLite already did (it does on SQLITE_FULL, and ROLLBACK then fails with
 * "no transaction is active", which would hide the real error). After SQLITE_FULL in
 * rollback-journal mode (a file a node stopped cleanly, see `Ledger.close`) the pager is in its
 * error state and leaves a hot journal and a grown file behind; one read makes it roll them
 * back now, so the file is as it was, rather than at the next read-write open (review finding:
 * a read-only open in between failed with a misleading "read-only" error, and the disk stayed
 * full).
 */
function rollback(db: DatabaseSync): void {
  if (db.isTransaction) db.exec("ROLLBACK");
  try {
    db.prepare("SELECT 1 FROM sqlite_master LIMIT 1").get();
  } catch { /* the caller reports the error that got us here */ }
}
