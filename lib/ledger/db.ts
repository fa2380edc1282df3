/**
 * Opening the SQLite file: header and identity checks before anything is written, schema
 * creation, migrations, WAL mode. Nothing happens at import time.
 * @module
 */
import { DatabaseSync } from "node:sqlite";
import { LedgerError } from "./errors.ts";

/** Schema version this code writes (PRAGMA user_version). */
export const SCHEMA_VERSION = 3;
/** PRAGMA application_id marking a crackcoin ledger ("CRKC"). */
export const APPLICATION_ID = 0x43524b43;

const SQLITE_HEADER = "SQLite format 3\0";

/**
 * Upgrades: sql/migrations/NNN.sql turns version NNN-1 into NNN. `migrate` applies them in
 * order, each in one database transaction together with its new user_version, so a crash
 * leaves either the old version or the new one.
 */
export const MIGRATIONS: Readonly<Record<number, string>> = Object.freeze({
  1: "migrations/002.sql",
  2: "migrations/003.sql",
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
    file = await Deno.open(path, { read: true });
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return;
    throw new LedgerError(`Cannot read ${describe(path)}: ${(e as Error).message}`, { cause: e });
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

/**
 * Opens (and on first use creates) a ledger database. Read-only opens never write.
 * Throws LedgerError naming the file when it is corrupt, foreign or newer than this code.
 */
export async function openDatabase(
  path: string,
  options: { readOnly?: boolean } = {},
): Promise<DatabaseSync> {
  if (path !== ":memory:") await checkHeader(path);
  let db: DatabaseSync;
  try {
    db = new DatabaseSync(path, { readOnly: options.readOnly ?? false });
  } catch (e) {
    throw new LedgerError(`Cannot open ${describe(path)}: ${(e as Error).message}`, { cause: e });
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
        throw new LedgerError(`The ${describe(path)} needs a migration; open it read-write once`);
      }
      await migrate(db, version, path);
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
    throw new LedgerError(
      `The ${describe(path)} is not a usable crackcoin ledger (corrupt?): ${
        (e as Error).message
      }. It was left untouched.`,
      { cause: e },
    );
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
    db.exec("ROLLBACK");
    throw e;
  }
}

async function migrate(db: DatabaseSync, from: number, path: string): Promise<void> {
  for (let v = from; v < SCHEMA_VERSION; v++) {
    const file = MIGRATIONS[v];
    if (file === undefined) {
      throw new LedgerError(`No migration from schema version ${v} for ${describe(path)}`);
    }
    const sql = await readSql(file);
    db.exec("BEGIN IMMEDIATE");
    try {
      db.exec(sql);
      db.exec(`PRAGMA user_version = ${v + 1}`);
      db.exec("COMMIT");
    } catch (e) {
      db.exec("ROLLBACK");
      throw e;
    }
  }
}
