/**
 * Ledger test fixtures: a small-work test network and nonces of chosen work.
 * @module
 */
import { type Genesis, makeGenesis as genesisOf } from "../../lib/core/genesis.ts";
import { hash160, toHex } from "../../lib/core/hash.ts";
import { confirmationWork } from "../../lib/core/pow.ts";
import { encodeTx, type Tx, txid } from "../../lib/core/tx.ts";

import { makeGenesis, T0 } from "./fixtures.ts";
import type { KeyPair } from "../../lib/core/keys.ts";
import { type Ledger, type LedgerOptions, openLedger } from "../../lib/ledger/ledger.ts";

/** Confirmation threshold used by ledger tests, so that nonces are cheap to find. */
export const TEST_CONFIRM_WORK = 8;

const nonceCache = new Map<string, bigint[]>();

/** A nonce whose confirmation has exactly `work` bits (work ≤ 12), found by search. */
export function nonceForWork(id: Uint8Array, work: number): bigint {
  const key = toHex(id);
  let table = nonceCache.get(key);
  if (!table) nonceCache.set(key, table = []);
  if (table[work] !== undefined) return table[work];
  for (let n = BigInt(table.length * 0);; n++) {
    const w = confirmationWork(id, n);
    if (table[w] === undefined) table[w] = n;
    if (w === work) return n;
  }
}

/** A test genesis confirmed above TEST_CONFIRM_WORK. */
export function testGenesis(keys: KeyPair, supply = 1_000_000n): Genesis {
  const tx: Tx = makeGenesis(keys, supply, T0);
  return genesisOf(tx, nonceForWork(txid(tx), 10));
}

/**
 * `n` chained payments of 1 to `payee`, each spending the change of the one before (the first
 * spends the genesis output), with a placeholder signature (in range, low-S, verifying
 * nothing): for ledgers opened with `verify: () => true`, which test storage, not signatures.
 * Returns the encodings and the txids, in order.
 */
export function unsignedChain(
  genesis: Genesis,
  payer: KeyPair,
  payee: KeyPair,
  n: number,
): { raws: Uint8Array[]; ids: Uint8Array[] } {
  const signature = new Uint8Array(64);
  signature[31] = 1;
  signature[63] = 1;
  const raws: Uint8Array[] = [];
  const ids: Uint8Array[] = [];
  let prev = genesis.txid, index = 0, amount = genesis.supply;
  for (let i = 0; i < n; i++) {
    const t: Tx = {
      version: 1,
      timestamp: T0 + i,
      inputs: [{ txid: prev, index, publicKey: payer.publicKey, signature }],
      outputs: [
        { amount: 1n, address: hash160(payee.publicKey) },
        { amount: amount - 1n, address: hash160(payer.publicKey) },
      ],
    };
    raws.push(encodeTx(t));
    prev = txid(t);
    ids.push(prev);
    index = 1;
    amount -= 1n;
  }
  return { raws, ids };
}

/**
 * Runs `check` on `ledger`, closes it, opens the file at `path` again with `options` (a
 * restart: what was committed must read back the same) and runs `check` on that, then closes
 * it too.
 */
export async function checkAcrossReopen(
  ledger: Ledger,
  path: string,
  options: LedgerOptions,
  check: (ledger: Ledger) => void,
): Promise<void> {
  check(ledger);
  ledger.close();
  const reopened = await openLedger(path, options);
  try {
    check(reopened);
  } finally {
    reopened.close();
  }
}

/**
 * SQL that turns a current ledger file's `txs` back into schema 5's, whose CHECK on `status` is
 * an IN list (sql/migrations/006.sql undoes it), copying every row: for tests of migration 006.
 * Reads the table's SQL from `db`; runs nothing. Run it outside a transaction: it turns
 * foreign keys off for the copy. The caller sets `PRAGMA user_version` itself.
 */
export function backToSchema5Sql(db: { prepare(sql: string): { get(): unknown } }): string {
  const sql = (db.prepare("SELECT sql FROM sqlite_master WHERE name = 'txs'").get() as {
    sql: string;
  }).sql;
  const v5 = sql.replace(
    /CHECK \(status = 'pending' OR status = 'confirmed' OR status = 'conflicted'\)/,
    "CHECK (status IN ('pending', 'confirmed', 'conflicted'))",
  ).replace("CREATE TABLE txs", "CREATE TABLE txs_v5");
  if (!v5.includes("IN ('pending'")) throw new Error(`txs is not schema 6's: ${sql}`);
  return "PRAGMA foreign_keys = OFF; BEGIN; " + v5 + "; INSERT INTO txs_v5 SELECT * FROM txs; " +
    "DROP TABLE txs; ALTER TABLE txs_v5 RENAME TO txs; " +
    "CREATE INDEX txs_watched ON txs (watched) WHERE watched = 1; COMMIT";
}
