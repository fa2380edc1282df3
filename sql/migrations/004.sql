-- Schema version 3 → 4: the UNIQUE index on all 32 bytes of the txid goes, because txids are
-- random and each stored transaction dirtied another page of it (docs/PROTOCOL.md §11). SQLite
-- cannot drop a UNIQUE constraint, so txs is rebuilt, and with it every table whose foreign keys
-- name it (outputs, spends, confs, and conf_refs, which names confs), each copied row for row
-- with the same seqs. Children are dropped before their parents, so that no foreign key is ever
-- left dangling. Runs in one database transaction; the caller sets PRAGMA user_version = 4 in
-- the same transaction.
-- (As first released, this step also created txs_by_txid. Schema 5 keeps no SQLite index on
-- txids and 005.sql drops it, so this step no longer builds it only to have it dropped; a file
-- upgraded to 4 by the first release still has it until 005.)

CREATE TABLE txs_v4 (
  seq       INTEGER PRIMARY KEY,
  txid      BLOB NOT NULL,
  raw       BLOB NOT NULL,
  height    INTEGER NOT NULL,
  timestamp INTEGER NOT NULL,
  weight    TEXT NOT NULL DEFAULT '0',
  best      BLOB,
  watched   INTEGER NOT NULL DEFAULT 1,
  status    TEXT NOT NULL CHECK (status IN ('pending', 'confirmed', 'conflicted'))
) STRICT;
INSERT INTO txs_v4 (seq, txid, raw, height, timestamp, weight, best, watched, status)
  SELECT seq, txid, raw, height, timestamp, weight, best, watched, status FROM txs ORDER BY seq;

CREATE TABLE outputs_v4 (
  hash    BLOB NOT NULL,
  tx      INTEGER NOT NULL REFERENCES txs_v4 (seq),
  idx     INTEGER NOT NULL,
  amount  INTEGER NOT NULL CHECK (amount >= 1),
  PRIMARY KEY (hash, tx, idx)
) STRICT, WITHOUT ROWID;
INSERT INTO outputs_v4 SELECT hash, tx, idx, amount FROM outputs;

CREATE TABLE spends_v4 (
  prev     INTEGER NOT NULL REFERENCES txs_v4 (seq),
  prev_idx INTEGER NOT NULL,
  tx       INTEGER NOT NULL REFERENCES txs_v4 (seq),
  PRIMARY KEY (prev, prev_idx, tx)
) STRICT, WITHOUT ROWID;
INSERT INTO spends_v4 SELECT prev, prev_idx, tx FROM spends;

CREATE TABLE confs_v4 (
  seq   INTEGER PRIMARY KEY,
  id    BLOB NOT NULL UNIQUE,
  tx    INTEGER NOT NULL REFERENCES txs_v4 (seq),
  bits  INTEGER NOT NULL,
  nonce BLOB NOT NULL,
  refs  BLOB NOT NULL
) STRICT;
INSERT INTO confs_v4 (seq, id, tx, bits, nonce, refs)
  SELECT seq, id, tx, bits, nonce, refs FROM confs ORDER BY seq;

CREATE TABLE conf_refs_v4 (
  ref  INTEGER NOT NULL REFERENCES confs_v4 (seq),
  conf INTEGER NOT NULL REFERENCES confs_v4 (seq),
  PRIMARY KEY (ref, conf)
) STRICT, WITHOUT ROWID;
INSERT INTO conf_refs_v4 SELECT ref, conf FROM conf_refs;

DROP TABLE conf_refs;
DROP TABLE confs;
DROP TABLE spends;
DROP TABLE outputs;
DROP TABLE txs;
ALTER TABLE txs_v4 RENAME TO txs;
ALTER TABLE outputs_v4 RENAME TO outputs;
ALTER TABLE spends_v4 RENAME TO spends;
ALTER TABLE confs_v4 RENAME TO confs;
ALTER TABLE conf_refs_v4 RENAME TO conf_refs;
CREATE INDEX txs_watched ON txs (watched) WHERE watched = 1;
CREATE INDEX spends_by_tx ON spends (tx);
CREATE INDEX confs_by_tx ON confs (tx);
