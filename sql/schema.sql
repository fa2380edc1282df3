-- crackcoin ledger schema, version 2 (PRAGMA user_version = 2).
-- Applied to an empty database in one transaction. A database of an older version is
-- upgraded by sql/migrations/NNN.sql, which turns version NNN-1 into NNN; see
-- docs/PROTOCOL.md §11.
--
-- Layout for write locality: rows are keyed by `seq`, the local arrival order, so that a new
-- transaction appends to every table and index except the one txid index it must have.
-- (Version 1 keyed everything by txid, a random key: a batch of 256 transactions dirtied
-- about 1,300 pages scattered over six B-trees.)

-- Key/value facts about this ledger: the network id and the genesis txid.
CREATE TABLE meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
) STRICT;

-- Every valid transaction we hold, winners and losers alike. Orphans are not stored here.
CREATE TABLE txs (
  seq       INTEGER PRIMARY KEY,         -- local arrival order (the rowid); 1 is the genesis
  txid      BLOB NOT NULL UNIQUE,        -- 32 bytes, SHA-256d of raw
  raw       BLOB NOT NULL,               -- canonical encoding (PROTOCOL.md §4)
  height    INTEGER NOT NULL,            -- 0 for the genesis, else 1 + max(parent height)
  timestamp INTEGER NOT NULL,            -- from the tx, ms since the epoch
  work      INTEGER NOT NULL DEFAULT 0,  -- work of the best confirmation, 0 if none
  nonce     BLOB,                        -- 8-byte nonce of the best confirmation
  status    TEXT NOT NULL CHECK (status IN ('pending', 'confirmed', 'conflicted'))
) STRICT;
-- Miners' target: least work first, then oldest (entries are (work, seq)).
CREATE INDEX txs_by_work ON txs (work);

-- Outputs of stored transactions, by owner: the address queries (balance, unspent coins)
-- read one key range. Validation reads a parent's outputs from its raw encoding instead.
CREATE TABLE outputs (
  hash    BLOB NOT NULL,                 -- the 20-byte HASH160 an address encodes
  tx      INTEGER NOT NULL REFERENCES txs (seq),
  idx     INTEGER NOT NULL,
  amount  INTEGER NOT NULL CHECK (amount >= 1),
  PRIMARY KEY (hash, tx, idx)
) STRICT, WITHOUT ROWID;

-- Every spend of an outpoint by a stored transaction; several rows per outpoint = conflict.
CREATE TABLE spends (
  prev     INTEGER NOT NULL REFERENCES txs (seq),  -- the spent output's transaction
  prev_idx INTEGER NOT NULL,
  tx       INTEGER NOT NULL REFERENCES txs (seq),  -- the spender
  PRIMARY KEY (prev, prev_idx, tx)
) STRICT, WITHOUT ROWID;
CREATE INDEX spends_by_tx ON spends (tx);

PRAGMA user_version = 2;
