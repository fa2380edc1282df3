/**
 * Which confirmations go on the wire (issue 16): a miner finds about ten better nonces per
 * transaction on its way to the cap, and before this each one was broadcast and relayed.
 * Now a confirmation is announced at once only when it is the first for its transaction or
 * raises the best work announced for it by at least CONF_STEP_BITS; a smaller improvement
 * is held, and the best one held is announced CONF_HOLD_MS later unless a better one went
 * out meanwhile. So the final (best) confirmation of each transaction always goes out, at
 * most CONF_HOLD_MS late, and the ones in between mostly do not.
 *
 * The policy is a pure function of a per-transaction state, so protocol v2's confirmation
 * message (which carries references) can plug in: only `work` is looked at.
 * @module
 */

/** An improvement of at least this many bits over the last announced work goes out at once. */
export const CONF_STEP_BITS = 2;
/** A smaller improvement waits this long for a better one before it goes out. */
export const CONF_HOLD_MS = 400;
/** Transactions whose announced work is remembered (least recently announced dropped first). */
export const MAX_CONF_STATES = 8192;

/** What to do with a confirmation that improved a transaction's work. */
export type ConfDecision = "announce" | "hold";

/**
 * The rule: announce when nothing was announced for the transaction yet, or when `work`
 * exceeds the last announced work by CONF_STEP_BITS or more; otherwise hold it.
 */
export function confDecision(
  lastAnnounced: number | undefined,
  work: number,
  stepBits: number = CONF_STEP_BITS,
): ConfDecision {
  if (lastAnnounced === undefined || work >= lastAnnounced + stepBits) return "announce";
  return "hold";
}

interface Held<C> {
  readonly conf: C;
  readonly work: number;
  readonly due: number;
}

/**
 * Per-transaction state of the policy: the last announced work (by anyone on the LAN: a
 * confirmation heard counts as announced) and the best held confirmation. Keys are txids
 * in hex. Clock injected.
 */
export class ConfPolicy<C> {
  readonly #step: number;
  readonly #holdMs: number;
  #announced = new Map<string, number>();
  #held = new Map<string, Held<C>>();

  constructor(opts: { stepBits?: number; holdMs?: number } = {}) {
    this.#step = opts.stepBits ?? CONF_STEP_BITS;
    this.#holdMs = opts.holdMs ?? CONF_HOLD_MS;
  }

  /** Confirmations held. */
  get held(): number {
    return this.#held.size;
  }

  /**
   * Offers a confirmation of `work` for `key` at `now`: true when it should be announced now
   * (recorded as announced), false when it is held (or not better than one announced).
   */
  offer(key: string, conf: C, work: number, now: number): boolean {
    const last = this.#announced.get(key);
    if (last !== undefined && work <= last) return false;
    if (confDecision(last, work, this.#step) === "announce") {
      this.markAnnounced(key, work);
      return true;
    }
    const h = this.#held.get(key);
    if (!h || h.work < work) {
      this.#held.set(key, { conf, work, due: h?.due ?? now + this.#holdMs });
    }
    return false;
  }

  /** A confirmation of `work` for `key` went out (ours, or heard from the LAN). */
  markAnnounced(key: string, work: number): void {
    const last = this.#announced.get(key);
    if (last !== undefined && last >= work) return;
    this.#announced.delete(key);
    if (this.#announced.size >= MAX_CONF_STATES) {
      this.#announced.delete(this.#announced.keys().next().value!);
    }
    this.#announced.set(key, work);
    const h = this.#held.get(key);
    if (h && h.work <= work) this.#held.delete(key);
  }

  /** Held confirmations whose time came: announce these (they are marked announced). */
  due(now: number): C[] {
    const out: C[] = [];
    for (const [key, h] of this.#held) {
      if (h.due > now) continue;
      this.#held.delete(key);
      this.markAnnounced(key, h.work);
      out.push(h.conf);
    }
    return out;
  }

  /** The earliest due time of a held confirmation, or undefined. */
  nextDue(): number | undefined {
    let next: number | undefined;
    for (const h of this.#held.values()) if (next === undefined || h.due < next) next = h.due;
    return next;
  }
}
