/**
 * Schema version 4 finds transactions by the first 8 bytes of their txid (sql/schema.sql
 * `txs_by_txid`). SQLite uses an expression index only for a query that repeats its expression
 * exactly, and a lookup that misses it scans the whole table without any error, so every
 * statement that looks a txid up is checked against SQLite's own query plan here, on a real
 * ledger file, and the lookups are checked to find exactly the right row.
 */
import { DatabaseSync } from "node:sqlite";
import { assert, assertEquals } from "../helpers/assert.ts";
import { openLedger } from "../../lib/ledger/ledger.ts";
import { BY_TXID, prepareStatements } from "../../lib/ledger/statements.ts";
import { toHex } from "../../lib/core/hash.ts";
import { pay, T0, testKeys } from "../helpers/fixtures.ts";
import { testGenesis } from "../helpers/ledger_fixtures.ts";
import { txid } from "../../lib/core/tx.ts";

const [alice, bob] = [0, 1].map(testKeys);

Deno.test("every txid lookup uses the txs_by_txid index, and finds exactly its row", async () => {
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
    ledger.close();

    const db = new DatabaseSync(path, { readOnly: true });
    try {
      const statements = prepareStatements(db);
      const lookups = Object.entries(statements).filter(([, st]) => st.sourceSQL.includes(BY_TXID));
      // has, txSeq, getTx, getRaw, parent and cursorSeq.
      assert(lookups.length >= 6, lookups.map(([k]) => k).join(", "));
      for (const [name, st] of lookups) {
        const plan = (db.prepare(`EXPLAIN QUERY PLAN ${st.sourceSQL}`).all(ids[3]) as {
          detail: string;
        }[]).map((r) => r.detail);
        const onTxs = plan.filter((d) => /\btxs\b/.test(d));
        assert(onTxs.length > 0, `${name}: ${plan.join(" | ")}`);
        for (const d of onTxs) {
          assert(d.includes("USING INDEX txs_by_txid"), `${name} does not use the index: ${d}`);
        }
      }
      // Each lookup finds its own transaction and nothing else: ids sharing no prefix, a
      // 32-byte id that shares the first 8 bytes of a stored one, and an absent one.
      for (const [i, id] of ids.entries()) {
        const row = statements.txSeq.get(id) as { seq: number | bigint };
        assertEquals(Number(row.seq), i + 1, toHex(id));
      }
      const lookAlike = ids[5].slice();
      lookAlike[31] ^= 1;
      assertEquals(statements.has.get(lookAlike), undefined);
      assertEquals(statements.has.get(new Uint8Array(32)), undefined);
      assert(statements.has.get(ids[5]) !== undefined);
    } finally {
      db.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
