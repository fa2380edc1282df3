/**
 * Fast signature verification through the runtime's native `node:crypto` (OpenSSL/BoringSSL
 * class code), about 5x noble. It is cross-checked against noble in tests
 * (tests/core/verify_native_test.ts). Deno's node:crypto happens to refuse high-S today, but OpenSSL-style
 * ECDSA does not promise it, so the low-S and range rules are enforced here, not assumed.
 * @module
 */
import { createPublicKey, type KeyObject, verify } from "node:crypto";
import { Buffer } from "node:buffer";
import { isLowS, isSignatureInRange } from "./sign.ts";
import { isValidPublicKey } from "./keys.ts";

// DER SubjectPublicKeyInfo prefix for id-ecPublicKey / secp256k1 with a 33-byte compressed point.
const SPKI_PREFIX = Uint8Array.from([
  0x30,
  0x36,
  0x30,
  0x10,
  0x06,
  0x07,
  0x2a,
  0x86,
  0x48,
  0xce,
  0x3d,
  0x02,
  0x01,
  0x06,
  0x05,
  0x2b,
  0x81,
  0x04,
  0x00,
  0x0a,
  0x03,
  0x22,
  0x00,
]);

const keyCache = new Map<string, KeyObject>();
const KEY_CACHE_MAX = 4096;

function keyObject(publicKey: Uint8Array): KeyObject {
  const id = Buffer.from(publicKey).toString("hex");
  let k = keyCache.get(id);
  if (k === undefined) {
    const der = new Uint8Array(SPKI_PREFIX.length + 33);
    der.set(SPKI_PREFIX);
    der.set(publicKey, SPKI_PREFIX.length);
    k = createPublicKey({ key: Buffer.from(der), format: "der", type: "spki" });
    if (keyCache.size >= KEY_CACHE_MAX) keyCache.clear();
    keyCache.set(id, k);
  }
  return k;
}

/**
 * Verify a compact low-S signature over `message` (ECDSA-SHA256 of the message) natively.
 * Same answers as `verifyMessageNoble`.
 */
export function verifyMessageNative(
  signature: Uint8Array,
  message: Uint8Array,
  publicKey: Uint8Array,
): boolean {
  if (!isSignatureInRange(signature) || !isLowS(signature)) return false;
  if (!isValidPublicKey(publicKey)) return false;
  try {
    return verify(
      "sha256",
      message,
      { key: keyObject(publicKey), dsaEncoding: "ieee-p1363" },
      signature,
    );
  } catch {
    return false;
  }
}
