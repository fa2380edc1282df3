/**
 * Read-only queries over the transaction DAG that the Ledger class does not offer yet: the
 * spenders of an outpoint, the co-spenders of a transaction, and the transactions touching a
 * set of addresses. They run on a second, read-only connection to the ledger file (WAL lets
 * it read while the node writes; every statement sees the last commit), for the local API
 * (lib/http through lib/cli/node_view.ts). They name only the stable columns of the schema
 * (`txs.seq`, `txs.txid`, `outputs`, `spends`; sql/schema.sql). A txid is found through the
 * writer's in-memory index (`Ledger.seqOf`; no SQLite index holds txids) and checked against
 * the row. Answers are txids (lowercase hex); read the records through `Ledger.getTx`.
 * @module
 */
import { DatabaseSync, type StatementSync } from "node:sqlite";
import { fromHex, toHex } from "../core/hash.ts";

/** Most prepared statements kept. */
const MAX_STATEMENTS = 64;

/** Read-only DAG queries on a ledger file. Open with {@linkcode openDagView}. */
export interface DagView {
  /** Txids of every stored transaction spending output `index` of `txid`. */
  readonly spendersOf: (txid: string, index: number) => string[];
  /** Txids of the other stored transactions that spend one of `txid`'s outpoints. */
  readonly coSpendersOf: (txid: string) => string[];
  /**
   * Txids of the transactions with an output to one of `hashes` (HASH160s) or spending such
   * an output, most recent first: through the outputs and spends indexes, never a scan.
   */
  readonly touching: (hashes: readonly Uint8Array[], limit: number, offset: number) => string[];
  /**
   * Txids of the transactions whose confirmations a confirmation of `txid` references (protocol
   * v2 refs, docs/PROTOCOL.md §6): the approval edges of the confirmation DAG, at tx level.
   */
  readonly approvedBy: (txid: string) => string[];
  /** Closes the connection (the view opens it again on its next query). */
  readonly close: () => void;
}

/**
 * A DagView of the ledger file at `path`; nothing is opened until the first query. `seqOf`
 * gives a stored transaction's seq (`Ledger.seqOf` of the Ledger writing the file); a txid it
 * does not know, or one whose row this connection does not see yet, has no spenders, co-spenders
 * or approvals.
 *
 * @example
 * ```ts
 * import { toHex } from "../core/hash.ts";
 * import { openLedger } from "./ledger.ts";
 * import { openDagView } from "./dag_view.ts";
 * const dir = await Deno.makeTempDir();
 * const ledger = await openLedger(`${dir}/l.db`);
 * const dag = openDagView(`${dir}/l.db`, (txid) => ledger.seqOf(txid));
 * const genesis = ledger.genesis.tx;
 * if (dag.spendersOf(toHex(ledger.genesis.txid), 0).length !== 0) throw new Error("unspent");
 * if (dag.touching([genesis.outputs[0].address], 10, 0).length !== 1) throw new Error("touching");
 * dag.close();
 * ledger.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function openDagView(
  path: string,
  seqOf: (txid: Uint8Array) => number | undefined,
): DagView {
  let db: DatabaseSync | null = null;
  const statements = new Map<string, StatementSync>();
  const sql = (text: string): StatementSync => {
    let st = statements.get(text);
    if (st === undefined) {
      db ??= new DatabaseSync(path, { readOnly: true });
      st = db.prepare(text);
      if (statements.size < MAX_STATEMENTS) statements.set(text, st);
    }
    return st;
  };
  const txids = (rows: unknown[]) =>
    (rows as Record<string, unknown>[]).map((r) => toHex(r.txid as Uint8Array));
  // Rows of `text` for the transaction `txid` (hex): ?1 is its seq, ?2 the txid itself, which
  // the query checks against the row.
  const byTx = (text: string, txid: string, ...more: number[]): string[] => {
    const id = fromHex(txid);
    const seq = seqOf(id);
    return seq === undefined ? [] : txids(sql(text).all(seq, id, ...more));
  };
  return {
    spendersOf: (txid, index) =>
      byTx(
        "SELECT t.txid FROM spends s JOIN txs p ON p.seq = s.prev JOIN txs t ON t.seq = s.tx " +
          "WHERE p.seq = ?1 AND p.txid = ?2 AND s.prev_idx = ?3",
        txid,
        index,
      ),
    approvedBy: (txid) =>
      byTx(
        "SELECT DISTINCT t2.txid FROM txs t1 JOIN confs c1 ON c1.tx = t1.seq " +
          "JOIN conf_refs r ON r.conf = c1.seq JOIN confs c2 ON c2.seq = r.ref " +
          "JOIN txs t2 ON t2.seq = c2.tx WHERE t1.seq = ?1 AND t1.txid = ?2 AND t2.seq <> t1.seq",
        txid,
      ),
    coSpendersOf: (txid) =>
      byTx(
        "SELECT DISTINCT t2.txid FROM txs t1 JOIN spends s1 ON s1.tx = t1.seq " +
          "JOIN spends s2 ON s2.prev = s1.prev AND s2.prev_idx = s1.prev_idx " +
          "AND s2.tx <> s1.tx JOIN txs t2 ON t2.seq = s2.tx WHERE t1.seq = ?1 AND t1.txid = ?2",
        txid,
      ),
    touching: (hashes, limit, offset) => {
      if (hashes.length === 0) return [];
      const marks = hashes.map(() => "?").join(", ");
      return txids(
        sql(
          "SELECT t.txid FROM txs t WHERE t.seq IN (" +
            `SELECT o.tx FROM outputs o WHERE o.hash IN (${marks}) UNION ` +
            "SELECT s.tx FROM outputs o JOIN spends s ON s.prev = o.tx AND s.prev_idx = o.idx " +
            `WHERE o.hash IN (${marks})) ORDER BY t.seq DESC LIMIT ? OFFSET ?`,
        ).all(...hashes, ...hashes, limit, offset),
      );
    },
    close: () => {
      statements.clear();
      const d = db as DatabaseSync | null;
      db = null;
      d?.close();
    },
  };
}
