/**
 * The membership-key layer for private networks (docs/PROTOCOL.md §9.5): every datagram is
 * sealed with XChaCha20-Poly1305 (`@noble/ciphers`) under the network's 32-byte key, so a
 * node without the key can neither read nor inject anything. Pure: the clock and the random
 * source are injected.
 *
 * A sealed datagram:
 *
 *     "CRKS" | version 1 (u8) | mode (u8: 1 encrypted, 2 authenticated only)
 *            | key id (4) | nonce (24 = session 16 | counter u64 BE) | time ms (u64 BE)
 *            | body (encrypted: ciphertext; authenticated: the datagram) | tag (16)
 *
 * Everything before the body is additional data, so the header cannot be altered.
 *
 * Nonces never repeat, across restarts too: each sealer draws a fresh random 16-byte session
 * at start and counts up from 0 in the remaining 8 bytes. Two sessions collide with
 * probability about n²/2^129 for n restarts, which XChaCha20's 192-bit nonce was designed to
 * allow; nothing needs to be stored between runs.
 *
 * Replays: an opener keeps, per sender session, the highest counter seen and a 64-wide bitmap
 * below it (the IPsec/RFC 4303 §3.4.3 sliding window), and refuses datagrams whose time is
 * more than MAX_AGE_MS old or ahead of its clock, so a datagram recorded in an earlier session
 * cannot be replayed once its session's state is gone.
 * @module
 */
import { xchacha20poly1305 } from "@noble/ciphers/chacha.js";
import { sha256 } from "@noble/hashes/sha2.js";

/** Magic of a sealed datagram. */
export const SEALED_MAGIC: readonly number[] = Object.freeze([0x43, 0x52, 0x4b, 0x53]); // CRKS
/** Version of the sealed layer. */
export const SEALED_VERSION = 1;
/** Bytes of the membership key. */
export const NETWORK_KEY_BYTES = 32;
/** Header bytes before the body. */
export const SEALED_HEADER_BYTES = 4 + 1 + 1 + 4 + 24 + 8;
/** Bytes a seal adds to a datagram. */
export const SEALED_OVERHEAD_BYTES = SEALED_HEADER_BYTES + 16;
/** Oldest (and furthest ahead) a datagram's time may be, ms. */
export const MAX_AGE_MS = 10 * 60_000;
/** Width of the replay window, in counters. */
export const REPLAY_WINDOW = 64;
/** Sender sessions remembered; the least recently seen is forgotten beyond this. */
export const MAX_SESSIONS = 4096;

/** Why a sealed datagram was refused (counted as `auth-failed` by the network layer). */
export type OpenFailure = "format" | "key" | "tag" | "stale" | "replay";

/** Hex of the first 4 bytes of SHA-256("crackcoin network key" ‖ key): which key sealed. */
export function networkKeyId(key: Uint8Array): Uint8Array {
  const tag = new TextEncoder().encode("crackcoin network key");
  const m = new Uint8Array(tag.length + key.length);
  m.set(tag);
  m.set(key, tag.length);
  return sha256(m).slice(0, 4);
}

function u64(view: DataView, off: number): bigint {
  return view.getBigUint64(off);
}

/** Seals datagrams under a network key. One per process run (its session is random). */
export class DatagramSealer {
  readonly #key: Uint8Array;
  readonly #keyId: Uint8Array;
  readonly #session: Uint8Array;
  readonly #encrypt: boolean;
  #counter = 0n;

  /**
   * `random` gives the session (crypto.getRandomValues in production); `encrypt` false only
   * authenticates (the payload stays readable on the wire).
   */
  constructor(key: Uint8Array, random: (n: number) => Uint8Array, encrypt = true) {
    if (!(key instanceof Uint8Array) || key.length !== NETWORK_KEY_BYTES) {
      throw new RangeError(`network key: expected ${NETWORK_KEY_BYTES} bytes`);
    }
    this.#key = key.slice();
    this.#keyId = networkKeyId(key);
    this.#session = random(16).slice(0, 16);
    this.#encrypt = encrypt;
  }

