/**
 * Suppressed relaying on one broadcast domain (Trickle, RFC 6206, and gossip suppression):
 * after a new item arrives, wait a random short delay, and rebroadcast it only if fewer than
 * `k` copies of it were heard meanwhile, the copy that made it new included. On one LAN the
 * first broadcast already reached almost everyone, so with k = 2 one node on the LAN
 * rebroadcasts each item (whoever's delay ends first) and every other node hears that copy
 * and stays quiet: what each node receives per item stays constant as the LAN grows. A
 * receiver that lost the first broadcast gets the rebroadcast; one that lost both is healed
 * by anti-entropy (lib/net/summaries.ts). Static (`--peer`) peers are not suppressed: the
 * relay sends to them at once.
 *
 * Pure logic with the clock and the randomness injected; lib/net/relay.ts drives it.
 * @module
 */
import { bytesEqual } from "../core/hash.ts";

/** Copies heard during the delay at which our own rebroadcast is dropped (the origin counts). */
export const RELAY_K = 2;
/**
 * The same for transactions: two rebroadcasts per LAN instead of one, so a receiver that
 * loses 10% misses a payment with about 0.1% chance instead of 1% and seldom has to wait for
 * anti-entropy; a transaction is one datagram per payment, confirmations are most of them.
 */
export const RELAY_K_TX = 3;
/** Shortest random delay before a rebroadcast, ms. */
export const RELAY_DELAY_MIN_MS = 30;
/** Longest random delay before a rebroadcast on a small LAN, ms. */
export const RELAY_DELAY_MAX_MS = 400;
/**
 * On a larger LAN the window grows by this much per peer heard from: the first two delays of
 * N draws are about window/N apart, and when that falls below the time a copy takes to be
 * sent, received and stored, several nodes rebroadcast before hearing each other.
 */
export const RELAY_DELAY_PER_PEER_MS = 20;

/**
 * Expected rebroadcast candidates per LAN: on a LAN of `peers` peers each node becomes a
 * candidate for an item with probability min(1, expected / peers), and only candidates wait
 * and count copies. However large the LAN, about this many delays then compete, so the
 * chance that two end within one copy's latency of each other stays the same (on a busy
 * machine that latency includes waiting to be scheduled, and every extra candidate was an
 * extra copy). On LANs of up to `expected` peers everyone is a candidate. The chance that
 * nobody is a candidate is about e^-expected: transactions use 6 (0.25%), confirmations 3
 * (5%; a later confirmation of the same transaction or anti-entropy covers the rest).
 */
export const RELAY_CANDIDATES_TX = 6;
/** See RELAY_CANDIDATES_TX. */
export const RELAY_CANDIDATES_CONF = 3;

/** Whether this node is a rebroadcast candidate for one item (`draw` in [0, 1)). */
export function relayCandidate(peers: number, expected: number, draw: number): boolean {
  return peers <= expected || draw < expected / peers;
}

/** The rebroadcast window for a LAN on which `peers` peers were heard, ms. */
export function relayWindowMs(peers: number): number {
  return Math.max(RELAY_DELAY_MAX_MS, RELAY_DELAY_PER_PEER_MS * peers);
}
/** Items waiting for their delay at once; beyond it the oldest is decided early. */
export const MAX_PENDING_RELAYS = 4096;

/** The decision rule alone: rebroadcast when fewer than `k` copies were heard. */
export function shouldRelay(copiesHeard: number, k: number = RELAY_K): boolean {
  return copiesHeard < k;
}

/** Options of a Suppressor; defaults are the constants above. */
export interface SuppressorOptions<T = unknown> {
  readonly k?: number;
  /** k for one item, when it depends on the item (default: `k` for all). */
  readonly kFor?: (item: T) => number;
  readonly minDelayMs?: number;
  /** A number, or a function read at each offer (the window grows with the LAN). */
  readonly maxDelayMs?: number | (() => number);
  /** A number in [0, 1). Default Math.random. */
  readonly random?: () => number;
}

interface Pending<T> {
  readonly item: T;
  readonly due: number;
  /** Work of the item (confirmations), 0 for transactions: a copy counts if at least this. */
  readonly level: number;
  readonly k: number;
  copies: number;
}

/**
 * Items waiting to be rebroadcast, keyed (a txid in hex), with the copies heard of each.
 * `offer` schedules an item that just became new, `heard` counts a copy (any copy of a
 * key, or for leveled items one at least as good), and `due` hands back the items whose
 * delay ended, split into those to send and those suppressed.
 */
