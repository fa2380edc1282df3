/**
 * The specialised PoW SHA-256 kernels against NIST vectors, @noble/hashes and the
 * reference confirmationWork (docs/PROTOCOL.md §12).
 * @module
 */
import { sha256 } from "@noble/hashes/sha2.js";
import { confirmationWork, leadingZeroBits, powMessage } from "../../lib/core/pow.ts";
import {
  createPowSearch,
  hashPow,
  leadingZeroBitsWords,
  ONE_BLOCK_MAX_BYTES,
  type PowKernel,
  sha256OneBlock,
  simdAvailable,
} from "../../lib/mining/sha256_pow.ts";
import { scanPow } from "../../lib/mining/sha256_pow_kernel.ts";
import { fromHex, toHex } from "../../lib/core/hash.ts";
import { generateKernel } from "../../tools/gen_sha256_kernel.ts";
import { assert, assertEquals, assertThrows } from "../helpers/assert.ts";

interface ShortMsg {
  readonly bits: number;
  readonly msg: Uint8Array;
  readonly md: string;
}

function readShortMsg(): ShortMsg[] {
  const text = Deno.readTextFileSync(new URL("../vectors/SHA256ShortMsg.rsp", import.meta.url));
  const out: ShortMsg[] = [];
  const re = /Len = (\d+)\s+Msg = ([0-9a-f]+)\s+MD = ([0-9a-f]{64})/g;
  for (const [, len, msg, md] of text.matchAll(re)) {
    const bits = Number(len);
    out.push({ bits, msg: fromHex(msg).subarray(0, bits / 8), md });
  }
  return out;
}

/** xorshift32: reproducible inputs, so a failure can be replayed. */
function rng(seed: number): () => number {
  let s = seed | 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return s >>> 0;
  };
}

function randomBytes(next: () => number, n: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = next() & 0xff;
  return b;
}

const KERNELS: PowKernel[] = simdAvailable() ? ["simd", "scalar"] : ["scalar"];

Deno.test("sha256_pow_kernel.ts is the generator's current output", async () => {
  const committed = await Deno.readTextFile(
    new URL("../../lib/mining/sha256_pow_kernel.ts", import.meta.url),
  );
  assert(
    committed === generateKernel(),
    "lib/mining/sha256_pow_kernel.ts is stale: run deno run --allow-write tools/gen_sha256_kernel.ts",
  );
});

Deno.test("sha256OneBlock() matches every SHA256ShortMsg vector of at most 55 bytes", () => {
  const vectors = readShortMsg().filter((v) => v.bits / 8 <= ONE_BLOCK_MAX_BYTES);
  assertEquals(vectors.length, 56);
  for (const v of vectors) assertEquals(toHex(sha256OneBlock(v.msg)), v.md, `Len = ${v.bits}`);
});

Deno.test("sha256OneBlock() rejects messages that need a second block", () => {
  assertThrows(() => sha256OneBlock(new Uint8Array(56)), RangeError, "at most 55 bytes");
});

Deno.test("sha256OneBlock() matches @noble/hashes on random messages of 0..55 bytes", () => {
  const next = rng(0x5eed);
  for (let i = 0; i < 2000; i++) {
    const msg = randomBytes(next, i % (ONE_BLOCK_MAX_BYTES + 1));
    assertEquals(toHex(sha256OneBlock(msg)), toHex(sha256(msg)));
  }
});

Deno.test("hashPow() matches the 40-byte SHA256ShortMsg vector", () => {
  const vectors = readShortMsg().filter((v) => v.bits === 320);
  assertEquals(vectors.length, 1);
  for (const v of vectors) {
    const nonce = new DataView(v.msg.buffer, v.msg.byteOffset).getBigUint64(32);
    assertEquals(toHex(hashPow(v.msg.slice(0, 32), nonce)), v.md);
  }
});

Deno.test("hashPow() matches @noble/hashes on 10,000 random (txid, nonce) pairs", () => {
  const next = rng(0xc0ffee);
  for (let i = 0; i < 10_000; i++) {
    const txid = randomBytes(next, 32);
    const nonce = (BigInt(next()) << 32n) | BigInt(next());
    assertEquals(toHex(hashPow(txid, nonce)), toHex(sha256(powMessage(txid, nonce))));
  }
  const ones = new Uint8Array(32).fill(0xff);
  for (const nonce of [0n, 1n, 0xffffffffn, 1n << 32n, 0xffffffffffffffffn]) {
    assertEquals(toHex(hashPow(ones, nonce)), toHex(sha256(powMessage(ones, nonce))));
  }
});

