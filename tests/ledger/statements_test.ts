/**
 * The SQL a transaction's store runs builds no temporary table. SQLite codes an IN list of
 * three or more constants (in a query or a CHECK constraint) as a temporary B-tree, built
 * each time the statement runs: schema 5's CHECK on txs.status did so on every insert and
 * status update, 2.5 to 3 µs of each stored transaction (docs/PROTOCOL.md §11, schema 6).
 * Checked on the bytecode (EXPLAIN) of a real ledger file's statements.
 */
import { DatabaseSync } from "node:sqlite";
import { assert, assertEquals } from "../helpers/assert.ts";
import { openLedger } from "../../lib/ledger/ledger.ts";
import { prepareStatements } from "../../lib/ledger/statements.ts";
import { testKeys } from "../helpers/fixtures.ts";
import { testGenesis } from "../helpers/ledger_fixtures.ts";

/**
 * The statements that run for each stored transaction or confirmation, or for each
 * transaction whose status or weight changes.
 */
const PER_ITEM = [
  "txidAt",
  "txAt",
  "parentAt",
  "headBySeq",
  "insTx",
  "insSpend",
  "spendersOf",
  "setStatus",
  "setWeight",
  "settleConfirmed",
  "hasConf",
  "confSeq",
  "insConf",
  "insRef",
];

/**
 * The statements that do build one, and why that is fine: each runs once per many items, or
 * for a query, or only for transactions in a conflict.
 */
const ALLOWED: Record<string, string> = {
  settleMany: "an IN list of 128 parameters: one temporary table per 128 settled transactions",
  coSpenders: "DISTINCT, in the status walk of a contested transaction only",
  children: "DISTINCT, in the status walk of a contested transaction only",
  balance: "a sorter for GROUP BY: an address query",
  unspent: "a sorter for ORDER BY: an address query",
  statusCounts: "a sorter for GROUP BY: once per open or rollback",
};

/** The opcodes of `sql`'s bytecode that open a temporary table or sorter. */
function temporaryTables(db: DatabaseSync, sql: string): string[] {
  const ops = db.prepare(`EXPLAIN ${sql}`).all() as { opcode: string }[];
  return ops.map((o) => o.opcode).filter((op) =>
    op === "OpenEphemeral" || op === "OpenAutoindex" || op === "SorterOpen"
  );
}

Deno.test("no statement run per stored transaction builds a temporary table; few others do", async () => {
  const dir = await Deno.makeTempDir({ prefix: "crackcoin-stmts-" });
  try {
    const path = `${dir}/ledger.db`;
    (await openLedger(path, { genesis: testGenesis(testKeys(0)) })).close();
    const db = new DatabaseSync(path);
    try {
      const statements = prepareStatements(db);
      for (const name of PER_ITEM) {
        assert(statements[name] !== undefined, `${name} is a ledger statement`);
        assert(!(name in ALLOWED), name);
        assertEquals(temporaryTables(db, statements[name].sourceSQL), [], name);
      }
      // Every other statement builds none either, or is one of the few allowed to.
      const building = Object.keys(statements).filter((name) =>
        temporaryTables(db, statements[name].sourceSQL).length > 0
      ).sort();
      assertEquals(building, Object.keys(ALLOWED).sort());
      // The ledger's one INSERT for a transaction's outputs (two here).
      assertEquals(
        temporaryTables(
          db,
          "INSERT INTO outputs (hash, tx, idx, amount) VALUES (?, ?, ?, ?), (?, ?, ?, ?)",
        ),
        [],
      );
      // The check itself: an IN list of three constants does build one, so the test can fail.
      db.exec("CREATE TEMP TABLE probe (s TEXT CHECK (s IN ('a', 'b', 'c')))");
      assertEquals(temporaryTables(db, "INSERT INTO probe (s) VALUES (?)"), ["OpenEphemeral"]);
    } finally {
      db.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
