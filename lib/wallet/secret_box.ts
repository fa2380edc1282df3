/**
 * Encryption at rest of the wallet's secrets: a key from scrypt (RFC 7914, `@noble/hashes`)
 * and XChaCha20-Poly1305 (draft-irtf-cfrg-xchacha, `@noble/ciphers`). The parameters, salt
 * and nonce are recorded beside the ciphertext, so a file stays readable if the defaults
 * change. No cryptography is written here: only the choice of parameters and the framing.
 * @module
 */
import { xchacha20poly1305 } from "@noble/ciphers/chacha.js";
import { scrypt } from "@noble/hashes/scrypt.js";
import { fromHex, toHex } from "../core/hash.ts";

/** The encryption header stored in the wallet file (all hex lowercase). */
export interface SealedBox {
  readonly cipher: "xchacha20-poly1305";
  readonly kdf: "scrypt";
  /** scrypt cost N (a power of two), block size r and parallelism p. */
  readonly n: number;
  readonly r: number;
  readonly p: number;
  /** 16-byte random salt, hex. */
  readonly salt: string;
  /** 24-byte random nonce, hex; fresh for every seal. */
  readonly nonce: string;
  /** Ciphertext with its 16-byte Poly1305 tag, hex. */
  readonly ciphertext: string;
}

/** scrypt cost parameters. */
export interface KdfParams {
  readonly n: number;
  readonly r: number;
  readonly p: number;
}

/**
 * Default scrypt parameters: N = 2^17, r = 8, p = 1 (128 MiB of memory). On this project's
 * 2-core machine one derivation took 0.43-0.48 s with a load average of 6 (N = 2^16 took
 * 0.21-0.25 s), the "about 0.5 s" the wallet issue asks for; under heavy load it takes longer
 * (`deno task bench wallet` records the figure with the load). The parameters are recorded in
 * each file, so they can be raised later without breaking older files.
 */
export const DEFAULT_KDF: KdfParams = Object.freeze({ n: 1 << 17, r: 8, p: 1 });

/** Bounds accepted when reading a file, so a hostile header cannot ask for gigabytes. */
const MAX_N = 1 << 20;

/** Thrown by {@linkcode openBox} when the passphrase is wrong or the box was altered. */
export class BoxAuthError extends Error {
  override name = "BoxAuthError";
}

function checkParams(k: KdfParams): void {
  const pow2 = k.n >= 2 && (k.n & (k.n - 1)) === 0;
  if (!pow2 || k.n > MAX_N || k.r < 1 || k.r > 32 || k.p < 1 || k.p > 16) {
    throw new RangeError(`Invalid scrypt parameters N=${k.n} r=${k.r} p=${k.p}`);
  }
}

function deriveKey(passphrase: string, salt: Uint8Array, k: KdfParams): Uint8Array {
  checkParams(k);
  // NFKC so that the same passphrase typed on two keyboards gives the same key.
  return scrypt(passphrase.normalize("NFKC"), salt, {
    N: k.n,
    r: k.r,
    p: k.p,
    dkLen: 32,
    maxmem: 2 ** 31,
  });
}

/** Additional data bound into the tag: the format and the parameters. */
function aad(format: string, k: KdfParams): Uint8Array {
  return new TextEncoder().encode(`${format} scrypt n=${k.n} r=${k.r} p=${k.p}`);
}

/**
 * Encrypts `plaintext` under `passphrase`. `random` gives fresh bytes (crypto.getRandomValues
 * in production). `format` is bound as additional data, so a box cannot be moved between
 * file formats.
 *
 * @example
 * ```ts
 * import { openBox, sealBox } from "./secret_box.ts";
 * const rnd = (n: number) => crypto.getRandomValues(new Uint8Array(n));
 * const fast = { n: 1024, r: 8, p: 1 };
 * const box = sealBox(new TextEncoder().encode("hi"), "pw", "doc", rnd, fast);
 * if (new TextDecoder().decode(openBox(box, "pw", "doc")) !== "hi") throw new Error("round");
 * ```
 */
export function sealBox(
  plaintext: Uint8Array,
  passphrase: string,
  format: string,
  random: (n: number) => Uint8Array,
  kdf: KdfParams = DEFAULT_KDF,
): SealedBox {
  const salt = random(16);
  const nonce = random(24);
  const key = deriveKey(passphrase, salt, kdf);
  const ct = xchacha20poly1305(key, nonce, aad(format, kdf)).encrypt(plaintext);
  key.fill(0);
  return Object.freeze({
    cipher: "xchacha20-poly1305",
    kdf: "scrypt",
    n: kdf.n,
    r: kdf.r,
    p: kdf.p,
    salt: toHex(salt),
    nonce: toHex(nonce),
    ciphertext: toHex(ct),
  });
}

/**
 * Decrypts a box. Throws BoxAuthError for a wrong passphrase or altered bytes (the AEAD tag
 * does not tell them apart), TypeError/RangeError for a malformed header.
 */
export function openBox(box: SealedBox, passphrase: string, format: string): Uint8Array {
  if (box.cipher !== "xchacha20-poly1305" || box.kdf !== "scrypt") {
    throw new TypeError(`Unsupported encryption ${box.cipher}/${box.kdf}`);
  }
  const salt = fromHex(box.salt);
  const nonce = fromHex(box.nonce);
  if (nonce.length !== 24 || salt.length < 8) throw new RangeError("Invalid salt or nonce length");
  const key = deriveKey(passphrase, salt, box);
  try {
    return xchacha20poly1305(key, nonce, aad(format, box)).decrypt(fromHex(box.ciphertext));
  } catch (e) {
    throw new BoxAuthError("authentication failed", { cause: e });
  } finally {
    key.fill(0);
  }
}

/** Reads and checks the header fields of a box from parsed JSON. Throws TypeError. */
export function boxFromJson(j: unknown): SealedBox {
  const o = j as Record<string, unknown>;
  if (typeof o !== "object" || o === null) throw new TypeError("encryption: expected an object");
  for (const f of ["salt", "nonce", "ciphertext"]) {
    if (typeof o[f] !== "string" || !/^([0-9a-f]{2})+$/.test(o[f] as string)) {
      throw new TypeError(`encryption.${f}: expected lowercase hex`);
    }
  }
  for (const f of ["n", "r", "p"]) {
    if (!Number.isSafeInteger(o[f])) throw new TypeError(`encryption.${f}: expected an integer`);
  }
  checkParams(o as unknown as KdfParams);
  if (o.cipher !== "xchacha20-poly1305" || o.kdf !== "scrypt") {
    throw new TypeError(`Unsupported encryption ${o.cipher}/${o.kdf}`);
  }
  return Object.freeze({ ...(o as unknown as SealedBox) });
}
