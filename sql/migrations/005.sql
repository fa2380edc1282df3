-- Schema version 4 → 5: the index on the first 8 bytes of each txid (txs_by_txid) is dropped.
-- A node finds transactions by txid through an index it keeps in memory instead
-- (lib/ledger/txid_index.ts, built from txs when the ledger is opened), because txids are
-- random and every stored transaction dirtied another page of the SQLite index
-- (docs/BENCHMARKS.md "Ledger ingest"). No table changes. Runs in one database transaction;
-- the caller sets PRAGMA user_version = 5 in the same transaction.

DROP INDEX txs_by_txid;
