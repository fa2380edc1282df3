/**
 * Migrations 004 and 006 on a full disk: each copies a table that is most of the file. The
 * ledger lives on a small tmpfs this test mounts (root, as the namespace tests need), in
 * rollback-journal mode as a cleanly stopped node leaves it, and the copy cannot fit. The open
 * must fail with a clear error and leave the file exactly as it was: no hot journal, no growth,
 * and a read-only open (export) that says a migration is needed. (Before the fix in db.ts
 * `rollback`, a hot journal and a grown file stayed behind: the 004 case failed then.)
 */
import { DatabaseSync } from "node:sqlite";
import { assert, assertEquals, assertRejects } from "../helpers/assert.ts";
import { openLedger } from "../../lib/ledger/ledger.ts";
import { LedgerError } from "../../lib/ledger/errors.ts";
import { sha256, toHex } from "../../lib/core/hash.ts";
import { T0, testKeys } from "../helpers/fixtures.ts";
import { backToSchema5Sql, testGenesis, unsignedChain } from "../helpers/ledger_fixtures.ts";

async function run(cmd: string, args: string[]): Promise<{ code: number; err: string }> {
  try {
    const out = await new Deno.Command(cmd, { args, stdout: "null", stderr: "piped" }).output();
    return { code: out.code, err: new TextDecoder().decode(out.stderr) };
  } catch (e) {
    return { code: 127, err: String(e) };
  }
}

/** Null when this process can mount a tmpfs (root on Linux), else why not. */
async function tmpfsUnavailable(): Promise<string | null> {
  if (Deno.build.os !== "linux") return "not Linux";
  const probe = await Deno.makeTempDir({ prefix: "crackcoin-tmpfs-probe-" });
  try {
    const m = await run("mount", ["-t", "tmpfs", "-o", "size=1m", "tmpfs", probe]);
    if (m.code !== 0) return `cannot mount a tmpfs: ${m.err.trim()}`;
    await run("umount", [probe]);
    return null;
  } finally {
    await Deno.remove(probe, { recursive: true }).catch(() => {});
  }
}

const SKIP = await tmpfsUnavailable();
if (SKIP) console.log(`migration_full_test skipped: ${SKIP}`);

/**
 * Builds a ledger of 20,000 payments (about 9 MB: more than SQLite's default page cache, so a
 * rebuild spills pages into the file before its commit) off the tmpfs, turns it into an older
 * schema (`empty` changes the new, empty file before it is filled; `filled` after), in
 * rollback-journal mode, and opens a copy on a tmpfs with room for `room` times the file: the
 * migration must fail clearly and leave the file as it was.
 */
async function fullDiskCase(
  old: { empty?: (db: DatabaseSync) => void; filled: (db: DatabaseSync) => void },
  room: number,
): Promise<void> {
  const work = await Deno.makeTempDir({ prefix: "crackcoin-full-" });
  const mnt = `${work}/mnt`;
  await Deno.mkdir(mnt);
  let mounted = false;
  try {
    const alice = testKeys(0), bob = testKeys(1);
    const genesis = testGenesis(alice, 10_000_000n);
    const src = `${work}/ledger.db`;
    const options = { genesis, verify: () => true, clock: () => T0 + 1e9 };
    if (old.empty) {
      (await openLedger(src, options)).close();
      const db = new DatabaseSync(src);
      old.empty(db);
      db.close();
    }
    const l = await openLedger(src, options);
    const { raws } = unsignedChain(genesis, alice, bob, 20_000);
    for (let i = 0; i < raws.length; i += 1000) l.addTxs(raws.slice(i, i + 1000));
    l.close();
    const db = new DatabaseSync(src);
    old.filled(db);
    db.exec("PRAGMA journal_mode = DELETE");
    db.close();
    const size = (await Deno.stat(src)).size;
    assert(size > 1_000_000, `fixture size ${size}`);

    // Room for the file and a little more, not for the rebuild.
    const bytes = Math.ceil((size * room) / 4096) * 4096;
    const m = await run("mount", ["-t", "tmpfs", "-o", `size=${bytes}`, "tmpfs", mnt]);
    assertEquals(m.code, 0, m.err);
    mounted = true;
    const path = `${mnt}/ledger.db`;
    await Deno.copyFile(src, path);
    const before = toHex(sha256(await Deno.readFile(path)));

    const err = await assertRejects(
      () => openLedger(path, { genesis, clock: () => T0 + 1e9 }),
      LedgerError,
    );
    assert(/full|space/i.test(err.message), err.message);
    // Exactly as it was: same bytes, no journal left behind.
    assertEquals(toHex(sha256(await Deno.readFile(path))), before);
    const left = [...Deno.readDirSync(mnt)].map((e) => e.name).sort();
    assertEquals(left, ["ledger.db"]);
    // export's read-only open says what to do, not "read-only".
    await assertRejects(
      () => openLedger(path, { genesis, readOnly: true }),
      LedgerError,
      "needs a migration",
    );
  } finally {
    if (mounted) await run("umount", ["-l", mnt]);
    await Deno.remove(work, { recursive: true });
  }
}

Deno.test({
  name: "migration 004 on a full disk fails clearly and leaves the schema-3 file as it was",
  ignore: SKIP !== null,
  async fn() {
    await fullDiskCase({
      filled: (db) => {
        db.exec("CREATE UNIQUE INDEX txs_txid_v3 ON txs (txid); PRAGMA user_version = 3");
      },
    }, 1.4);
  },
});

Deno.test({
  name: "migration 006 on a full disk fails clearly and leaves the schema-5 file as it was",
  ignore: SKIP !== null,
  async fn() {
    // 006 copies txs, the bulk of the file, with foreign keys off around its transaction. The
    // empty ledger's txs gets schema 5's CHECK before it is filled, so that the file has no
    // free pages for the copy to reuse (VACUUM is not allowed under the test's permissions).
    await fullDiskCase({
      empty: (db) => db.exec(backToSchema5Sql(db)),
      filled: (db) => {
        assert(
          /IN \('pending'/.test(
            (db.prepare("SELECT sql FROM sqlite_master WHERE name = 'txs'").get() as {
              sql: string;
            }).sql,
          ),
          "filled under schema 5's CHECK",
        );
        db.exec("PRAGMA user_version = 5");
      },
    }, 1.2);
  },
});