  /** Seals one datagram at time `now` (ms since the epoch). */
  seal(datagram: Uint8Array, now: number): Uint8Array {
    const header = new Uint8Array(SEALED_HEADER_BYTES);
    const v = new DataView(header.buffer);
    header.set(SEALED_MAGIC, 0);
    header[4] = SEALED_VERSION;
    header[5] = this.#encrypt ? 1 : 2;
    header.set(this.#keyId, 6);
    header.set(this.#session, 10);
    v.setBigUint64(26, this.#counter++);
    v.setBigUint64(34, BigInt(Math.max(0, Math.floor(now))));
    const nonce = header.subarray(10, 34);
    const out = this.#encrypt
      ? xchacha20poly1305(this.#key, nonce, header).encrypt(datagram)
      : concat(
        datagram,
        xchacha20poly1305(this.#key, nonce, concat(header, datagram)).encrypt(new Uint8Array(0)),
      );
    return concat(header, out);
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const r = new Uint8Array(a.length + b.length);
  r.set(a);
  r.set(b, a.length);
  return r;
}

interface Window {
  top: bigint;
  bits: bigint;
  seen: number;
}

/** Opens sealed datagrams and keeps the replay windows. */
export class DatagramOpener {
  readonly #key: Uint8Array;
  readonly #keyId: Uint8Array;
  readonly #windows = new Map<string, Window>();

  constructor(key: Uint8Array) {
    if (!(key instanceof Uint8Array) || key.length !== NETWORK_KEY_BYTES) {
      throw new RangeError(`network key: expected ${NETWORK_KEY_BYTES} bytes`);
    }
    this.#key = key.slice();
    this.#keyId = networkKeyId(key);
  }

  /** Sender sessions currently tracked. */
  get sessions(): number {
    return this.#windows.size;
  }

  /**
   * Opens a sealed datagram received at `now`: the inner datagram, or why it was refused.
   * Never throws on any input.
   */
  open(data: Uint8Array, now: number): Uint8Array | OpenFailure {
    if (
      data.length < SEALED_OVERHEAD_BYTES || data[0] !== SEALED_MAGIC[0] ||
      data[1] !== SEALED_MAGIC[1] || data[2] !== SEALED_MAGIC[2] ||
      data[3] !== SEALED_MAGIC[3] || data[4] !== SEALED_VERSION ||
      (data[5] !== 1 && data[5] !== 2)
    ) return "format";
    for (let i = 0; i < 4; i++) if (data[6 + i] !== this.#keyId[i]) return "key";
    const header = data.subarray(0, SEALED_HEADER_BYTES);
    const v = new DataView(data.buffer, data.byteOffset, data.byteLength);
    const counter = u64(v, 26);
    const time = Number(u64(v, 34));
    const nonce = header.subarray(10, 34);
    const body = data.subarray(SEALED_HEADER_BYTES);
    let inner: Uint8Array;
    try {
      if (data[5] === 1) {
        inner = xchacha20poly1305(this.#key, nonce, header.slice()).decrypt(body);
      } else {
        inner = body.slice(0, body.length - 16);
        xchacha20poly1305(this.#key, nonce, concat(header, inner)).decrypt(
          body.subarray(body.length - 16),
        );
      }
    } catch {
      return "tag";
    }
    // Only authentic datagrams reach the freshness and replay checks (and their state).
    if (!(Math.abs(now - time) <= MAX_AGE_MS)) return "stale";
    const session = bytesKey(header.subarray(10, 26));
    let w = this.#windows.get(session);
    if (!w) {
      if (this.#windows.size >= MAX_SESSIONS) this.#evict();
      w = { top: counter, bits: 1n, seen: now };
      this.#windows.set(session, w);
      return inner;
    }
    w.seen = now;
    if (counter > w.top) {
      const shift = counter - w.top;
      w.bits = shift >= BigInt(REPLAY_WINDOW) ? 1n : ((w.bits << shift) | 1n) & MASK;
      w.top = counter;
      return inner;
    }
    const back = w.top - counter;
    if (back >= BigInt(REPLAY_WINDOW)) return "replay";
    const bit = 1n << back;
    if (w.bits & bit) return "replay";
    w.bits |= bit;
    return inner;
  }

  #evict(): void {
    let oldest: string | undefined;
    let t = Infinity;
    for (const [k, w] of this.#windows) if (w.seen < t) (t = w.seen, oldest = k);
    if (oldest !== undefined) this.#windows.delete(oldest);
  }
}

const MASK = (1n << BigInt(REPLAY_WINDOW)) - 1n;

function bytesKey(b: Uint8Array): string {
  let s = "";
  for (const x of b) s += x.toString(16).padStart(2, "0");
  return s;
}
