/**
 * The anti-entropy digest of the ledger's item set (docs/PROTOCOL.md §10.3, §10.7): each
 * stored transaction and confirmation is one element, kind ‖ id, of a MuHash3072 multiset
 * hash (lib/core/set_digest.ts): one modular multiplication per stored item, and a state of 768
 * bytes that the ledger keeps in `meta`, so that opening needs no pass over the items.
 * @module
 */

/** Item kinds in the digest and in inventories. */
export const ITEM_TX = 0;
/** A confirmation. */
export const ITEM_CONF = 1;

/** The digest element of one item: its kind byte ‖ its 32-byte id. */
export function itemElement(kind: number, id: Uint8Array): Uint8Array {
  const m = new Uint8Array(1 + id.length);
  m[0] = kind;
  m.set(id, 1);
  return m;
}
