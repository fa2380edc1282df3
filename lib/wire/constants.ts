/**
 * Datagram sizes, header fields, message type codes and the per-type maxima derived from
 * them (docs/PROTOCOL.md §9). Every limit here is computed, never typed in twice.
 * @module
 */
import { TX_FIXED_BYTES, TXID_BYTES } from "../core/tx.ts";
import { CONF_FIXED_BYTES, CONF_MAX_BYTES } from "../core/confirmation.ts";
import { SHA256_BYTES } from "../core/sizes.ts";

/**
 * Largest datagram we send or accept. It carries the largest transaction (MAX_TX_BYTES plus
 * header and count), stays far below UDP's 65,507-byte limit and default socket buffers, and
 * needs 6 IP fragments on a 1500-byte MTU instead of 45 for a 64 KiB datagram
 * (docs/PROTOCOL.md §9.1).
 */
export const MAX_DATAGRAM_BYTES = 8192;

/** The magic "CRKC" (0x43 0x52 0x4b 0x43) that opens every datagram. */
export const MAGIC: readonly number[] = Object.freeze([0x43, 0x52, 0x4b, 0x43]);
/** Bytes of the magic. */
export const MAGIC_BYTES = 4;
/**
 * The only protocol version this code speaks: 2, confirmations that accumulate
 * (docs/PROTOCOL.md §6). A version 1 datagram fails check 2 and is counted, never parsed.
 */
export const PROTOCOL_VERSION = 2;
/** Bytes of a network id: the first 8 bytes of the genesis txid. */
export const NETWORK_ID_BYTES = 8;
/** Bytes of a node id: random for each run of a node. */
export const NODE_ID_BYTES = 8;
/** Header: magic 4, version 1, network id 8, sender node id 8, message type 1. */
export const HEADER_BYTES = MAGIC_BYTES + 1 + NETWORK_ID_BYTES + NODE_ID_BYTES + 1;
/** Largest message body: what the header leaves of a datagram. */
export const MAX_BODY_BYTES = MAX_DATAGRAM_BYTES - HEADER_BYTES;

/** Message type names and their one-byte codes. */
export const MESSAGE_TYPE_CODES = Object.freeze(
  {
    "tx": 1,
    "conf": 2,
    "sync-req": 3,
    "summary": 4,
    "get-inv": 5,
    "inv": 6,
    "get-data": 7,
  } as const,
);

/** A message type name. */
export type MessageType = keyof typeof MESSAGE_TYPE_CODES;

/** Message type names by code; index 0 and codes above 7 are unknown. */
export const MESSAGE_TYPES: readonly (MessageType | undefined)[] = Object.freeze([
  undefined,
  "tx",
  "conf",
  "sync-req",
  "summary",
  "get-inv",
  "inv",
  "get-data",
]);

/** Smallest confirmation entry: txid 32, bits 1, nrefs 1 (no refs), nonce u64. */
export const CONF_ENTRY_BYTES = CONF_FIXED_BYTES;
/** Largest confirmation entry: with MAX_REFS refs of 32 bytes. */
export const CONF_ENTRY_MAX_BYTES = CONF_MAX_BYTES;
/** Bytes of one inventory entry: id 32, kind u16 (0 transaction, 1 confirmation). */
export const INV_ENTRY_BYTES = TXID_BYTES + 2;
/** Bytes of an inventory's fixed part: cursor 32, more flag 1, count u16. */
export const INV_FIXED_BYTES = TXID_BYTES + 1 + 2;
/** Bytes of a digest in a summary. */
export const DIGEST_BYTES = SHA256_BYTES;
/** Bytes of a summary body: transaction count u32, digest. */
export const SUMMARY_BYTES = 4 + DIGEST_BYTES;
/** Bytes of a get-inv body: cursor 32, limit u16. */
export const GET_INV_BYTES = TXID_BYTES + 2;
/** Inventory kind of a transaction (lib/ledger/item_digest.ts `ITEM_TX` is the same number). */
export const ITEM_KIND_TX = 0;
/** Largest inventory kind: 0 a transaction, 1 a confirmation. */
export const MAX_ITEM_KIND = 1;
/** The v1 name of the inventory entry's limit; in v2 the entry carries a kind. */
export const MAX_WORK = MAX_ITEM_KIND;

/** Most transactions in one `tx` datagram (the count is one byte). */
export const MAX_TX_ENTRIES = 255;
/** Smallest encoded transaction: the fixed fields with no inputs and no outputs. */
export const MIN_TX_BYTES = TX_FIXED_BYTES;
/** Most confirmations in one `conf` datagram: (8170 - 2) / 42 = 194 (all without refs). */
export const MAX_CONF_ENTRIES = Math.floor((MAX_BODY_BYTES - 2) / CONF_ENTRY_BYTES);
/** Most entries in one `inv` datagram: (8170 - 35) / 34 = 239. */
export const MAX_INV_ENTRIES = Math.floor((MAX_BODY_BYTES - INV_FIXED_BYTES) / INV_ENTRY_BYTES);
/** Most txids in one `get-data` datagram: (8170 - 2) / 32 = 255. */
export const MAX_GET_DATA_ENTRIES = Math.floor((MAX_BODY_BYTES - 2) / TXID_BYTES);

/**
 * Most bytes a sender packs into one datagram of many items (`tx`, `conf`, `inv`, `get-data`);
 * a single item larger than this still goes alone, up to MAX_DATAGRAM_BYTES, and receivers
 * accept up to MAX_DATAGRAM_BYTES (docs/PROTOCOL.md §9.1). Linux charges a received datagram
 * to the socket's receive buffer by the memory it occupies, and that doubles just below 8 KiB:
 * measured on loopback, datagrams of 1,400 / 4,000 / 7,800 bytes are charged 2,304 / 8,448 /
 * 8,448 bytes, ones of 8,000 / 8,192 bytes 16,640. Packed to this size, the three batches a
 * sync keeps in flight take about half of the default 212,992-byte buffer instead of all of it,
 * so a receiver busy with a commit does not drop the end of a reply.
 */
export const PACK_TARGET_BYTES = 7680;
/** Entries an `inv` reply carries at most: (7680 - 22 - 35) / 34 = 224. */
export const INV_PAGE_ENTRIES = Math.floor(
  (PACK_TARGET_BYTES - HEADER_BYTES - INV_FIXED_BYTES) / INV_ENTRY_BYTES,
);
/** Txids a `get-data` datagram carries at most when packed: (7680 - 22 - 2) / 32 = 239. */
export const GET_DATA_PACK_ENTRIES = Math.floor(
  (PACK_TARGET_BYTES - HEADER_BYTES - 2) / TXID_BYTES,
);

/** Largest body of each message type: decoder check 5 (docs/PROTOCOL.md §9.4). */
export const MAX_BODY_BYTES_BY_TYPE: Readonly<Record<MessageType, number>> = Object.freeze({
  "tx": MAX_BODY_BYTES,
  "conf": MAX_BODY_BYTES,
  "sync-req": 0,
  "summary": SUMMARY_BYTES,
  "get-inv": GET_INV_BYTES,
  "inv": INV_FIXED_BYTES + MAX_INV_ENTRIES * INV_ENTRY_BYTES,
  "get-data": 2 + MAX_GET_DATA_ENTRIES * TXID_BYTES,
});
