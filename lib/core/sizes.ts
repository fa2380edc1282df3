/**
 * The byte sizes of the protocol's fixed-length values, named once (docs/PROTOCOL.md §2, §4,
 * §5). Every module that checks or slices one of these uses the name, not the number.
 * @module
 */

/** Bytes of a SHA-256 digest (FIPS 180-4), and so of a txid and a sighash message. */
export const SHA256_BYTES = 32;
/** Bytes of a txid: SHA-256d of the canonical encoding (docs/PROTOCOL.md §4). */
export const TXID_BYTES = SHA256_BYTES;
/** Bytes of HASH160 = RIPEMD-160(SHA-256(·)): an address payload (docs/PROTOCOL.md §2). */
export const HASH160_BYTES = 20;
/** Bytes of a secp256k1 secret key (SEC 1 §2.3.6). */
export const SECRET_KEY_BYTES = 32;
/** Bytes of a compressed SEC 1 public key: 0x02/0x03 ‖ X (SEC 1 §2.3.3). */
export const PUBLIC_KEY_BYTES = 33;
/** Bytes of a compact ECDSA signature r ‖ s, 32 bytes each (docs/PROTOCOL.md §5). */
export const SIGNATURE_BYTES = 64;
/** Bytes of one scalar of a compact signature (r or s). */
export const SCALAR_BYTES = SIGNATURE_BYTES / 2;
