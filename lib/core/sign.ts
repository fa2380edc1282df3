/**
 * ECDSA signing and verification of transactions: RFC 6979 nonces, low-S (BIP 62/146 rule),
 * compact r‖s signatures. noble-secp256k1 is the reference; verify_native.ts is the fast path.
 * @module
 */
import * as secp from "@noble/secp256k1";
import "./keys.ts"; // installs noble's sync hashes
import type { KeyPair } from "./keys.ts";
import { sighashMessage, type Tx, type TxInput } from "./tx.ts";

/** secp256k1 group order n (SEC 2 §2.4.1). */
export const CURVE_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
/** n/2: a signature with s above this is high-S and rejected. */
export const HALF_N = CURVE_N >> 1n;

const N_BYTES = scalarBytes(CURVE_N);
const HALF_N_BYTES = scalarBytes(HALF_N);

function scalarBytes(v: bigint): Uint8Array {
  const out = new Uint8Array(32);
  for (let i = 31; i >= 0; i--, v >>= 8n) out[i] = Number(v & 0xffn);
  return out;
}

/** Compares the 32-byte big-endian scalar at `sig[off..off+32]` with `limit`. */
function compareScalar(sig: Uint8Array, off: number, limit: Uint8Array): number {
  for (let i = 0; i < 32; i++) {
    const d = sig[off + i] - limit[i];
    if (d !== 0) return d;
  }
  return 0;
}

function isZero(sig: Uint8Array, off: number): boolean {
  for (let i = off; i < off + 32; i++) if (sig[i] !== 0) return false;
  return true;
}

/** Whether a compact signature's r and s are in [1, n-1]. */
export function isSignatureInRange(sig: Uint8Array): boolean {
  if (sig.length !== 64) return false;
  return !isZero(sig, 0) && compareScalar(sig, 0, N_BYTES) < 0 && !isZero(sig, 32) &&
    compareScalar(sig, 32, N_BYTES) < 0;
}

/** Whether a compact signature has low S (s ≤ n/2). */
export function isLowS(sig: Uint8Array): boolean {
  return sig.length === 64 && compareScalar(sig, 32, HALF_N_BYTES) <= 0;
}

/**
 * Sign a 32-byte message with RFC 6979 nonces and low-S. ECDSA hashes `message` with
 * SHA-256 first (the digest is e = SHA-256(message)).
 */
export function signMessage(message: Uint8Array, secretKey: Uint8Array): Uint8Array {
  return secp.sign(message, secretKey, { prehash: true, lowS: true });
}

/** noble verification of a compact signature over `message`; rejects high-S. */
export function verifyMessageNoble(
  signature: Uint8Array,
  message: Uint8Array,
  publicKey: Uint8Array,
): boolean {
  try {
    return secp.verify(signature, message, publicKey, { prehash: true, lowS: true });
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
 * import { signTx, verifyTxSignaturesNoble } from "./sign.ts";
 * import { keyPairFromSecret } from "./keys.ts";
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
  const placeholder = new Uint8Array(64);
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
