/**
 * Per-source reply budgets against reflection (docs/PROTOCOL.md §10.8). UDP source addresses
 * can be forged, so a node that answers whatever arrives could be made to send a large answer
 * to a victim. Until a source has shown that it receives at its address, everything sent to
 * it is bounded by what it sent: at most `REPLY_FACTOR` (3) times its bytes and its datagrams.
 *
 * A source shows it receives at its address with a cookie round trip, as DNS cookies (RFC
 * 7873) and QUIC's address validation do, over messages the protocol already has: the node
 * sends the source a `get-inv` whose `after` is a cookie, HMAC-SHA-256(secret, epoch ‖
 * address); a node that received it answers with an `inv` echoing `after` (§9.3), which only a
 * receiver at that address can do. The secret is random per run; a cookie is good for the
 * epoch it was made in and the next (`COOKIE_EPOCH_MS`). Pure: the clock is passed in.
 * @module
 */
import { bytesEqual, hmacSha256 } from "../core/hash.ts";
import { MAX_DATAGRAM_BYTES } from "../wire/constants.ts";

/** An unverified source gets at most this many times its bytes and datagrams back. */
export const REPLY_FACTOR = 3;
/** Most unspent reply credit an unverified source can save up, in bytes. */
export const MAX_CREDIT_BYTES = REPLY_FACTOR * MAX_DATAGRAM_BYTES;
/** Most unspent reply credit an unverified source can save up, in datagrams. */
export const MAX_CREDIT_DATAGRAMS = 4 * REPLY_FACTOR;
/** A cookie is accepted in the epoch it was made in and in the next one. */
export const COOKIE_EPOCH_MS = 60_000;
/** A verified source stays verified this long after it was last seen. */
export const VERIFIED_TTL_MS = 10 * 60_000;
/** At most one cookie challenge per source in this interval. */
export const CHALLENGE_INTERVAL_MS = 1000;
/** Most unverified sources tracked; the least recently seen is forgotten first. */
export const MAX_UNVERIFIED_SOURCES = 4096;
/**
 * Most verified sources tracked, in a table of their own, so that a flood of forged sources
 * cannot push a verified peer out; one pushed out anyway just answers a new cookie.
 */
export const MAX_VERIFIED_SOURCES = 1024;
/** Bytes of a cookie: the `after` field of a `get-inv`. */
export const COOKIE_BYTES = 32;

/** Traffic with one source, as `p` shows it. */
export interface SourceBudget {
  readonly source: string;
  readonly verified: boolean;
  readonly bytesIn: number;
  readonly datagramsIn: number;
  readonly bytesOut: number;
  readonly datagramsOut: number;
  /** Bytes that could be sent now (Infinity when verified). */
  readonly creditBytes: number;
  /** Datagrams not sent because the budget was spent. */
  readonly refused: number;
}

interface Entry {
  bytesIn: number;
  datagramsIn: number;
  bytesOut: number;
  datagramsOut: number;
  creditBytes: number;
  creditDatagrams: number;
  refused: number;
  lastSeen: number;
  lastChallenge: number;
}

function newEntry(now: number): Entry {
  return {
    bytesIn: 0,
    datagramsIn: 0,
    bytesOut: 0,
    datagramsOut: 0,
    creditBytes: 0,
    creditDatagrams: 0,
    refused: 0,
    lastSeen: now,
    lastChallenge: -Infinity,
  };
}

/**
 * Reply budgets by source ("host:port").
 *
 * @example
 * ```ts
 * import { ReplyBudget } from "./reply_budget.ts";
 * const b = new ReplyBudget({ secret: new Uint8Array(32).fill(7) });
 * b.credit("10.0.0.9:4000", 56, 0);           // a 56-byte request came
 * if (b.trySpend("10.0.0.9:4000", 200, 0)) throw new Error("200 > 3 × 56");
 * if (!b.trySpend("10.0.0.9:4000", 150, 0)) throw new Error("150 ≤ 3 × 56");
 * const cookie = b.cookie("10.0.0.9:4000", 0);
 * if (!b.checkCookie("10.0.0.9:4000", cookie, 5)) throw new Error("echo verifies");
 * if (!b.trySpend("10.0.0.9:4000", 8000, 5)) throw new Error("verified: no bound");
 * ```
 */
export class ReplyBudget {
  #unverified = new Map<string, Entry>();
  #verified = new Map<string, Entry>();
  readonly #secret: Uint8Array;
  readonly #factor: number;
  /** Datagrams refused over all sources (kept when a source is forgotten). */
  refusedTotal = 0;
  /** Cookie challenges handed out. */
  challenges = 0;
  /** Sources that answered a cookie. */
  verifiedTotal = 0;

  constructor(opts: { secret: Uint8Array; factor?: number }) {
    if (!(opts.secret instanceof Uint8Array) || opts.secret.length < 16) {
      throw new RangeError(`"secret" expected at least 16 random bytes`);
    }
    this.#secret = opts.secret.slice();
    this.#factor = opts.factor ?? REPLY_FACTOR;
  }

  /** Sources tracked (verified and not). */
  get size(): number {
    return this.#unverified.size + this.#verified.size;
  }

