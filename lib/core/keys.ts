/**
 * secp256k1 keys (SEC1). Public keys travel compressed: 33 bytes, 0x02/0x03 ‖ X.
 * Randomness is injected so this module stays pure.
 * @module
 */
import * as secp from "@noble/secp256k1";
import { createPublicKey } from "node:crypto";
import { Buffer } from "node:buffer";
import { checkBytes } from "./bytes.ts";
import { toHex } from "./hash.ts";
import { PUBLIC_KEY_BYTES, SECRET_KEY_BYTES } from "./sizes.ts";

export { PUBLIC_KEY_BYTES, SECRET_KEY_BYTES };

/** A source of random bytes, such as `crypto.getRandomValues` wrapped. */
export type RandomBytes = (n: number) => Uint8Array;

/** A key pair. `secretKey` is 32 bytes, `publicKey` is compressed (33 bytes). */
export interface KeyPair {
  readonly secretKey: Uint8Array;
  readonly publicKey: Uint8Array;
}

/**
 * A key pair from a 32-byte secret key. Throws RangeError when the key is not in [1, n-1].
 *
 * @example
 * ```ts
 * import { keyPairFromSecret } from "./keys.ts";
 * const kp = keyPairFromSecret(new Uint8Array(32).fill(1));
 * if (kp.publicKey.length !== 33) throw new Error("compressed");
 * ```
 */
export function keyPairFromSecret(secretKey: Uint8Array): KeyPair {
  checkBytes(secretKey, SECRET_KEY_BYTES, "secret key");
  if (!secp.utils.isValidSecretKey(secretKey)) {
    throw new RangeError(`"secret key" expected a scalar in [1, n-1]`);
  }
  return Object.freeze({
    secretKey: Uint8Array.from(secretKey),
    publicKey: secp.getPublicKey(secretKey, true),
  });
}

/** A new random key pair, using the injected random source (retries the ~2^-128 invalid case). */
export function randomKeyPair(random: RandomBytes): KeyPair {
  for (;;) {
    const sk = random(SECRET_KEY_BYTES);
    if (secp.utils.isValidSecretKey(sk)) return keyPairFromSecret(sk);
  }
}

// Decompressing a point costs a modular square root; a LAN has few keys, so remember the
// valid ones (memoisation only: the answer never depends on the cache).
const validKeys = new Set<string>();
const VALID_KEYS_MAX = 4096;

// DER SubjectPublicKeyInfo prefix for id-ecPublicKey / secp256k1 with a 33-byte compressed
// point (RFC 5480 §2), as in verify_native.ts.
const SPKI_PREFIX = Buffer.from("3036301006072a8648ce3d020106052b8104000a032200", "hex");

/**
 * True when `pk` has the shape of a compressed SEC1 key: 33 bytes, prefix 0x02 or 0x03 (OpenSSL
 * would also take 0x05, which this refuses). Says nothing of whether it is a point; see
 * {@linkcode isValidPublicKey}.
 */
export function hasCompressedKeyShape(pk: Uint8Array): boolean {
  return pk.length === PUBLIC_KEY_BYTES && (pk[0] === 0x02 || pk[0] === 0x03);
}

/**
 * True when `pk` is a valid compressed SEC1 point on secp256k1 (SEC1 2.3.4): 33 bytes, prefix
 * 0x02 or 0x03 (checked here: OpenSSL would also take 0x05), and an x below p with a square root
 * of x³ + 7. The decompression is node:crypto's (OpenSSL), about 5x faster than noble's bigint
 * square root, which a ledger with distinct keys paid on its own thread for every new key;
 * tests/verify/backend_test.ts checks it against noble's `Point.fromBytes`.
 */
export function isValidPublicKey(pk: Uint8Array): boolean {
  if (!hasCompressedKeyShape(pk)) return false;
  const id = toHex(pk);
  if (validKeys.has(id)) return true;
  const der = Buffer.allocUnsafe(SPKI_PREFIX.length + PUBLIC_KEY_BYTES);
  der.set(SPKI_PREFIX);
  der.set(pk, SPKI_PREFIX.length);
  try {
    createPublicKey({ key: der, format: "der", type: "spki" });
  } catch {
    return false;
  }
  if (validKeys.size >= VALID_KEYS_MAX) validKeys.clear();
  validKeys.add(id);
  return true;
}
