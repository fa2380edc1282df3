/**
 * Fast proof-of-work search over the 40-byte confirmation message txid ‖ nonce
 * (docs/PROTOCOL.md §6, §12). The work it reports is the same as
 * {@link import("../core/pow.ts").confirmationWork}; only the speed differs.
 *
 * The specialised kernels live in the generated `sha256_pow_kernel.ts`
 * (tools/gen_sha256_kernel.ts): a scalar TypeScript one and a WebAssembly SIMD one that
 * hashes four nonces per step. The SIMD kernel only finds the block of four that holds a
 * hit; the scalar kernel then picks the nonce, and the full digest decides the work.
 * @module
 */
import { checkBytes } from "../core/bytes.ts";
import { TXID_BYTES } from "../core/sizes.ts";
import { digestPow, SCAN_POW_SIMD_WASM, scanPow } from "./sha256_pow_kernel.ts";
import { IV, K } from "./sha256_constants.ts";

/** A nonce low word whose confirmation reaches the target, and its exact work. */
export interface PowHit {
  readonly nonceLo: number;
  readonly work: number;
}

/**
 * Searches nonces (nonceHi << 32) + nonceLoStart, ..., + nonceLoStart + count - 1, in order,
 * and returns the first whose work is at least targetBits, or null.
 */
export type PowSearch = (
  nonceHi: number,
  nonceLoStart: number,
  count: number,
  targetBits: number,
) => PowHit | null;

/** Which kernel a search uses. */
export type PowKernel = "simd" | "scalar";

/** Options of {@link createPowSearch}. */
export interface PowSearchOptions {
  /** "simd" needs WebAssembly SIMD; the default is "simd" where available. */
  readonly kernel?: PowKernel;
}

const MAX_U32 = 0xffffffff;
const SIMD_LANES = 4;

let simdModule: WebAssembly.Module | null | undefined;

function loadSimdModule(): WebAssembly.Module | null {
  if (simdModule !== undefined) return simdModule;
  const bytes = Uint8Array.from(atob(SCAN_POW_SIMD_WASM), (c) => c.charCodeAt(0));
  simdModule = typeof WebAssembly === "object" && WebAssembly.validate(bytes)
    ? new WebAssembly.Module(bytes)
    : null;
  return simdModule;
}

/** True when this runtime can run the WebAssembly SIMD kernel. */
export function simdAvailable(): boolean {
  return loadSimdModule() !== null;
}

function checkTxid(txid: Uint8Array): void {
  checkBytes(txid, TXID_BYTES, "txid");
}

function checkU32(name: string, v: number): void {
  if (!Number.isInteger(v) || v < 0 || v > MAX_U32) {
    throw new RangeError(`"${name}" expected an integer in 0..2^32-1, got ${v}`);
  }
}

/** The message words m[0..9] of txid ‖ nonce, FIPS 180-4 big-endian, as int32. */
function messageWords(txid: Uint8Array, nonceHi = 0, nonceLo = 0): Int32Array {
  const m = new Int32Array(10);
  const view = new DataView(txid.buffer, txid.byteOffset, TXID_BYTES);
  for (let i = 0; i < 8; i++) m[i] = view.getInt32(4 * i);
  m[8] = nonceHi | 0;
  m[9] = nonceLo | 0;
  return m;
}

/**
 * Leading zero bits of a digest given as 32-bit words (big-endian word order), 0..32·length.
 *
 * @example
 * ```ts
 * import { leadingZeroBitsWords } from "./sha256_pow.ts";
 * if (leadingZeroBitsWords([0, 0x00ffffff]) !== 40) throw new Error("count");
 * ```
 */
export function leadingZeroBitsWords(words: ArrayLike<number>): number {
  let bits = 0;
  for (let i = 0; i < words.length; i++) {
    const w = words[i] | 0;
    if (w !== 0) return bits + Math.clz32(w);
    bits += 32;
  }
  return bits;
}

/**
 * SHA-256 of the PoW message txid ‖ nonce (u64 big-endian), by the specialised kernel.
 *
 * @example
 * ```ts
 * import { hashPow } from "./sha256_pow.ts";
 * if (hashPow(new Uint8Array(32), 7n).length !== 32) throw new Error("length");
 * ```
 */
export function hashPow(txid: Uint8Array, nonce: bigint): Uint8Array {
  checkTxid(txid);
  if (typeof nonce !== "bigint" || nonce < 0n || nonce > 0xffffffffffffffffn) {
    throw new RangeError(`"nonce" expected a bigint in 0..2^64-1, got ${nonce}`);
  }
  const m = messageWords(txid, Number(nonce >> 32n), Number(nonce & 0xffffffffn));
  const h = new Int32Array(8);
  digestPow(m, h);
  const out = new Uint8Array(32);
  const view = new DataView(out.buffer);
  for (let i = 0; i < 8; i++) view.setInt32(4 * i, h[i]);
  return out;
}

/**
 * Builds a search over the nonces of one txid. The txid's words are read once; each call
 * hashes at most `count` nonces. Throws RangeError on arguments out of range.
 *
 * @example
 * ```ts
 * import { createPowSearch } from "./sha256_pow.ts";
 * import { confirmationWork } from "../core/pow.ts";
 * const txid = new Uint8Array(32).fill(7);
 * const hit = createPowSearch(txid)(0, 0, 1 << 16, 8);
 * if (hit === null || confirmationWork(txid, BigInt(hit.nonceLo)) !== hit.work) {
 *   throw new Error("search");
 * }
 * ```
 */