  #touch(source: string, now: number): { e: Entry; verified: boolean } {
    const v = this.#verified.get(source);
    if (v !== undefined) {
      if (now - v.lastSeen <= VERIFIED_TTL_MS) {
        this.#verified.delete(source); // re-insert: Map order doubles as recency order
        this.#verified.set(source, v);
        v.lastSeen = now;
        return { e: v, verified: true };
      }
      this.#verified.delete(source); // expired: back to proving itself
    }
    let e = this.#unverified.get(source);
    if (e === undefined) {
      if (this.#unverified.size >= MAX_UNVERIFIED_SOURCES) {
        this.#unverified.delete(this.#unverified.keys().next().value!);
      }
      e = newEntry(now);
    } else this.#unverified.delete(source);
    this.#unverified.set(source, e);
    e.lastSeen = now;
    return { e, verified: false };
  }

  /** A datagram of `bytes` arrived from `source`: its reply credit grows by the factor. */
  credit(source: string, bytes: number, now: number): void {
    const { e } = this.#touch(source, now);
    e.bytesIn += bytes;
    e.datagramsIn++;
    e.creditBytes = Math.min(MAX_CREDIT_BYTES, e.creditBytes + this.#factor * bytes);
    e.creditDatagrams = Math.min(MAX_CREDIT_DATAGRAMS, e.creditDatagrams + this.#factor);
  }

  /**
   * Whether a datagram of `bytes` may be sent to `source` now; when it may, it is counted
   * against the budget. Verified sources are not bounded.
   */
  trySpend(source: string, bytes: number, now: number): boolean {
    const { e, verified } = this.#touch(source, now);
    if (!verified) {
      if (e.creditBytes < bytes || e.creditDatagrams < 1) {
        e.refused++;
        this.refusedTotal++;
        return false;
      }
      e.creditBytes -= bytes;
      e.creditDatagrams--;
    }
    e.bytesOut += bytes;
    e.datagramsOut++;
    return true;
  }

  /** Bytes that may still be sent to `source` in one datagram (Infinity when verified). */
  allowance(source: string, now: number): number {
    if (this.isVerified(source, now)) return Infinity;
    const e = this.#unverified.get(source);
    return e === undefined || e.creditDatagrams < 1 ? 0 : e.creditBytes;
  }

  /** True when `source` answered a cookie recently (or was marked verified). */
  isVerified(source: string, now: number): boolean {
    const v = this.#verified.get(source);
    return v !== undefined && now - v.lastSeen <= VERIFIED_TTL_MS;
  }

  /** Marks `source` verified (a static peer the operator named, or a cookie echoed). */
  markVerified(source: string, now: number): void {
    if (this.isVerified(source, now)) return;
    const e = this.#unverified.get(source) ?? newEntry(now);
    this.#unverified.delete(source);
    this.#verified.delete(source);
    if (this.#verified.size >= MAX_VERIFIED_SOURCES) {
      this.#verified.delete(this.#verified.keys().next().value!);
    }
    e.lastSeen = now;
    this.#verified.set(source, e);
  }

  /** The cookie for `source` in the epoch of `now`: HMAC-SHA-256(secret, epoch u32 ‖ source). */
  cookie(source: string, now: number): Uint8Array {
    return this.#cookieAt(source, Math.floor(now / COOKIE_EPOCH_MS));
  }

  #cookieAt(source: string, epoch: number): Uint8Array {
    const s = new TextEncoder().encode(source);
    const m = new Uint8Array(4 + s.length);
    new DataView(m.buffer).setUint32(0, epoch >>> 0);
    m.set(s, 4);
    return hmacSha256(this.#secret, m);
  }

  /**
   * True when `echo` is the cookie of `source` for this epoch or the previous one: the
   * source then receives at its address, and is marked verified.
   */
  checkCookie(source: string, echo: Uint8Array, now: number): boolean {
    if (echo.length !== COOKIE_BYTES) return false;
    const epoch = Math.floor(now / COOKIE_EPOCH_MS);
    const ok = bytesEqual(echo, this.#cookieAt(source, epoch)) ||
      bytesEqual(echo, this.#cookieAt(source, epoch - 1));
    if (ok) {
      if (!this.isVerified(source, now)) this.verifiedTotal++;
      this.markVerified(source, now);
    }
    return ok;
  }

  /**
   * True when a cookie challenge should go to `source` now: it is not verified and was not
   * challenged within CHALLENGE_INTERVAL_MS. Records the challenge; the caller still sends
   * it through `trySpend`.
   */
  shouldChallenge(source: string, now: number): boolean {
    if (this.isVerified(source, now)) return false;
    const { e } = this.#touch(source, now);
    if (now - e.lastChallenge < CHALLENGE_INTERVAL_MS) return false;
    e.lastChallenge = now;
    this.challenges++;
    return true;
  }

  /** Traffic by source, most recently seen first, at most `limit` of them. */
  sources(now: number, limit = 16): SourceBudget[] {
    const out: SourceBudget[] = [];
    const add = (source: string, e: Entry, verified: boolean) =>
      out.push({
        source,
        verified,
        bytesIn: e.bytesIn,
        datagramsIn: e.datagramsIn,
        bytesOut: e.bytesOut,
        datagramsOut: e.datagramsOut,
        creditBytes: verified ? Infinity : e.creditBytes,
        refused: e.refused,
      });
    for (const [s, e] of this.#verified) {
      if (now - e.lastSeen <= VERIFIED_TTL_MS) add(s, e, true);
    }
    for (const [s, e] of this.#unverified) add(s, e, false);
    return out.sort((a, b) => this.#seen(b.source) - this.#seen(a.source)).slice(0, limit);
  }

  #seen(source: string): number {
    return (this.#verified.get(source) ?? this.#unverified.get(source))?.lastSeen ?? 0;
  }
}
