/**
 * Confirmations: (txid, nonce). Work = leading zero bits of SHA-256(txid ‖ nonce as u64 BE),
 * a 40-byte message that fits one SHA-256 block (docs/PROTOCOL.md §6).
 * @module
 */
import { sha256 } from "./hash.ts";

/** Bytes of a confirmation nonce. */
export const NONCE_BYTES = 8;
/** Work at or above which a winning transaction is confirmed (docs/PROTOCOL.md §8). */
export const CONFIRM_WORK_BITS = 20;

/** A confirmation: a nonce for a txid. Its work is derived, never trusted. */
export interface Confirmation {
  readonly txid: Uint8Array;
  readonly nonce: bigint;
}

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

/** The 40-byte PoW message txid ‖ nonce. */
export function powMessage(txid: Uint8Array, nonce: bigint): Uint8Array {
  const m = new Uint8Array(32 + NONCE_BYTES);
  m.set(txid);
  new DataView(m.buffer).setBigUint64(32, nonce);
  return m;
}

/**
 * The work of a confirmation, computed with the reference SHA-256.
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
