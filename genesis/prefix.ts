/**
 * Vanity prefixes: which address beginnings the version byte allows, and how many random
 * keys a prefix costs on average. Pure code, no I/O (docs/PROTOCOL.md §13).
 *
 * An address is the Base58 form of a 25-byte number: version ‖ HASH160 ‖ checksum. With
 * version 0x1c every such number lies in [0x1c00…00, 0x1cff…ff], whose Base58 forms are
 * `CGTta3M4…` and `CfoVZ9eM…`: all 34 characters long and all starting with "C". So a prefix
 * is matched after that fixed "C", and its own first character can only be one of G…f.
 * @module
 */
import { ADDRESS_HASH_BYTES, ADDRESS_VERSION, encodeBase58 } from "../lib/core/address.ts";

/** The Bitcoin Base58 alphabet (no 0, O, I or l). */
export const BASE58_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
/** Longest prefix accepted: 8 characters already mean about 10^14 keys. */
export const MAX_PREFIX_LENGTH = 8;
/** Bytes of an encoded address number: version, HASH160, 4-byte checksum. */
export const ADDRESS_NUMBER_BYTES = 1 + ADDRESS_HASH_BYTES + 4;

/** A validated prefix and the exact range of 25-byte address numbers that match it. */
export interface PrefixPlan {
  /** The prefix as given, matched after `lead`. */
  readonly prefix: string;
  /** The leading character every address of this version has ("C"). */
  readonly lead: string;
  /** Smallest matching address number, 25 bytes big-endian. */
  readonly low: Uint8Array;
  /** Largest matching address number, 25 bytes big-endian. */
  readonly high: Uint8Array;
  /** Average number of random keys until one matches (1 / probability). */
  readonly expectedTries: number;
}

/** A prefix that cannot be searched for; the message says why. */
export class PrefixError extends RangeError {
  override name = "PrefixError";
}

interface VersionBounds {
  readonly min: bigint;
  readonly max: bigint;
  readonly lead: string;
  readonly length: number;
}

const boundsCache = new Map<number, VersionBounds>();

function versionBounds(version: number): VersionBounds {
  const cached = boundsCache.get(version);
  if (cached) return cached;
  const lo = new Uint8Array(ADDRESS_NUMBER_BYTES);
  const hi = new Uint8Array(ADDRESS_NUMBER_BYTES).fill(0xff);
  lo[0] = hi[0] = version;
  const a = encodeBase58(lo);
  const b = encodeBase58(hi);
  // Holds for 0x1c; a version whose addresses vary in length or lead needs another rule.
  if (a.length !== b.length || a[0] !== b[0]) {
    throw new RangeError(`Version ${version} has no fixed leading character (${a} … ${b})`);
  }
  const bounds = { min: bytesToBig(lo), max: bytesToBig(hi), lead: a[0], length: a.length };
  boundsCache.set(version, bounds);
  return bounds;
}

function bytesToBig(b: Uint8Array): bigint {
  let v = 0n;
  for (const x of b) v = (v << 8n) | BigInt(x);
  return v;
}

function bigToBytes(v: bigint, n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = n - 1; i >= 0; i--, v >>= 8n) out[i] = Number(v & 0xffn);
  return out;
}

function base58ToBig(text: string): bigint {
  let v = 0n;
  for (const c of text) v = v * 58n + BigInt(BASE58_ALPHABET.indexOf(c));
  return v;
}

/** The address numbers matching lead + prefix, clipped to the version's range, or undefined. */
function matchRange(prefix: string, b: VersionBounds): [bigint, bigint] | undefined {
  const head = b.lead + prefix;
  const pad = b.length - head.length;
  const lo = base58ToBig(head + "1".repeat(pad));
  const hi = base58ToBig(head + "z".repeat(pad));
  const from = lo > b.min ? lo : b.min;
  const to = hi < b.max ? hi : b.max;
  return from <= to ? [from, to] : undefined;
}

/** The characters that can follow `prefix` (already reachable), as a compact list. */
function followers(prefix: string, b: VersionBounds): string {
  const ok = [...BASE58_ALPHABET].filter((c) => matchRange(prefix + c, b) !== undefined);
  const first = BASE58_ALPHABET.indexOf(ok[0]);
  const contiguous = ok.every((c, i) => BASE58_ALPHABET[first + i] === c);
  return contiguous && ok.length > 2
    ? `${ok[0]}…${ok[ok.length - 1]} (${ok.join("")})`
    : ok.join(", ");
}

/**
 * Validates a vanity prefix and computes what it costs. Throws PrefixError naming the bad
 * character, the impossible position and what could follow there, or the excess length.
 *
 * @example
 * ```ts
 * import { planPrefix } from "./prefix.ts";
 * const plan = planPrefix("ab");
 * if (plan.lead !== "C" || plan.expectedTries < 1000) throw new Error("plan");
 * ```
 */
export function planPrefix(prefix: string, version = ADDRESS_VERSION): PrefixPlan {
  if (typeof prefix !== "string") throw new TypeError(`"prefix" expected a string`);
  for (let i = 0; i < prefix.length; i++) {
    const c = prefix[i];
    if (!BASE58_ALPHABET.includes(c)) {
      const why = "0OIl".includes(c)
        ? "Base58 leaves out 0, O, I and l, which look alike"
        : "it is not in the Base58 alphabet";
      throw new PrefixError(
        `Invalid prefix "${prefix}": character ${JSON.stringify(c)} at position ${i + 1} ` +
          `cannot appear in an address (${why})`,
      );
    }
  }
  const b = versionBounds(version);
  const total = b.max - b.min + 1n;
  const tries = (range: [bigint, bigint]) => Number(total) / Number(range[1] - range[0] + 1n);
  if (prefix.length > MAX_PREFIX_LENGTH) {
    const range = matchRange(prefix, b);
    const estimate = range ? tries(range) : 58 ** prefix.length;
    throw new PrefixError(
      `Prefix "${prefix}" is too long: ${prefix.length} characters need about ` +
        `${estimate.toExponential(1)} expected tries; the limit is ${MAX_PREFIX_LENGTH}`,
    );
  }
  for (let n = 1; n <= prefix.length; n++) {
    if (matchRange(prefix.slice(0, n), b) !== undefined) continue;
    const before = b.lead + prefix.slice(0, n - 1);
    throw new PrefixError(
      `Impossible prefix "${prefix}": every address starts with "${b.lead}", and after ` +
        `"${before}" only ${followers(prefix.slice(0, n - 1), b)} can follow, ` +
        `not "${prefix[n - 1]}"`,
    );
  }
  const range = matchRange(prefix, b)!;
  return Object.freeze({
    prefix,
    lead: b.lead,
    low: bigToBytes(range[0], ADDRESS_NUMBER_BYTES),
    high: bigToBytes(range[1], ADDRESS_NUMBER_BYTES),
    expectedTries: tries(range),
  });
}

/** The characters that can start a prefix (right after the version's leading character). */
export function firstPrefixCharacters(version = ADDRESS_VERSION): string {
  const b = versionBounds(version);
  return [...BASE58_ALPHABET].filter((c) => matchRange(c, b) !== undefined).join("");
}
