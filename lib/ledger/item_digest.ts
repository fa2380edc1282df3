/**
 * The anti-entropy digest of the ledger's item set (docs/PROTOCOL.md §10.3): each stored
 * transaction and confirmation contributes SHA-256(kind ‖ id), combined in O(1) per item.
 * The combination is still XOR here, which an attacker can cancel on purpose; MuHash3072
 * (lib/core/set_digest.ts, another branch) replaces `combine` with the same inputs.
 * @module
 */
import { sha256 } from "../core/hash.ts";

/** Item kinds in the digest and in inventories. */
export const ITEM_TX = 0;
/** A confirmation. */
export const ITEM_CONF = 1;

/** SHA-256(kind ‖ id): one item's contribution. */
export function itemHash(kind: number, id: Uint8Array): Uint8Array {
  const m = new Uint8Array(1 + id.length);
  m[0] = kind;
  m.set(id, 1);
  return sha256(m);
}

/** Adds one item's hash into `acc` (32 bytes, in place). */
export function combine(acc: Uint8Array, h: Uint8Array): void {
  for (let i = 0; i < 32; i++) acc[i] ^= h[i];
}
