-- crackcoin ledger schema, version 1 (PRAGMA user_version = 1).
-- Applied to an empty database in one transaction. Later versions add files under
-- sql/migrations/NNN.sql that upgrade version NNN-1 to NNN; see docs/PROTOCOL.md §11.

-- Key/value facts about this ledger: the network id and the genesis txid.
CREATE TABLE meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
) STRICT;

-- Every valid transaction we hold, winners and losers alike. Orphans are not stored here.
CREATE TABLE txs (
  txid      BLOB PRIMARY KEY,            -- 32 bytes, SHA-256d of raw
  raw       BLOB NOT NULL,               -- canonical encoding (PROTOCOL.md §4)
  seq       INTEGER NOT NULL UNIQUE,     -- local arrival order, for history listings
  height    INTEGER NOT NULL,            -- 0 for the genesis, else 1 + max(parent height)
  timestamp INTEGER NOT NULL,            -- from the tx, ms since the epoch
  work      INTEGER NOT NULL DEFAULT 0,  -- work of the best confirmation, 0 if none
  nonce     BLOB,                        -- 8-byte nonce of the best confirmation
  status    TEXT NOT NULL CHECK (status IN ('pending', 'confirmed', 'conflicted'))
) STRICT;
CREATE INDEX txs_by_status_work ON txs (status, work, txid);

-- Outputs of stored transactions.
CREATE TABLE outputs (
  txid    BLOB NOT NULL REFERENCES txs (txid),
  idx     INTEGER NOT NULL,
  hash    BLOB NOT NULL,                 -- the 20-byte HASH160 an address encodes
  amount  INTEGER NOT NULL CHECK (amount >= 1),
  PRIMARY KEY (txid, idx)
) STRICT, WITHOUT ROWID;
CREATE INDEX outputs_by_hash ON outputs (hash);

-- Every spend of an outpoint by a stored transaction; several rows per outpoint = conflict.
CREATE TABLE spends (
  prev_txid BLOB NOT NULL,
  prev_idx  INTEGER NOT NULL,
  txid      BLOB NOT NULL REFERENCES txs (txid),
  PRIMARY KEY (prev_txid, prev_idx, txid)
) STRICT, WITHOUT ROWID;
CREATE INDEX spends_by_tx ON spends (txid);

PRAGMA user_version = 1;
