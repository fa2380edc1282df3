/**
 * Schema migration: a ledger written by the schema-1 code (tests/ledger/fixtures/
 * ledger_v1.db, made at commit a53ad3c: the genesis, five payments with a double spend and a
 * child of each side, four confirmations; ledger_v1.json is what that code reported for it)
 * opens under the current schema (3, protocol v2) through migrations 2 and 3 with every
 * transaction in its place. Version 1 confirmations are dropped (docs/PROTOCOL.md §11), so
 * statuses are the pure rule's over the transactions alone, and v2 confirmations then harden
 * them again. The migrated tables match a freshly created database column for column.
 * @module
 */
import { DatabaseSync } from "node:sqlite";
import { assert, assertEquals, assertRejects } from "../helpers/assert.ts";
import { addressFromPublicKey } from "../../lib/core/address.ts";
import { fromHex } from "../../lib/core/hash.ts";
import { SCHEMA_VERSION } from "../../lib/ledger/db.ts";
import { LedgerError } from "../../lib/ledger/errors.ts";
import { openLedger } from "../../lib/ledger/ledger.ts";
import { computeState } from "../../lib/core/state.ts";
import { mineConf } from "../helpers/dag.ts";
import { idHex, pay, T0, testKeys } from "../helpers/fixtures.ts";
import { TEST_CONFIRM_WORK, testGenesis } from "../helpers/ledger_fixtures.ts";

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

async function withCopy(fn: (path: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "crackcoin-migrate-" });
  try {
    const path = `${dir}/ledger.db`;
    await Deno.copyFile(FIXTURE, path);
    await fn(path);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
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
      columns: db.prepare(`PRAGMA table_xinfo("${t}")`).all(),
      keys: db.prepare(`PRAGMA foreign_key_list("${t}")`).all().map((k) => ({ ...k, id: 0 })),
      indexes: (db.prepare(`PRAGMA index_list("${t}")`).all() as { name: string }[])
        .map((i) => ({
          ...i,
          name: i.name.startsWith("sqlite_autoindex") ? "auto" : i.name,
          seq: 0,
          columns: db.prepare(`PRAGMA index_xinfo("${i.name}")`).all(),
        }))
        .sort((a, b) => a.name.localeCompare(b.name)),
    }));
  } finally {
    db.close();
  }
}

Deno.test("a schema-1 ledger migrates with every transaction, status and balance", async () => {
  const expected = JSON.parse(
    await Deno.readTextFile(new URL("./fixtures/ledger_v1.json", import.meta.url)),
  ) as Expected;
  await withCopy(async (path) => {
    const before = new DatabaseSync(path, { readOnly: true });
    assertEquals(
      (before.prepare("PRAGMA user_version").get() as { user_version: number }).user_version,
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
      (after.prepare("PRAGMA user_version").get() as { user_version: number }).user_version,
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
    await assertRejects(() => open(path, true), LedgerError, "needs a migration");
    assert((await Deno.readFile(path)).every((b, i) => b === bytes[i]));
  });
});
