-- Schema version 2 → 3 (protocol v2, docs/PROTOCOL.md §6, §11). Every transaction is kept.
-- Version 1 confirmations (best nonce per txid) are dropped: they commit to no refs and no
-- bits, so they are not v2 confirmations and no v2 peer could check or sync them. Every
-- transaction starts with weight 0 and is re-confirmed by v2 miners; the ledger recomputes
-- statuses with the pure rule on first open ('recompute' in meta). Runs in one database
-- transaction; the caller sets PRAGMA user_version = 3 in the same transaction.

CREATE TABLE txs_v3 (
  seq       INTEGER PRIMARY KEY,
  txid      BLOB NOT NULL UNIQUE,
  raw       BLOB NOT NULL,
  height    INTEGER NOT NULL,
  timestamp INTEGER NOT NULL,
  weight    TEXT NOT NULL DEFAULT '0',
  best      BLOB,
  watched   INTEGER NOT NULL DEFAULT 1,
  status    TEXT NOT NULL CHECK (status IN ('pending', 'confirmed', 'conflicted'))
) STRICT;
INSERT INTO txs_v3 (seq, txid, raw, height, timestamp, weight, best, watched, status)
  SELECT seq, txid, raw, height, timestamp, '0', NULL, 1, 'pending' FROM txs ORDER BY seq;

CREATE TABLE outputs_v3 (
  hash    BLOB NOT NULL,
  tx      INTEGER NOT NULL REFERENCES txs_v3 (seq),
  idx     INTEGER NOT NULL,
  amount  INTEGER NOT NULL CHECK (amount >= 1),
  PRIMARY KEY (hash, tx, idx)
) STRICT, WITHOUT ROWID;
INSERT INTO outputs_v3 SELECT hash, tx, idx, amount FROM outputs;

CREATE TABLE spends_v3 (
  prev     INTEGER NOT NULL REFERENCES txs_v3 (seq),
  prev_idx INTEGER NOT NULL,
  tx       INTEGER NOT NULL REFERENCES txs_v3 (seq),
  PRIMARY KEY (prev, prev_idx, tx)
) STRICT, WITHOUT ROWID;
INSERT INTO spends_v3 SELECT prev, prev_idx, tx FROM spends;

DROP TABLE spends;
DROP TABLE outputs;
DROP TABLE txs;
ALTER TABLE txs_v3 RENAME TO txs;
ALTER TABLE outputs_v3 RENAME TO outputs;
ALTER TABLE spends_v3 RENAME TO spends;
CREATE INDEX txs_watched ON txs (watched) WHERE watched = 1;
CREATE INDEX spends_by_tx ON spends (tx);

CREATE TABLE confs (
  seq   INTEGER PRIMARY KEY,
  id    BLOB NOT NULL UNIQUE,
  tx    INTEGER NOT NULL REFERENCES txs (seq),
  bits  INTEGER NOT NULL,
  nonce BLOB NOT NULL,
  refs  BLOB NOT NULL
) STRICT;
CREATE INDEX confs_by_tx ON confs (tx);
CREATE TABLE conf_refs (
  ref  INTEGER NOT NULL REFERENCES confs (seq),
  conf INTEGER NOT NULL REFERENCES confs (seq),
  PRIMARY KEY (ref, conf)
) STRICT, WITHOUT ROWID;

DELETE FROM meta WHERE key = 'digest';
INSERT INTO meta (key, value) VALUES ('recompute', '1');
