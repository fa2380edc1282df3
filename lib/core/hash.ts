/**
 * Hash helpers: SHA-256, SHA-256d, HASH160 (RIPEMD-160 of SHA-256) and HMAC-SHA-256, from
 * @noble/hashes.
 * @module
 */
import { sha256 as nobleSha256 } from "@noble/hashes/sha2.js";
import { ripemd160 } from "@noble/hashes/legacy.js";
import { hmac } from "@noble/hashes/hmac.js";

/** HMAC-SHA-256 (RFC 2104) of `message` under `key`: 32 bytes. */
export function hmacSha256(key: Uint8Array, message: Uint8Array): Uint8Array {
  return hmac(nobleSha256, key, message);
}

/*
 * The node hashes short inputs many times per transaction (its txid, sighash, key hashes and
 * digest element). `nobleSha256(data)` builds a hasher each time (its block buffer, views and
 * output copy), which cost as much as the hashing on a 32-byte input. Here one hasher per
 * function is reset from a fresh one (`_cloneInto`, noble's own way to copy a state, which
 * its HMAC uses) and reused: same library, same results, about half the time and a small
 * fraction of the garbage. A JavaScript thread runs one of these to its end before any other,
 * and each worker has its own copy of this module, so sharing them is safe.
 */
const FRESH_SHA256 = nobleSha256.create();
const sha256State = nobleSha256.create();
const FRESH_RIPEMD160 = ripemd160.create();
const ripemd160State = ripemd160.create();
/** The inner hash of SHA-256d and HASH160. */
const inner = new Uint8Array(32);

function sha256Into(data: Uint8Array, out: Uint8Array): Uint8Array {
  FRESH_SHA256._cloneInto(sha256State).update(data).digestInto(out);
  return out;
}

/** SHA-256 (FIPS 180-4): 32 bytes. Throws TypeError when `data` is not a Uint8Array. */
export function sha256(data: Uint8Array): Uint8Array {
  return sha256Into(data, new Uint8Array(32));
}

/** SHA-256d: SHA-256 applied twice, as Bitcoin uses for txids and checksums. 32 bytes. */
export function sha256d(data: Uint8Array): Uint8Array {
  return sha256Into(sha256Into(data, inner), new Uint8Array(32));
}

/**
 * HASH160 = RIPEMD-160(SHA-256(data)), Bitcoin's public-key hash.
 *
 * @example
 * ```ts
 * import { hash160 } from "./hash.ts";
 * if (hash160(new Uint8Array(33)).length !== 20) throw new Error("length");
 * ```
 */
export function hash160(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(20);
  FRESH_RIPEMD160._cloneInto(ripemd160State).update(sha256Into(data, inner)).digestInto(out);
  return out;
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

/** The runtime's own `Uint8Array.prototype.toHex` (ES2026; Deno 2.9's V8 has it). */
const nativeToHex = (Uint8Array.prototype as { toHex?: (this: Uint8Array) => string }).toHex;

/**
 * Lowercase hex of bytes. Uses the runtime's `Uint8Array.prototype.toHex` where it exists: one
 * string allocated, where joining two-character pieces built 32 (the node hexes ids for every
 * map key, so this was a measurable share of its garbage); a table walk elsewhere.
 */
export function toHex(bytes: Uint8Array): string {
  if (nativeToHex !== undefined) return nativeToHex.call(bytes);
  let s = "";
  for (let i = 0; i < bytes.length; i++) s += HEX[bytes[i]];
  return s;
}

function nibble(c: number): number {
  if (c >= 48 && c <= 57) return c - 48; // 0-9
  if (c >= 97 && c <= 102) return c - 87; // a-f
  if (c >= 65 && c <= 70) return c - 55; // A-F
  return -1;
}

/**
 * Bytes from hex (either case). Throws TypeError on odd length or a non-hex character.
 *
 * @example
 * ```ts
 * import { fromHex, toHex } from "./hash.ts";
 * if (toHex(fromHex("00FF")) !== "00ff") throw new Error("round trip");
 * ```
 */
export function fromHex(hex: string): Uint8Array {
  if (hex.length % 2 !== 0) {
    throw new TypeError(`"hex" expected an even length, got length=${hex.length}`);
  }
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) {
    const hi = nibble(hex.charCodeAt(2 * i));
    const lo = nibble(hex.charCodeAt(2 * i + 1));
    if (hi < 0 || lo < 0) {
      throw new TypeError(`"hex" expected hex digits, got "${hex.slice(2 * i, 2 * i + 2)}"`);
    }
    out[i] = (hi << 4) | lo;
  }
  return out;
}

/** True when two byte arrays are equal. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Lexicographic byte comparison: negative, zero or positive. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}
