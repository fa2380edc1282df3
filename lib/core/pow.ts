/**
 * Proof-of-work rule and the protocol's work constants (docs/PROTOCOL.md §6, §8). Work = leading
 * zero bits of SHA-256(32 bytes ‖ nonce as u64 BE), a 40-byte message that fits one SHA-256
 * block. Version 2 confirmations (`confirmation.ts`) hash their commitment this way; the genesis
 * confirmation (§13) hashes the genesis txid.
 * @module
 */
import { sha256 } from "./hash.ts";

/** Bytes of a confirmation nonce. */
export const NONCE_BYTES = 8;
/**
 * A live transaction is confirmed when its cumulative weight is at least 2^CONFIRM_WEIGHT_BITS
 * hashes (docs/PROTOCOL.md §8).
 */
export const CONFIRM_WEIGHT_BITS = 24;
/** The v1 name of the threshold; in v2 it is on cumulative weight (log2 of hashes). */
export const CONFIRM_WORK_BITS = CONFIRM_WEIGHT_BITS;
/** Smallest `bits` a confirmation may claim: bounds what a stranger can make a node store. */
export const MIN_CONF_BITS = 20;
/** Largest `bits` a confirmation may claim. */
export const MAX_CONF_BITS = 64;
/** Most refs (approved earlier confirmations) in one confirmation. */
export const MAX_REFS = 4;

/** Number of leading zero bits of a byte string (0..8*length). */
export function leadingZeroBits(hash: Uint8Array): number {
  let bits = 0;
  for (let i = 0; i < hash.length; i++) {
    const b = hash[i];
    if (b === 0) {
      bits += 8;
      continue;
    }
    return bits + Math.clz32(b) - 24;
  }
  return bits;
}

/** The 40-byte PoW message (32 bytes: a commitment or the genesis txid) ‖ nonce. */
export function powMessage(txid: Uint8Array, nonce: bigint): Uint8Array {
  const m = new Uint8Array(32 + NONCE_BYTES);
  m.set(txid);
  new DataView(m.buffer).setBigUint64(32, nonce);
  return m;
}

/**
 * Leading zero bits of SHA-256(txid ‖ nonce), with the reference SHA-256: the genesis
 * confirmation's work (docs/PROTOCOL.md §13), and the search kernels' reference.
 *
 * @example
 * ```ts
 * import { confirmationWork } from "./pow.ts";
 * const w = confirmationWork(new Uint8Array(32), 0n);
 * if (w < 0 || w > 256) throw new Error("range");
 * ```
 */
export function confirmationWork(txid: Uint8Array, nonce: bigint): number {
  return leadingZeroBits(sha256(powMessage(txid, nonce)));
}
