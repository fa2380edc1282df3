/**
 * Ledger test fixtures: a small-work test network and nonces of chosen work.
 * @module
 */
import { type Genesis, makeGenesis as genesisOf } from "../../lib/core/genesis.ts";
import { toHex } from "../../lib/core/hash.ts";
import { confirmationWork } from "../../lib/core/pow.ts";
import { type Tx, txid } from "../../lib/core/tx.ts";
import { makeGenesis, T0 } from "./fixtures.ts";
import type { KeyPair } from "../../lib/core/keys.ts";

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
