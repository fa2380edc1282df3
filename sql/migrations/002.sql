-- Schema version 1 → 2: the same facts, re-keyed by local arrival order (seq) instead of
-- txid, so that ingest appends (see schema.sql). Runs in one database transaction; the
-- caller sets PRAGMA user_version = 2 in the same transaction.

CREATE TABLE txs_v2 (
  seq       INTEGER PRIMARY KEY,
  txid      BLOB NOT NULL UNIQUE,
  raw       BLOB NOT NULL,
  height    INTEGER NOT NULL,
  timestamp INTEGER NOT NULL,
  work      INTEGER NOT NULL DEFAULT 0,
  nonce     BLOB,
  status    TEXT NOT NULL CHECK (status IN ('pending', 'confirmed', 'conflicted'))
) STRICT;
INSERT INTO txs_v2 (seq, txid, raw, height, timestamp, work, nonce, status)
  SELECT seq, txid, raw, height, timestamp, work, nonce, status FROM txs ORDER BY seq;

CREATE TABLE outputs_v2 (
  hash    BLOB NOT NULL,
  tx      INTEGER NOT NULL REFERENCES txs_v2 (seq),
  idx     INTEGER NOT NULL,
  amount  INTEGER NOT NULL CHECK (amount >= 1),
  PRIMARY KEY (hash, tx, idx)
) STRICT, WITHOUT ROWID;
INSERT INTO outputs_v2 (hash, tx, idx, amount)
  SELECT o.hash, t.seq, o.idx, o.amount FROM outputs o JOIN txs t ON t.txid = o.txid;

CREATE TABLE spends_v2 (
  prev     INTEGER NOT NULL REFERENCES txs_v2 (seq),
  prev_idx INTEGER NOT NULL,
  tx       INTEGER NOT NULL REFERENCES txs_v2 (seq),
  PRIMARY KEY (prev, prev_idx, tx)
) STRICT, WITHOUT ROWID;
INSERT INTO spends_v2 (prev, prev_idx, tx)
  SELECT p.seq, s.prev_idx, t.seq FROM spends s
  JOIN txs p ON p.txid = s.prev_txid JOIN txs t ON t.txid = s.txid;

DROP TABLE spends;
DROP TABLE outputs;
DROP TABLE txs;
ALTER TABLE txs_v2 RENAME TO txs;
ALTER TABLE outputs_v2 RENAME TO outputs;
ALTER TABLE spends_v2 RENAME TO spends;
CREATE INDEX txs_by_work ON txs (work);
CREATE INDEX spends_by_tx ON spends (tx);
