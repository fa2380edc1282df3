/**
 * Signature verification through the runtime's own `node:crypto` (OpenSSL/BoringSSL class
 * code), and the checks every verification backend runs first. Cross-checked against noble
 * on every input class in tests (tests/verify/backend_test.ts, tests/core/wycheproof_test.ts).
 *
 * The project's rules are enforced here, not left to a backend (docs/PROTOCOL.md §5):
 * - r and s in [1, n-1], and low S (s ≤ n/2). OpenSSL-style ECDSA does not promise to refuse
 *   high S; libsecp256k1 does, but the rule stays ours.
 * - The public key is 33 bytes with prefix 0x02 or 0x03 (SEC1 2.3.3 compressed form).
 *   node:crypto accepts other prefixes, such as 0x05, as if they were compressed points.
 * Whether the 32 bytes after the prefix name a point on the curve is the backend's check: both
 * backends refuse x ≥ p and an x with no square root (the tests prove it against noble).
 * @module
 */
import { verify } from "node:crypto";
import { Buffer } from "node:buffer";
import { isLowS, isSignatureInRange } from "./sign.ts";
import { hasCompressedKeyShape } from "./keys.ts";

/** Length of a compact r‖s signature. */
const SIGNATURE_BYTES = 64;
/** Length of a compressed SEC1 public key. */
const PUBLIC_KEY_BYTES = 33;

// DER SubjectPublicKeyInfo prefix for id-ecPublicKey / secp256k1 with a 33-byte compressed
// point (RFC 5480 §2): SEQUENCE { SEQUENCE { OID ecPublicKey, OID secp256k1 }, BIT STRING }.
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

/**
 * The project's checks before any backend sees a signature: a 64-byte compact signature with
 * r, s in [1, n-1] and low S, and a 33-byte key with prefix 0x02 or 0x03. A backend's own
 * parser then decides whether the key is a point on the curve. Pure; never throws.
 *
 * @example
 * ```ts
 * import { passesVerifyPrechecks } from "./verify_native.ts";
 * const sig = new Uint8Array(64).fill(1);
 * const key = Uint8Array.of(0x05, ...new Uint8Array(32).fill(1));
 * if (passesVerifyPrechecks(sig, key)) throw new Error("0x05 keys are refused");
 * ```
 */
export function passesVerifyPrechecks(signature: Uint8Array, publicKey: Uint8Array): boolean {
  return signature instanceof Uint8Array && signature.length === SIGNATURE_BYTES &&
    publicKey instanceof Uint8Array && hasCompressedKeyShape(publicKey) &&
    isSignatureInRange(signature) && isLowS(signature);
}

/**
 * The node:crypto backend alone: ECDSA-SHA256 verification of a compact signature over
 * `message` with a compressed key, and none of the project's checks. False for a key that is
 * not a point; never throws. Exported for the benchmark's "backend alone" figure.
 */
export function nodeCryptoVerify(
  signature: Uint8Array,
  message: Uint8Array,
  publicKey: Uint8Array,
): boolean {
  const der = Buffer.allocUnsafe(SPKI_PREFIX.length + PUBLIC_KEY_BYTES);
  der.set(SPKI_PREFIX);
  der.set(publicKey, SPKI_PREFIX.length);
  try {
    return verify(
      "sha256",
      message,
      { key: der, format: "der", type: "spki", dsaEncoding: "ieee-p1363" },
      signature,
    );
  } catch {
    return false; // not a point on the curve, or x ≥ p
  }
}

/**
 * Verifies a compact low-S signature over `message` (ECDSA with e = SHA-256(message)) with
 * node:crypto, after the project's checks. Same answers as `verifyMessageNoble`; never throws.
 * Every key is imported afresh: with distinct keys (a real ingest) a key cache only costs.
 *
 * @example
 * ```ts
 * import { verifyMessageNative } from "./verify_native.ts";
 * import { initSigning, signMessage } from "./sign.ts";
 * import { keyPairFromSecret } from "./keys.ts";
 * initSigning();
 * const keys = keyPairFromSecret(new Uint8Array(32).fill(7));
 * const msg = new Uint8Array(32).fill(1);
 * if (!verifyMessageNative(signMessage(msg, keys.secretKey), msg, keys.publicKey)) {
 *   throw new Error("verify");
 * }
 * ```
 */
export function verifyMessageNative(
  signature: Uint8Array,
  message: Uint8Array,
  publicKey: Uint8Array,
): boolean {
  return passesVerifyPrechecks(signature, publicKey) && message instanceof Uint8Array &&
    nodeCryptoVerify(signature, message, publicKey);
}
