/**
 * Addresses: Base58Check(version ‖ HASH160(compressed public key)), Bitcoin's P2PKH
 * construction with crackcoin's own version byte (docs/PROTOCOL.md §2).
 * @module
 */
import { base58, createBase58check } from "@scure/base";
import { sha256 } from "@noble/hashes/sha2.js";
import { checkBytes } from "./bytes.ts";
import { hash160 } from "./hash.ts";
import { HASH160_BYTES } from "./sizes.ts";

/** Address version byte. 0x1c makes every address start with "C". */
export const ADDRESS_VERSION = 0x1c;
/** Length of an address payload (HASH160) in bytes. */
export const ADDRESS_HASH_BYTES = HASH160_BYTES;

const b58check = createBase58check(sha256);

/** Raw Base58 (Bitcoin alphabet), no checksum. */
export function encodeBase58(bytes: Uint8Array): string {
  return base58.encode(bytes);
}

/** Raw Base58 decode. Throws TypeError on a character outside the alphabet. */
export function decodeBase58(text: string): Uint8Array {
  try {
    return base58.decode(text);
  } catch (e) {
    throw new TypeError(`Cannot decode Base58 "${text}": ${(e as Error).message}`);
  }
}

/** Base58Check: payload ‖ first 4 bytes of SHA-256d(payload), in Base58. */
export function encodeBase58Check(payload: Uint8Array): string {
  return b58check.encode(payload);
}

/** Base58Check decode. Throws TypeError on a bad character or checksum. */
export function decodeBase58Check(text: string): Uint8Array {
  try {
    return b58check.decode(text);
  } catch (e) {
    throw new TypeError(`Cannot decode Base58Check "${text}": ${(e as Error).message}`);
  }
}

/**
 * Encode a 20-byte public-key hash as an address.
 *
 * @example
 * ```ts
 * import { decodeAddress, encodeAddress } from "./address.ts";
 * const a = encodeAddress(new Uint8Array(20));
 * if (!a.startsWith("C") || decodeAddress(a).length !== 20) throw new Error("address");
 * ```
 */
export function encodeAddress(hash: Uint8Array, version = ADDRESS_VERSION): string {
  checkBytes(hash, ADDRESS_HASH_BYTES, "address hash");
  const payload = new Uint8Array(1 + ADDRESS_HASH_BYTES);
  payload[0] = version;
  payload.set(hash, 1);
  return encodeBase58Check(payload);
}

/**
 * Decode an address to its 20-byte hash. Throws TypeError with a clear message on a bad
 * character, a bad checksum (a mistyped address), a wrong length or a wrong version.
 */
export function decodeAddress(text: string, version = ADDRESS_VERSION): Uint8Array {
  if (typeof text !== "string" || text.length === 0 || text.length > 64) {
    throw new TypeError(`Invalid address "${text}": expected 25-40 Base58 characters`);
  }
  let payload: Uint8Array;
  try {
    payload = b58check.decode(text);
  } catch {
    throw new TypeError(`Invalid address "${text}": bad character or checksum (mistyped?)`);
  }
  if (payload.length !== 1 + ADDRESS_HASH_BYTES) {
    throw new TypeError(
      `Invalid address "${text}": expected a 21-byte payload, got ${payload.length} bytes`,
    );
  }
  if (payload[0] !== version) {
    throw new TypeError(
      `Invalid address "${text}": version byte ${payload[0]} is not crackcoin's ${version}`,
    );
  }
  return payload.slice(1);
}

/** The address of a compressed public key. */
export function addressFromPublicKey(publicKey: Uint8Array): string {
  return encodeAddress(hash160(publicKey));
}
