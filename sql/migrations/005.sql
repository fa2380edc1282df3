-- Schema version 4 → 5: the index on the first 8 bytes of each txid (txs_by_txid) is dropped.
-- A node finds transactions by txid through an index it keeps in memory instead
-- (lib/ledger/txid_index.ts, built from txs when the ledger is opened), because txids are
-- random and every stored transaction dirtied another page of the SQLite index
-- (docs/PROTOCOL.md §11). No table changes. A file that 004.sql upgraded after it stopped
-- building the index has none to drop. Runs in one database transaction; the caller sets
-- PRAGMA user_version = 5 in the same transaction.

DROP INDEX IF EXISTS txs_by_txid;
