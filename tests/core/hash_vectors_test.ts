/**
 * Hash helpers against NIST CAVP (SHA-256), the RIPEMD-160 reference set and bitcoinjs-lib's
 * hash160/hash256 fixtures. Vector files live in tests/vectors/ (see SOURCES.md).
 */
import assert from "node:assert/strict";
import { ripemd160 } from "@noble/hashes/legacy.js";
import { sha256 as nobleSha256 } from "@noble/hashes/sha2.js";
import { fromHex, hash160, sha256, sha256d, toHex } from "../../lib/core/hash.ts";
import { parseRsp, readVectorJson, readVectorText } from "./vectors.ts";
import { Buffer } from "node:buffer";

Deno.test("sha256() matches all 65 NIST SHAVS SHA-256 ShortMsg vectors", () => {
  const records = parseRsp(readVectorText("SHA256ShortMsg.rsp"));
  assert.equal(records.length, 65);
  // Lengths run 0..64 bytes in single-byte steps, so the empty message is included.
  assert.deepEqual(records.map((r) => r.msg.length), Array.from({ length: 65 }, (_, i) => i));
  for (const { msg, md } of records) assert.equal(toHex(sha256(msg)), toHex(md), toHex(msg));
});

Deno.test("ripemd160 (the primitive under hash160()) matches the 8 RIPEMD-160 reference vectors", () => {
  const records = parseRsp(readVectorText("ripevectors.txt"));
  assert.equal(records.length, 8);
  for (const { msg, md } of records) assert.equal(toHex(ripemd160(msg)), toHex(md), toHex(msg));
});

Deno.test("hash160() and sha256d() match bitcoinjs-lib's crypto fixtures", () => {
  const data = readVectorJson<{
    hashes: { hex: string; hash160: string; hash256: string }[];
    taggedHash: { tag: string; hex: string; result: string }[];
  }>("bitcoinjs_crypto_hashes.json");
  assert.equal(data.hashes.length, 4);
  for (const c of data.hashes) {
    const input = fromHex(c.hex);
    assert.equal(toHex(hash160(input)), c.hash160, c.hex);
    assert.equal(toHex(sha256d(input)), c.hash256, c.hex);
  }
  // BIP 340 tagged hash, SHA-256(SHA-256(tag) ‖ SHA-256(tag) ‖ x): one more sha256 check.
  assert.equal(data.taggedHash.length, 1);
  for (const c of data.taggedHash) {
    const tagHash = sha256(new TextEncoder().encode(c.tag));
    const x = fromHex(c.hex);
    const buf = new Uint8Array(64 + x.length);
    buf.set(tagHash, 0);
    buf.set(tagHash, 32);
    buf.set(x, 64);
    assert.equal(toHex(sha256(buf)), c.result);
  }
});

Deno.test("fromHex() accepts either case and throws TypeError on bad input", () => {
  assert.equal(toHex(fromHex("00aAfF")), "00aaff");
  for (const bad of ["0", "zz", "0g", " 00", "+1"]) {
    assert.throws(() => fromHex(bad), TypeError, bad);
  }
});

Deno.test("toHex() gives lowercase hex of any view, subarrays and Buffers included", () => {
  const slow = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  const all = Uint8Array.from({ length: 256 }, (_, i) => i);
  if (toHex(all) !== slow(all)) throw new Error("every byte value");
  for (let n = 0; n < 70; n++) {
    const buf = crypto.getRandomValues(new Uint8Array(n + 9));
    const view = buf.subarray(5, 5 + n);
    if (toHex(view) !== slow(view)) throw new Error(`subarray of ${n}`);
    if (toHex(Buffer.from(view)) !== slow(view)) throw new Error(`Buffer of ${n}`);
  }
});

Deno.test("sha256, sha256d and hash160 reuse one hasher each: same as noble's one-shot calls, interleaved", () => {
  // The helpers reset a kept hasher instead of building one per call (lib/core/hash.ts). Every
  // length from 0 to 300 bytes (one to five blocks, every padding case), the three helpers
  // interleaved so that each one's state follows another's, against a fresh noble hasher.
  const one = (d: Uint8Array) => nobleSha256(d);
  const results: Uint8Array[] = [];
  for (let n = 0; n <= 300; n++) {
    const data = Uint8Array.from({ length: n }, (_, i) => (i * 131 + n * 7) & 0xff);
    const a = sha256(data);
    const b = hash160(data);
    const c = sha256d(data);
    assert.equal(toHex(a), toHex(one(data)), `sha256 of ${n} bytes`);
    assert.equal(toHex(b), toHex(ripemd160(one(data))), `hash160 of ${n} bytes`);
    assert.equal(toHex(c), toHex(one(one(data))), `sha256d of ${n} bytes`);
    results.push(a, b, c);
  }
  // Each result is its own array: none is a view of a shared buffer that a later call rewrote.
  assert.equal(new Set(results.map((r) => r.buffer)).size, results.length);
  assert.equal(toHex(results[0]), toHex(one(new Uint8Array(0))));
  // A view into a larger buffer hashes only its own bytes.
  const big = Uint8Array.from({ length: 200 }, (_, i) => i);
  assert.equal(toHex(sha256d(big.subarray(50, 150))), toHex(one(one(big.slice(50, 150)))));
  assert.throws(() => sha256("abc" as unknown as Uint8Array), TypeError);
});
