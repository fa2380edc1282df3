/**
 * Misbehaviour scores (docs/PROTOCOL.md §10.9): a source that keeps sending what is refused,
 * lies in its inventory or stalls sync sessions is ignored for a while. Malformed datagrams
 * are not scored: the decoder refuses them in microseconds, and the rate limit bounds them. Scores decay
 * exponentially, so occasional mistakes (a lost datagram that ends a session, a relayed
 * transaction another node refused) never add up to a ban; only a steady stream does. Pure:
 * the clock is passed in.
 *
 * A source is an address and port. On a LAN an attacker may forge another node's address, so
 * a ban is short (`BAN_MS`) and a node can at worst be made to ignore a peer for that long;
 * what the peer sends meanwhile arrives again by sync once the ban ends.
 * @module
 */

/** What a source did wrong, and what it costs. */
export const OFFENCE_POINTS = Object.freeze(
  {
    /** A transaction refused by a rule (§7), other than `future-timestamp`. */
    "rejected": 5,
    /** A refused transaction sent again (found in the recent-rejects filter). */
    "rejected-again": 10,
    /** An inventory entry it did not serve when asked. */
    "inv-lie": 1,
    /** A transaction it sent that nobody asked for and that is an orphan. */
    "orphan": 1,
    /**
     * A confirmation of a txid this node does not hold, that no sync session asked for. Honest
     * relays make a few (a miner's confirmation racing its transaction); a full `conf`
     * datagram of them (194) is about 19 points.
     */
    "unknown-confirmation": 0.1,
    /**
     * A transaction this node already holds, or a confirmation with no more work than the one
     * held, that no sync session asked for. Each honest neighbour relays an item once, so a
     * burst of 10,000 payments costs it 50 points; a source replaying them at its rate limit
     * (tens of thousands a second, each a database lookup) is ignored within a second.
     */
    "repeat": 0.005,
    /** A sync session with it abandoned without storing anything. */
    "stall": 25,
  } as const,
);

/** A kind of misbehaviour. */
export type Offence = keyof typeof OFFENCE_POINTS;

/** A source whose score reaches this is ignored. */
export const BAN_SCORE = 100;
/** How long a source is ignored. */
export const BAN_MS = 60_000;
/** Scores halve in this time. */
export const SCORE_HALF_LIFE_MS = 30_000;
/** Most sources scored at once; the least recently scored is forgotten first. */
export const MAX_SCORED_SOURCES = 4096;

interface Score {
  points: number;
  at: number;
  bannedUntil: number;
  bans: number;
  offences: number;
}

/** A scored source, as `p` shows it. */
export interface SourceScore {
  readonly source: string;
  readonly score: number;
  readonly bannedForMs: number;
  readonly bans: number;
  readonly offences: number;
}

/**
 * Decaying misbehaviour scores by source.
 *
 * @example
 * ```ts
 * import { Misbehaviour } from "./misbehaviour.ts";
 * const m = new Misbehaviour();
 * for (let i = 0; i < 20; i++) m.report("10.0.0.9:4000", "rejected", 0);
 * if (!m.isBanned("10.0.0.9:4000", 1)) throw new Error("20 × 5 points is a ban");
 * if (m.isBanned("10.0.0.9:4000", 61_000)) throw new Error("bans end");
 * ```
 */
export class Misbehaviour {
  #scores = new Map<string, Score>();
  /** Bans imposed, over all sources. */
  bansTotal = 0;

  /** Sources scored. */
  get size(): number {
    return this.#scores.size;
  }

  #decayed(s: Score, now: number): number {
    return s.points * Math.pow(0.5, Math.max(0, now - s.at) / SCORE_HALF_LIFE_MS);
  }

  /** Adds an offence; returns true when the source is banned now. */
  report(source: string, offence: Offence, now: number, times = 1): boolean {
    let s = this.#scores.get(source);
    if (s === undefined) {
      if (this.#scores.size >= MAX_SCORED_SOURCES) {
        this.#scores.delete(this.#scores.keys().next().value!);
      }
      s = { points: 0, at: now, bannedUntil: -Infinity, bans: 0, offences: 0 };
    } else this.#scores.delete(source);
    this.#scores.set(source, s);
    s.points = this.#decayed(s, now) + OFFENCE_POINTS[offence] * times;
    s.at = now;
    s.offences += times;
    if (s.points >= BAN_SCORE && s.bannedUntil <= now) {
      s.bannedUntil = now + BAN_MS;
      s.bans++;
      s.points = 0; // served in full by the ban
      this.bansTotal++;
    }
    return s.bannedUntil > now;
  }

  /** True when datagrams from `source` are to be dropped unread. */
  isBanned(source: string, now: number): boolean {
    const s = this.#scores.get(source);
    return s !== undefined && s.bannedUntil > now;
  }

  /** The current score of `source` (0 when unknown). */
  score(source: string, now: number): number {
    const s = this.#scores.get(source);
    return s === undefined ? 0 : this.#decayed(s, now);
  }

  /** Scored sources, worst first, at most `limit`; sources whose score decayed away are left out. */
  sources(now: number, limit = 16): SourceScore[] {
    const out: SourceScore[] = [];
    for (const [source, s] of this.#scores) {
      const score = this.#decayed(s, now);
      const bannedForMs = Math.max(0, s.bannedUntil - now);
      if (score < 1 && bannedForMs === 0) continue;
      out.push({
        source,
        score: Math.round(score),
        bannedForMs,
        bans: s.bans,
        offences: s.offences,
      });
    }
    return out.sort((a, b) => b.bannedForMs - a.bannedForMs || b.score - a.score).slice(0, limit);
  }
}
