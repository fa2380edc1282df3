/**
 * The node's defences against hostile peers, in one place for the parts of lib/net to share
 * (docs/PROTOCOL.md §10.8, §10.9): misbehaviour scores and bans (misbehaviour.ts), reply
 * budgets and cookies (reply_budget.ts), the recent-rejects filter (recent_rejects.ts), and
 * the counters they add to `p`.
 * @module
 */
import { MAX_INV_ENTRIES } from "../wire/mod.ts";
import { GET_INV_BYTES, HEADER_BYTES, INV_ENTRY_BYTES, INV_FIXED_BYTES } from "../wire/mod.ts";
import { datagramOf, type NetContext } from "./context.ts";
import { Misbehaviour, type Offence, type SourceScore } from "./misbehaviour.ts";
import { RecentRejects } from "./recent_rejects.ts";
import { ReplyBudget, type SourceBudget } from "./reply_budget.ts";
import { type Addr, addrKey } from "./transport.ts";

/** Bytes of a cookie challenge: a `get-inv` datagram. */
export const CHALLENGE_BYTES = HEADER_BYTES + GET_INV_BYTES;

/** What `p` shows about hostile traffic. */
export interface GuardStatus {
  /** Sources being ignored or scored, worst first. */
  readonly misbehaving: readonly SourceScore[];
  /** Reply budgets of the sources most recently heard from. */
  readonly budgets: readonly SourceBudget[];
  /** Keys in the recent-rejects filter, and lookups that found one. */
  readonly recentRejects: { readonly size: number; readonly hits: number };
}

/** Scores, budgets and the rejects filter of one node. */
export class NetGuard {
  readonly misbehaviour = new Misbehaviour();
  readonly budget: ReplyBudget;
  readonly rejects = new RecentRejects();
  readonly #ctx: NetContext;
  readonly #isStatic: (addr: Addr) => boolean;
  readonly #bans: boolean;

  /** `opts.bans` false: offences are scored and shown, but nobody is ignored. */
  constructor(
    ctx: NetContext,
    isStatic: (addr: Addr) => boolean,
    opts: { secret?: Uint8Array; bans?: boolean } = {},
  ) {
    this.#ctx = ctx;
    this.#isStatic = isStatic;
    this.#bans = opts.bans ?? true;
    this.budget = new ReplyBudget({
      secret: opts.secret ?? crypto.getRandomValues(new Uint8Array(32)),
    });
  }

  /**
   * First look at a datagram, before decoding: false when its source is banned (dropped and
   * counted). Otherwise the source's reply credit grows by what it sent.
   */
  admit(addr: Addr, bytes: number): boolean {
    const k = addrKey(addr);
    const now = this.#ctx.clock();
    if (this.#bans && this.misbehaviour.isBanned(k, now)) {
      this.#ctx.counters.banned++;
      return false;
    }
    if (this.#isStatic(addr)) this.budget.markVerified(k, now);
    this.budget.credit(k, bytes, now);
    return true;
  }

  /** Scores an offence of the source at `addr`. */
  report(addr: Addr | string, offence: Offence, times = 1): void {
    const k = typeof addr === "string" ? addr : addrKey(addr);
    if (k === "") return;
    const bans = this.misbehaviour.bansTotal;
    this.misbehaviour.report(k, offence, this.#ctx.clock(), times);
    if (this.misbehaviour.bansTotal > bans) {
      this.#ctx.log("info", "ignoring a misbehaving source", { source: k, offence });
    }
  }

  /**
   * Sends `datagram` to `addr` within the reply budget: always to a verified source, and to an
   * unverified one only while what was sent to it stays within 3× what it sent. A datagram
   * over budget is not sent, and counted (`replyRefused`). Returns whether it was sent.
   */
  async send(datagram: Uint8Array, addr: Addr): Promise<boolean> {
    if (!this.budget.trySpend(addrKey(addr), datagram.length, this.#ctx.clock())) {
      this.#ctx.counters.replyRefused++;
      return false;
    }
    await this.#ctx.transport.send(datagram, addr);
    return true;
  }

  /** True when `addr` answered a cookie (or is a static peer). */
  isVerified(addr: Addr | string): boolean {
    const k = typeof addr === "string" ? addr : addrKey(addr);
    return this.budget.isVerified(k, this.#ctx.clock());
  }

  /**
   * Sends `addr` a cookie challenge (a `get-inv` whose `after` is its cookie) when it is not
   * verified, was not challenged in the last second, and the budget allows. Whatever answers
   * with an `inv` echoing the cookie receives at that address.
   */
  async challenge(addr: Addr): Promise<void> {
    const k = addrKey(addr);
    const now = this.#ctx.clock();
    if (this.budget.allowance(k, now) < CHALLENGE_BYTES) return;
    if (!this.budget.shouldChallenge(k, now)) return;
    const after = this.budget.cookie(k, now);
    await this.send(datagramOf(this.#ctx, { type: "get-inv", after, limit: 1 }), addr);
  }

  /** True when an `inv` from `addr` echoes its cookie: it is then verified (and consumed). */
  isCookieEcho(after: Uint8Array, addr: Addr): boolean {
    return this.budget.checkCookie(addrKey(addr), after, this.#ctx.clock());
  }

  /** Most inventory entries a reply to `addr` may carry now (0: none fits). */
  invEntriesAllowed(addr: Addr): number {
    const allowance = this.budget.allowance(addrKey(addr), this.#ctx.clock());
    if (allowance === Infinity) return MAX_INV_ENTRIES;
    const room = allowance - HEADER_BYTES - INV_FIXED_BYTES;
    return room < 0 ? -1 : Math.min(MAX_INV_ENTRIES, Math.floor(room / INV_ENTRY_BYTES));
  }

  /** What `p` shows. */
  status(limit = 8): GuardStatus {
    const now = this.#ctx.clock();
    return {
      misbehaving: this.misbehaviour.sources(now, limit),
      budgets: this.budget.sources(now, limit),
      recentRejects: { size: this.rejects.size, hits: this.rejects.hits },
    };
  }
}