export class Suppressor<T> {
  readonly #k: number;
  readonly #kFor: ((item: T) => number) | undefined;
  readonly #min: number;
  readonly #max: number | (() => number);
  readonly #random: () => number;
  #pending = new Map<string, Pending<T>>();

  constructor(opts: SuppressorOptions<T> = {}) {
    this.#k = opts.k ?? RELAY_K;
    this.#kFor = opts.kFor;
    this.#min = opts.minDelayMs ?? RELAY_DELAY_MIN_MS;
    this.#max = opts.maxDelayMs ?? RELAY_DELAY_MAX_MS;
    this.#random = opts.random ?? Math.random;
  }

  /** Items waiting. */
  get size(): number {
    return this.#pending.size;
  }

  /**
   * Schedules `item` under `key` at `due` (default `now` + a random delay, `drawDue`); the
   * copy that brought it counts
   * as the first heard. A pending item of lower `level` is replaced (its copies reset).
   * Returns the item decided early when MAX_PENDING_RELAYS were waiting (send it: better a
   * duplicate than a loss), else undefined.
   */
  offer(key: string, item: T, now: number, level = 0, due?: number): T | undefined {
    const old = this.#pending.get(key);
    if (old && old.level >= level) {
      old.copies++;
      return undefined;
    }
    this.#pending.delete(key);
    let early: T | undefined;
    if (this.#pending.size >= MAX_PENDING_RELAYS) {
      const [k, p] = this.#pending.entries().next().value!;
      this.#pending.delete(k);
      if (shouldRelay(p.copies, p.k)) early = p.item;
    }
    const k = this.#kFor?.(item) ?? this.#k;
    this.#pending.set(key, { item, due: due ?? this.drawDue(now), level, k, copies: 1 });
    return early;
  }

  /** True when an item is waiting under `key`. */
  pending(key: string): boolean {
    return this.#pending.has(key);
  }

  /**
   * A random due time after `now`. Items offered together with one due time (a stored batch:
   * parents before children) go out together, in the order offered.
   */
  drawDue(now: number): number {
    const max = typeof this.#max === "number" ? this.#max : this.#max();
    return now + this.#min + Math.max(0, max - this.#min) * this.#random();
  }

  /** A copy of `key` (at `level`) was heard: it counts against a pending item as good or worse. */
  heard(key: string, level = 0): void {
    const p = this.#pending.get(key);
    if (p && level >= p.level) p.copies++;
  }

  /** Removes and returns the items whose delay has ended, split by the decision. */
  due(now: number): { send: T[]; suppressed: T[] } {
    const send: T[] = [], suppressed: T[] = [];
    for (const [key, p] of this.#pending) {
      if (p.due > now) continue;
      this.#pending.delete(key);
      (shouldRelay(p.copies, p.k) ? send : suppressed).push(p.item);
    }
    return { send, suppressed };
  }

  /** The earliest due time of a waiting item, or undefined. */
  nextDue(): number | undefined {
    let next: number | undefined;
    for (const p of this.#pending.values()) if (next === undefined || p.due < next) next = p.due;
    return next;
  }

  /** Drops everything waiting. */
  clear(): void {
    this.#pending.clear();
  }
}

/**
 * Summary suppression: our periodic summary is skipped when at least `k` peers' summaries that
 * cover ours (`summaryCovers`) were heard since our last one: the LAN already heard something
 * at least as new as what we would say. Pure: the caller counts, this decides.
 */
export function shouldAnnounceSummary(coversHeard: number, k: number = RELAY_K): boolean {
  return coversHeard < k;
}

/**
 * Whether a peer's summary `theirs`, heard while ours was `mine`, makes ours redundant: it is
 * equal to ours, or it counts more items. "No newer than what I heard" rather than "equal":
 * while confirmations stream in and lossy receivers each miss different ones, few summaries
 * are equal (issue 16 measured summaries growing as N^1.7 at 10% loss with "equal" alone), but
 * a node that is behind, or level with the LAN, has nothing to tell it. A node holding more
 * than what it heard is never covered, so what only it holds is still announced; an equal
 * count with another digest covers nothing (neither side is newer).
 */
export function summaryCovers(
  theirs: { readonly count: number; readonly digest: Uint8Array },
  mine: { readonly count: number; readonly digest: Uint8Array },
): boolean {
  if (theirs.count !== mine.count) return theirs.count > mine.count;
  return bytesEqual(theirs.digest, mine.digest);
}
