/**
 * Test helpers for the confirmation DAG (docs/PROTOCOL.md §6): real confirmations of a few
 * bits (cheap to find), random DAGs over a history, and the pure rule's view of them.
 * @module
 */
import {
  canonicalRefs,
  checkConfirmation,
  confirmationCommitment,
  type IdentifiedConfirmation,
} from "../../lib/core/confirmation.ts";
import { sha256, toHex } from "../../lib/core/hash.ts";
import { leadingZeroBits, powMessage } from "../../lib/core/pow.ts";
import type { StateConf } from "../../lib/core/state.ts";
import { type Tx, txid } from "../../lib/core/tx.ts";
import { prng } from "./fixtures.ts";

/** Finds a nonce for (txid, bits, refs) by plain search; bits should stay below ~14. */
export function mineConf(
  tx: Uint8Array,
  bits: number,
  refs: readonly Uint8Array[] = [],
  start = 0n,
): IdentifiedConfirmation {
  const c = { txid: tx, bits, refs: canonicalRefs(refs) };
  const commitment = confirmationCommitment(c);
  for (let nonce = start;; nonce++) {
    if (leadingZeroBits(sha256(powMessage(commitment, nonce))) >= bits) {
      return checkConfirmation({ ...c, nonce }, 1);
    }
  }
}

/** The pure rule's view of a confirmation. */
export function stateConf(c: IdentifiedConfirmation): StateConf {
  return { id: toHex(c.id), txid: toHex(c.txid), bits: c.bits, refs: c.refs.map(toHex) };
}

/**
 * `n` random confirmations over `txs` (parents before children), in creation order: each
 * hardens a random transaction with 1..maxBits bits and refs up to 4 random earlier ones.
 */
export function randomDag(
  seed: number,
  txs: readonly Tx[],
  n: number,
  maxBits = 6,
): IdentifiedConfirmation[] {
  const rnd = prng(seed);
  const out: IdentifiedConfirmation[] = [];
  const ids = txs.map((t) => txid(t));
  for (let k = 0; k < n; k++) {
    const tx = ids[Math.floor(rnd() * ids.length)];
    const nRefs = Math.min(out.length, Math.floor(rnd() * 5));
    const refs: Uint8Array[] = [];
    for (let i = 0; i < nRefs; i++) refs.push(out[Math.floor(rnd() * out.length)].id);
    const bits = 1 + Math.floor(rnd() * maxBits);
    out.push(mineConf(tx, bits, refs, BigInt(Math.floor(rnd() * 1e9))));
  }
  return out;
}