export function createPowSearch(txid: Uint8Array, options: PowSearchOptions = {}): PowSearch {
  checkTxid(txid);
  const kernel = options.kernel ?? (simdAvailable() ? "simd" : "scalar");
  const m = messageWords(txid);
  const digest = new Int32Array(8);
  let simdScan: ((lo: number, blocks: number, threshold: number) => number) | null = null;
  let simdWords: Int32Array | null = null;
  if (kernel === "simd") {
    const mod = loadSimdModule();
    if (mod === null) throw new TypeError("WebAssembly SIMD is not available in this runtime");
    const exports = new WebAssembly.Instance(mod).exports;
    simdScan = exports.scan as (lo: number, blocks: number, threshold: number) => number;
    simdWords = new Int32Array((exports.mem as WebAssembly.Memory).buffer, 0, 9);
  }

  const exactWork = (lo: number): number => {
    m[9] = lo | 0;
    digestPow(m, digest);
    return leadingZeroBitsWords(digest);
  };

  return (nonceHi, nonceLoStart, count, targetBits) => {
    checkU32("nonceHi", nonceHi);
    checkU32("nonceLoStart", nonceLoStart);
    if (!Number.isInteger(count) || count < 0 || nonceLoStart + count > MAX_U32 + 1) {
      throw new RangeError(
        `"count" expected an integer with nonceLoStart + count <= 2^32, got ${count}`,
      );
    }
    if (!Number.isInteger(targetBits) || targetBits < 0 || targetBits > 256) {
      throw new RangeError(`"targetBits" expected an integer in 0..256, got ${targetBits}`);
    }
    m[8] = nonceHi | 0;
    if (simdWords !== null) simdWords.set(m.subarray(0, 9));
    // The kernels test H0 only; a hit on H0 is a candidate that the full digest confirms.
    const need = Math.min(targetBits, 32);
    const threshold = need === 0 ? 0 : need === 32 ? 1 : (2 ** (32 - need)) | 0;
    const end = nonceLoStart + count;
    let pos = nonceLoStart;
    while (pos < end) {
      let candidate = -1;
      const blocks = simdScan === null || need === 0 ? 0 : Math.floor((end - pos) / SIMD_LANES);
      if (blocks > 0) {
        const j = simdScan!(pos, blocks, threshold);
        if (j < 0) {
          pos += blocks * SIMD_LANES;
          continue;
        }
        const k = scanPow(m, pos + j * SIMD_LANES, SIMD_LANES, need);
        if (k < 0) throw new Error("The SIMD and scalar PoW kernels disagree");
        candidate = pos + j * SIMD_LANES + k;
      } else {
        const i = scanPow(m, pos, end - pos, need);
        if (i < 0) return null;
        candidate = pos + i;
      }
      const work = exactWork(candidate);
      if (work >= targetBits) return { nonceLo: candidate, work };
      pos = candidate + 1;
    }
    return null;
  };
}

/** The longest message that pads into one 64-byte block (FIPS 180-4 §5.1.1). */
export const ONE_BLOCK_MAX_BYTES = 55;

/**
 * SHA-256 of a message of at most 55 bytes: padding and one plain compression
 * (FIPS 180-4 §5.1.1, §6.2.2). The reference that the specialised kernels are built from.
 *
 * @example
 * ```ts
 * import { sha256OneBlock } from "./sha256_pow.ts";
 * const d = sha256OneBlock(new TextEncoder().encode("abc"));
 * if (d[0] !== 0xba || d[31] !== 0xad) throw new Error("FIPS 180-2 B.1");
 * ```
 */
export function sha256OneBlock(msg: Uint8Array): Uint8Array {
  if (!(msg instanceof Uint8Array) || msg.length > ONE_BLOCK_MAX_BYTES) {
    throw new RangeError(
      `"msg" expected Uint8Array of at most ${ONE_BLOCK_MAX_BYTES} bytes, got ${
        msg instanceof Uint8Array ? `length=${msg.length}` : typeof msg
      }`,
    );
  }
  const block = new Uint8Array(64);
  block.set(msg);
  block[msg.length] = 0x80;
  const bv = new DataView(block.buffer);
  bv.setUint32(60, msg.length * 8);
  const w = new Int32Array(64);
  for (let t = 0; t < 16; t++) w[t] = bv.getInt32(4 * t);
  for (let t = 16; t < 64; t++) {
    const x = w[t - 15], y = w[t - 2];
    const s0 = rotr(x, 7) ^ rotr(x, 18) ^ (x >>> 3);
    const s1 = rotr(y, 17) ^ rotr(y, 19) ^ (y >>> 10);
    w[t] = (s1 + w[t - 7] + s0 + w[t - 16]) | 0;
  }
  let [a, b, c, d, e, f, g, h] = IV;
  for (let t = 0; t < 64; t++) {
    const t1 = (h + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + K[t] +
      w[t]) | 0;
    const t2 = ((rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) | 0;
    h = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + t2) | 0;
  }
  const out = new Uint8Array(32);
  const ov = new DataView(out.buffer);
  [a, b, c, d, e, f, g, h].forEach((v, i) => ov.setInt32(4 * i, (v + IV[i]) | 0));
  return out;
}

function rotr(x: number, n: number): number {
  return (x >>> n) | (x << (32 - n));
}
