-- crackcoin ledger schema, version 6 (PRAGMA user_version = 6): protocol v2, confirmations form
-- a DAG (docs/PROTOCOL.md §6, §11).
-- Applied to an empty database in one transaction. A database of an older version is
-- upgraded by sql/migrations/NNN.sql, which turns version NNN-1 into NNN; see
-- docs/PROTOCOL.md §11.
--
-- Layout for write locality: rows are keyed by `seq`, the local arrival order, so that a new
-- transaction appends to every table and index but the outputs' (keyed by address). Txids are
-- random, so no SQLite index holds them: a Ledger finds a txid's seq through an index it keeps
-- in memory (lib/ledger/txid_index.ts, schema version 5). (Version 1 keyed everything by txid:
-- a batch of 256 transactions dirtied about 1,300 pages scattered over six B-trees.)

-- Key/value facts about this ledger: the network id and the genesis txid.
CREATE TABLE meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
) STRICT;

-- Every valid transaction we hold, winners and losers alike. Orphans are not stored here.
CREATE TABLE txs (
  seq       INTEGER PRIMARY KEY,         -- local storage order (shared with confs.seq); 1 = genesis
  txid      BLOB NOT NULL,               -- 32 bytes, SHA-256d of raw; distinct (the ledger
                                         -- stores a txid only after finding it absent); found
                                         -- through the Ledger's in-memory txid index
  raw       BLOB NOT NULL,               -- canonical encoding (PROTOCOL.md §4)
  height    INTEGER NOT NULL,            -- 0 for the genesis, else 1 + max(parent height)
  timestamp INTEGER NOT NULL,            -- from the tx, ms since the epoch
  weight    TEXT NOT NULL DEFAULT '0',   -- cumulative weight in hashes (decimal); exact while
                                         -- watched, else the lower bound it had when unwatched
  best      BLOB,                        -- smallest approving pow hash, while watched
  watched   INTEGER NOT NULL DEFAULT 1,  -- 1: weight below the threshold, or contested (§11)
  -- Written as ORs, not IN: SQLite builds a temporary table for an IN list of three or more
  -- constants on every INSERT and status UPDATE (schema version 6).
  status    TEXT NOT NULL
            CHECK (status = 'pending' OR status = 'confirmed' OR status = 'conflicted')
) STRICT;
CREATE INDEX txs_watched ON txs (watched) WHERE watched = 1;

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

-- Confirmations (PROTOCOL.md §6), stored once their transaction and refs are stored.
CREATE TABLE confs (
  seq   INTEGER PRIMARY KEY,             -- storage order, shared with txs.seq
  id    BLOB NOT NULL UNIQUE,            -- the pow hash, 32 bytes
  tx    INTEGER NOT NULL REFERENCES txs (seq),
  bits  INTEGER NOT NULL,                -- claimed work; weight 2^bits
  nonce BLOB NOT NULL,                   -- 8 bytes
  refs  BLOB NOT NULL                    -- the refs' ids, 32 bytes each, in canonical order
) STRICT;
CREATE INDEX confs_by_tx ON confs (tx);

-- The DAG's edges, by referenced confirmation: walks a confirmation's future cone (§11).
CREATE TABLE conf_refs (
  ref  INTEGER NOT NULL REFERENCES confs (seq),
  conf INTEGER NOT NULL REFERENCES confs (seq),
  PRIMARY KEY (ref, conf)
) STRICT, WITHOUT ROWID;

PRAGMA user_version = 6;
