/**
 * The ledger's prepared SQL statements (schema: sql/schema.sql, docs/PROTOCOL.md §11), by
 * name. One place for the SQL, so the ledger's logic reads as logic.
 * @module
 */
import type { DatabaseSync, StatementSync } from "node:sqlite";

/** SQL condition: output `o` has no live spender. */
const UNSPENT = "NOT EXISTS (SELECT 1 FROM spends s JOIN txs st ON st.seq = s.tx " +
  "WHERE s.prev = o.tx AND s.prev_idx = o.idx AND st.status IN ('pending', 'confirmed'))";

/** Transactions `settleMany` writes at once (a confirmation settling many, ledger.ts). */
export const SETTLE_CHUNK = 128;

/** Settles transactions to weight ?, best hash ?: the start of `settleConfirmed`/`settleMany`. */
const SETTLE = "UPDATE txs SET weight = ?, best = ?, watched = 0, status = 'confirmed' WHERE seq";

/** Every prepared statement of a ledger, by name. */
export type Statements = Record<string, StatementSync>;

/** Prepares every statement the ledger uses on `db`. */
export function prepareStatements(db: DatabaseSync): Statements {
  const p = (sql: string) => db.prepare(sql);
  return {
    getMeta: p("SELECT value FROM meta WHERE key = ?"),
    putMeta: p("INSERT INTO meta (key, value) VALUES (?, ?)"),
    delMeta: p("DELETE FROM meta WHERE key = ?"),
    setMeta: p(
      "INSERT INTO meta (key, value) VALUES (?, ?) " +
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    ),
    // By seq, for a candidate of the in-memory txid index (lib/ledger/txid_index.ts): each
    // returns the row's txid, which the caller compares with the one it looks for.
    txidAt: p("SELECT seq, txid FROM txs WHERE seq = ?"),
    txAt: p("SELECT txid, raw, weight, watched, status, seq FROM txs WHERE seq = ?"),
    parentAt: p("SELECT seq, txid, status, height, raw FROM txs WHERE seq = ?"),
    // A read-only Ledger's lookup among the rows stored since it built its txid index.
    txAfter: p("SELECT seq FROM txs WHERE seq > ? AND txid = ?"),
    allTxids: p("SELECT seq, txid FROM txs"), // the txid index, and the digest recomputed
    hasConf: p("SELECT 1 AS x FROM confs WHERE id = ?"),
    confSeq: p("SELECT seq FROM confs WHERE id = ?"),
    getConf: p(
      "SELECT c.id, t.txid, c.bits, c.nonce, c.refs FROM confs c " +
        "JOIN txs t ON t.seq = c.tx WHERE c.id = ?",
    ),
    allConfs: p(
      "SELECT c.id, t.txid, c.bits, c.nonce, c.refs FROM confs c " +
        "JOIN txs t ON t.seq = c.tx ORDER BY c.seq",
    ),
    confBySeq: p("SELECT id, bits FROM confs WHERE seq = ?"),
    headBySeq: p("SELECT txid, status, height, weight FROM txs WHERE seq = ?"),
    insTx: p(
      "INSERT INTO txs (seq, txid, raw, height, timestamp, weight, best, watched, status) " +
        "VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?)",
    ),
    insConf: p("INSERT INTO confs (seq, id, tx, bits, nonce, refs) VALUES (?, ?, ?, ?, ?, ?)"),
    insRef: p("INSERT OR IGNORE INTO conf_refs (ref, conf) VALUES (?, ?)"),
    insSpend: p("INSERT INTO spends (prev, prev_idx, tx) VALUES (?, ?, ?)"),
    inputsOf: p(
      "SELECT s.prev, s.prev_idx, p.status FROM spends s JOIN txs p ON p.seq = s.prev " +
        "WHERE s.tx = ?",
    ),
    parentSeqs: p("SELECT DISTINCT prev FROM spends WHERE tx = ?"),
    coSpenders: p(
      "SELECT DISTINCT s2.tx AS seq, t.txid, t.height, t.status FROM spends s1 JOIN spends s2 " +
        "ON s2.prev = s1.prev AND s2.prev_idx = s1.prev_idx AND s2.tx <> s1.tx " +
        "JOIN txs t ON t.seq = s2.tx WHERE s1.tx = ?",
    ),
    spendersOf: p("SELECT tx FROM spends WHERE prev = ? AND prev_idx = ?"),
    contested: p(
      "SELECT 1 AS x FROM spends s1 JOIN spends s2 ON s2.prev = s1.prev " +
        "AND s2.prev_idx = s1.prev_idx AND s2.tx <> s1.tx WHERE s1.tx = ? LIMIT 1",
    ),
    children: p(
      "SELECT DISTINCT s.tx AS seq, t.height FROM spends s JOIN txs t ON t.seq = s.tx " +
        "WHERE s.prev = ?",
    ),
    confsOf: p("SELECT seq FROM confs WHERE tx = ?"),
    confsFrom: p("SELECT seq, tx FROM confs WHERE seq > ? ORDER BY seq"),
    refsOf: p("SELECT ref FROM conf_refs WHERE conf = ?"),
    referrers: p("SELECT conf FROM conf_refs WHERE ref = ?"),
    setStatus: p("UPDATE txs SET status = ? WHERE seq = ?"),
    setWeight: p("UPDATE txs SET weight = ?, best = ?, watched = ? WHERE seq = ?"),
    settleConfirmed: p(`${SETTLE} = ?`),
    settleMany: p(`${SETTLE} IN (${Array(SETTLE_CHUNK).fill("?").join(", ")})`),
    watchedRows: p("SELECT seq, txid, weight, best, status FROM txs WHERE watched = 1"),
    allTxRows: p("SELECT seq, txid, raw FROM txs ORDER BY seq"),
    tips: p(
      "SELECT seq, id FROM confs c WHERE NOT EXISTS " +
        "(SELECT 1 FROM conf_refs r WHERE r.ref = c.seq) ORDER BY seq DESC LIMIT 256",
    ),
    newestLive: p(
      "SELECT txid, weight FROM txs WHERE status IN ('pending', 'confirmed') " +
        "ORDER BY seq DESC LIMIT 1",
    ),
    paysTo: p("SELECT t.txid FROM outputs o JOIN txs t ON t.seq = o.tx WHERE o.hash = ?"),
    spendsFrom: p(
      "SELECT t.txid FROM outputs o JOIN spends s ON s.prev = o.tx AND s.prev_idx = o.idx " +
        "JOIN txs t ON t.seq = s.tx WHERE o.hash = ?",
    ),
    balance: p(
      "SELECT t.status AS status, SUM(o.amount) AS total FROM outputs o " +
        "JOIN txs t ON t.seq = o.tx WHERE o.hash = ? " +
        `AND t.status IN ('pending', 'confirmed') AND ${UNSPENT} GROUP BY t.status`,
    ),
    unspent: p(
      "SELECT t.txid, o.idx, o.amount, t.status FROM outputs o " +
        "JOIN txs t ON t.seq = o.tx WHERE o.hash = ? " +
        `AND t.status IN ('pending', 'confirmed') AND ${UNSPENT} ` +
        // Confirmed before pending, larger first, then by outpoint: the same coins on any
        // node holding the same ledger, whatever the arrival order.
        "ORDER BY t.status = 'confirmed' DESC, o.amount DESC, t.txid, o.idx",
    ),
    allUnspent: p(
      "SELECT o.hash, SUM(o.amount) AS total FROM outputs o JOIN txs t ON t.seq = o.tx " +
        `WHERE t.status IN ('pending', 'confirmed') AND ${UNSPENT} GROUP BY o.hash`,
    ),
    history: p(
      "SELECT txid, raw, weight, watched, status, seq FROM txs ORDER BY seq DESC " +
        "LIMIT ? OFFSET ?",
    ),
    all: p("SELECT txid, raw, weight, watched, status, seq FROM txs ORDER BY seq"),
    invTxs: p("SELECT seq, txid AS id FROM txs WHERE seq > ? ORDER BY seq LIMIT ?"),
    invConfs: p("SELECT seq, id FROM confs WHERE seq > ? ORDER BY seq LIMIT ?"),
    digestConfs: p("SELECT id FROM confs"),
    count: p(
      "SELECT (SELECT count(*) FROM confs) AS c, " +
        "max(coalesce((SELECT max(seq) FROM txs), 0), coalesce((SELECT max(seq) FROM confs), 0)) AS seq",
    ),
    statusCounts: p("SELECT status, count(*) AS n FROM txs GROUP BY status"),
  };
}