Deno.test("scanPow() tests exactly the leading zero bits of H0 on 10,000 random pairs", () => {
  const next = rng(0xbeef);
  const m = new Int32Array(10);
  for (let i = 0; i < 10_000; i++) {
    for (let k = 0; k < 9; k++) m[k] = next() | 0;
    const lo = next();
    const msg = new Uint8Array(40);
    const view = new DataView(msg.buffer);
    for (let k = 0; k < 9; k++) view.setInt32(4 * k, m[k]);
    view.setUint32(36, lo);
    const zeros = Math.clz32(new DataView(sha256(msg).buffer).getUint32(0));
    assertEquals(scanPow(m, lo, 1, zeros), 0);
    if (zeros < 32) assertEquals(scanPow(m, lo, 1, zeros + 1), -1);
  }
});

Deno.test("leadingZeroBitsWords() agrees with leadingZeroBits() of the bytes", () => {
  const next = rng(42);
  for (let i = 0; i < 2000; i++) {
    const bytes = randomBytes(next, 32);
    // Clear a random number of leading bits, so long runs of zeros are covered.
    const clear = next() % 257;
    for (let b = 0; b < clear; b++) bytes[b >> 3] &= ~(0x80 >> (b & 7));
    const view = new DataView(bytes.buffer);
    const words = Array.from({ length: 8 }, (_, k) => view.getInt32(4 * k));
    assertEquals(leadingZeroBitsWords(words), leadingZeroBits(bytes));
  }
});

for (const kernel of KERNELS) {
  Deno.test(`createPowSearch(${kernel}) finds the first nonce reaching each target`, () => {
    const next = rng(kernel === "simd" ? 7 : 11);
    for (let round = 0; round < 150; round++) {
      const txid = randomBytes(next, 32);
      const hi = next();
      // Near the end of the low word too, where nonceLoStart + count reaches 2^32.
      const lo = round % 10 === 0 ? 2 ** 32 - 64 : next() % 2 ** 31;
      const count = 64;
      const works: number[] = [];
      for (let i = 0; i < count; i++) {
        works.push(confirmationWork(txid, (BigInt(hi) << 32n) | BigInt(lo + i)));
      }
      const search = createPowSearch(txid, { kernel });
      for (let target = 0; target <= Math.max(...works) + 1; target++) {
        const first = works.findIndex((w) => w >= target);
        const hit = search(hi, lo, count, target);
        if (first < 0) {
          assertEquals(hit, null, `target ${target}`);
        } else {
          assertEquals(hit, { nonceLo: lo + first, work: works[first] }, `target ${target}`);
        }
      }
    }
  });

  Deno.test(`createPowSearch(${kernel}) results verify with confirmationWork()`, () => {
    const next = rng(kernel === "simd" ? 99 : 101);
    for (let round = 0; round < 20; round++) {
      const txid = randomBytes(next, 32);
      const hi = next();
      const hit = createPowSearch(txid, { kernel })(hi, 0, 1 << 22, 14);
      assert(hit !== null, "no 14-bit confirmation in 2^22 nonces");
      assert(hit.work >= 14);
      const nonce = (BigInt(hi) << 32n) | BigInt(hit.nonceLo);
      assertEquals(confirmationWork(txid, nonce), hit.work);
    }
  });
}

Deno.test("createPowSearch() rejects arguments out of range", () => {
  assertThrows(() => createPowSearch(new Uint8Array(31)), RangeError, "length=31");
  assertThrows(() => createPowSearch("00" as unknown as Uint8Array), TypeError, "got string");
  const search = createPowSearch(new Uint8Array(32));
  assertThrows(() => search(-1, 0, 1, 1), RangeError, "nonceHi");
  assertThrows(() => search(0, 2 ** 32, 1, 1), RangeError, "nonceLoStart");
  assertThrows(() => search(0, 2 ** 32 - 1, 2, 1), RangeError, "count");
  assertThrows(() => search(0, 0, 1, 257), RangeError, "targetBits");
  assertThrows(() => hashPow(new Uint8Array(32), 1n << 64n), RangeError, "nonce");
});
