/**
 * Test helpers for the third-party vector files in tests/vectors/ (see SOURCES.md there).
 * Paths resolve against this module, so the suite runs from a fresh clone in any directory.
 * @module
 */
import { fromHex } from "../../lib/core/hash.ts";

/** secp256k1 group order n (SEC 2 §2.4.1), written out here rather than imported. */
export const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
/** secp256k1 field prime p (SEC 2 §2.4.1). */
export const P = 0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2fn;

const VECTOR_DIR = new URL("../vectors/", import.meta.url);

/** The text of a vector file. */
export function readVectorText(name: string): string {
  return Deno.readTextFileSync(new URL(name, VECTOR_DIR));
}

/** A parsed JSON vector file. */
export function readVectorJson<T>(name: string): T {
  return JSON.parse(readVectorText(name)) as T;
}

/** Big-endian unsigned integer from bytes. */
export function bytesToBigInt(b: Uint8Array): bigint {
  let v = 0n;
  for (const x of b) v = (v << 8n) | BigInt(x);
  return v;
}

/** `v` as exactly `len` big-endian bytes; RangeError when it does not fit. */
export function bigIntToBytes(v: bigint, len = 32): Uint8Array {
  if (v < 0n || v >= 1n << BigInt(8 * len)) {
    throw new RangeError(`"integer" expected to fit ${len} bytes, got ${v}`);
  }
  const out = new Uint8Array(len);
  for (let i = len - 1; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

/** A non-negative big-endian hex integer of any length (for example "01" or "00ff…"). */
export function hexToBigInt(hex: string): bigint {
  if (!/^[0-9a-fA-F]+$/.test(hex)) throw new TypeError(`"hex integer" got "${hex}"`);
  return BigInt("0x" + hex);
}

/** A hex integer left-padded to 32 bytes; null when negative or too long (then unusable). */
export function hexToScalarBytes(hex: string): Uint8Array | null {
  if (hex.startsWith("-")) return null;
  const v = hexToBigInt(hex);
  return v < 1n << 256n ? bigIntToBytes(v) : null;
}

/** Compressed SEC1 encoding (SEC1 2.3.3) of the affine point (x, y). */
export function compressPoint(x: bigint, y: bigint): Uint8Array {
  const out = new Uint8Array(33);
  out[0] = (y & 1n) === 0n ? 0x02 : 0x03;
  out.set(bigIntToBytes(x), 1);
  return out;
}

/** Compressed SEC1 public key from Wycheproof's `wx`/`wy` (ASN.1-style, may lead with 00). */
export function compressWycheproofKey(wx: string, wy: string): Uint8Array {
  return compressPoint(hexToBigInt(wx), hexToBigInt(wy));
}

/** A compact signature with S replaced by n − S (the other, equally valid, ECDSA solution). */
export function flipS(sig: Uint8Array): Uint8Array {
  const out = Uint8Array.from(sig);
  out.set(bigIntToBytes(N - bytesToBigInt(sig.subarray(32, 64))), 32);
  return out;
}

/** One `Len`/`Msg`/`MD` record of a NIST-style .rsp file. */
export interface HashRecord {
  readonly msg: Uint8Array;
  readonly md: Uint8Array;
}

/**
 * Parse the NIST CAVP response format. `Msg` holds at least Len/8 bytes; only the first
 * Len/8 count (for Len = 0 the line is "Msg = 00" and the message is empty).
 */
export function parseRsp(text: string): HashRecord[] {
  const out: HashRecord[] = [];
  let len: number | null = null;
  let msg: Uint8Array | null = null;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    const m = /^(Len|Msg|MD)\s*=\s*([0-9a-fA-F]+)$/.exec(line);
    if (m === null) continue;
    if (m[1] === "Len") {
      len = Number(m[2]);
      if (len % 8 !== 0) throw new Error(`bit-oriented record Len=${len} is not supported`);
    } else if (m[1] === "Msg") {
      if (len === null) throw new Error("Msg before Len");
      msg = fromHex(m[2]).slice(0, len / 8);
      if (msg.length !== len / 8) throw new Error(`Msg shorter than Len=${len}`);
    } else {
      if (msg === null) throw new Error("MD before Msg");
      out.push({ msg, md: fromHex(m[2]) });
      len = null;
      msg = null;
    }
  }
  return out;
}

/**
 * A deterministic byte source for reproducible "random" tests: SHA-256 in counter mode over
 * a seed. Not for keys that protect anything.
 */
export function seededBytes(
  seed: string,
  sha256: (b: Uint8Array) => Uint8Array,
): (n: number) => Uint8Array {
  const seedBytes = new TextEncoder().encode(seed);
  let counter = 0;
  return (n: number) => {
    const out = new Uint8Array(n);
    for (let off = 0; off < n; off += 32) {
      const block = new Uint8Array(seedBytes.length + 4);
      block.set(seedBytes);
      new DataView(block.buffer).setUint32(seedBytes.length, counter++);
      out.set(sha256(block).subarray(0, Math.min(32, n - off)), off);
    }
    return out;
  };
}
