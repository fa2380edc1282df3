/**
 * ECDSA signing and verification of transactions: RFC 6979 nonces, low-S (BIP 62/146 rule),
 * compact r‖s signatures. noble-secp256k1 is the reference; verify_native.ts is the fast path.
 * @module
 */
import * as secp from "@noble/secp256k1";
import { hmac } from "@noble/hashes/hmac.js";
import { sha256 } from "@noble/hashes/sha2.js";
import type { KeyPair } from "./keys.ts";
import { SCALAR_BYTES, SIGNATURE_BYTES } from "./sizes.ts";
import { sighashMessage, type Tx, type TxInput } from "./tx.ts";

/**
 * Gives noble-secp256k1 the synchronous SHA-256 and HMAC-SHA256 it needs for RFC 6979
 * signing (its `hashes` hook). Importing a module changes no global state, so each entry
 * point (main.ts, test helpers, examples) calls this once before signing; calling it again
 * does nothing. Verification does not need it.
 *
 * @example
 * ```ts
 * import { initSigning, signMessage } from "./sign.ts";
 * initSigning();
 * if (signMessage(new Uint8Array(32), new Uint8Array(32).fill(1)).length !== 64) throw new Error();
 * ```
 */
export function initSigning(): void {
  secp.hashes.sha256 ??= sha256;
  secp.hashes.hmacSha256 ??= (key, msg) => hmac(sha256, key, msg);
}

/** secp256k1 group order n (SEC 2 §2.4.1). */
export const CURVE_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
/** n/2: a signature with s above this is high-S and rejected. */
export const HALF_N = CURVE_N >> 1n;

const N_BYTES = scalarBytes(CURVE_N);
const HALF_N_BYTES = scalarBytes(HALF_N);

function scalarBytes(v: bigint): Uint8Array {
  const out = new Uint8Array(SCALAR_BYTES);
  for (let i = SCALAR_BYTES - 1; i >= 0; i--, v >>= 8n) out[i] = Number(v & 0xffn);
  return out;
}

/** Compares the big-endian scalar at `sig[off..off+SCALAR_BYTES]` with `limit`. */
function compareScalar(sig: Uint8Array, off: number, limit: Uint8Array): number {
  for (let i = 0; i < SCALAR_BYTES; i++) {
    const d = sig[off + i] - limit[i];
    if (d !== 0) return d;
  }
  return 0;
}

function isZero(sig: Uint8Array, off: number): boolean {
  for (let i = off; i < off + SCALAR_BYTES; i++) if (sig[i] !== 0) return false;
  return true;
}

/** Whether a compact signature's r and s are in [1, n-1]. */
export function isSignatureInRange(sig: Uint8Array): boolean {
  if (sig.length !== SIGNATURE_BYTES) return false;
  return !isZero(sig, 0) && compareScalar(sig, 0, N_BYTES) < 0 &&
    !isZero(sig, SCALAR_BYTES) && compareScalar(sig, SCALAR_BYTES, N_BYTES) < 0;
}

/** Whether a compact signature has low S (s ≤ n/2). */
export function isLowS(sig: Uint8Array): boolean {
  return sig.length === SIGNATURE_BYTES && compareScalar(sig, SCALAR_BYTES, HALF_N_BYTES) <= 0;
}

/**
 * Sign a 32-byte message with RFC 6979 nonces and low-S. ECDSA hashes `message` with
 * SHA-256 first (the digest is e = SHA-256(message)). Returns the 64-byte compact r ‖ s.
 * Throws Error when `initSigning()` has not run, and RangeError/Error from noble for a bad key.
 */
export function signMessage(message: Uint8Array, secretKey: Uint8Array): Uint8Array {
  if (secp.hashes.hmacSha256 === undefined) {
    throw new Error("Cannot sign: call initSigning() (lib/core/sign.ts) at the entry point first");
  }
  return secp.sign(message, secretKey, { prehash: true, lowS: true });
}

/** noble verification of a compact signature over `message`; rejects high-S. */
export function verifyMessageNoble(
  signature: Uint8Array,
  message: Uint8Array,
  publicKey: Uint8Array,
): boolean {
  try {
    // Prehashed here, so verification needs no hashes installed in noble.
    return secp.verify(signature, sha256(message), publicKey, { prehash: false, lowS: true });
  } catch {
    return false;
  }
}

/** An unsigned input: what to spend and who spends it. */
export interface UnsignedInput {
  readonly txid: Uint8Array;
  readonly index: number;
  readonly keys: KeyPair;
}

/**
 * Build and sign a transaction. Every input signs the same sighash message, which commits
 * to all outpoints, public keys and outputs.
 *
 * @example
 * ```ts
 * import { initSigning, signTx, verifyTxSignaturesNoble } from "./sign.ts";
 * import { keyPairFromSecret } from "./keys.ts";
 * initSigning();
 * const keys = keyPairFromSecret(new Uint8Array(32).fill(7));
 * const tx = signTx(
 *   [{ txid: new Uint8Array(32), index: 0, keys }],
 *   [{ amount: 1n, address: new Uint8Array(20) }],
 *   1_700_000_000_000,
 * );
 * if (!verifyTxSignaturesNoble(tx)) throw new Error("verify");
 * ```
 */
export function signTx(
  inputs: readonly UnsignedInput[],
  outputs: Tx["outputs"],
  timestamp: number,
): Tx {
  const placeholder = new Uint8Array(SIGNATURE_BYTES);
  const unsigned: Tx = {
    version: 1,
    timestamp,
    inputs: inputs.map((i) => ({
      txid: i.txid,
      index: i.index,
      publicKey: i.keys.publicKey,
      signature: placeholder,
    })),
    outputs,
  };
  const msg = sighashMessage(unsigned);
  const signed: TxInput[] = inputs.map((i) =>
    Object.freeze({
      txid: i.txid,
      index: i.index,
      publicKey: i.keys.publicKey,
      signature: signMessage(msg, i.keys.secretKey),
    })
  );
  return Object.freeze({
    version: 1,
    timestamp,
    inputs: Object.freeze(signed),
    outputs: Object.freeze([...outputs]),
  });
}

/** Verify every input's signature with noble (the reference path). */
export function verifyTxSignaturesNoble(tx: Tx): boolean {
  const msg = sighashMessage(tx);
  return tx.inputs.every((i) => verifyMessageNoble(i.signature, msg, i.publicKey));
}
