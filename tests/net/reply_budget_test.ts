/** Reply budgets and cookies (lib/net/reply_budget.ts). */
import { assert, assertEquals, assertThrows } from "../helpers/assert.ts";
import {
  COOKIE_EPOCH_MS,
  MAX_CREDIT_BYTES,
  REPLY_FACTOR,
  ReplyBudget,
  VERIFIED_TTL_MS,
} from "../../lib/net/reply_budget.ts";
import { prng } from "../helpers/fixtures.ts";

const secret = () => crypto.getRandomValues(new Uint8Array(32));

Deno.test("ReplyBudget keeps bytes and datagrams out within 3× of those in, whatever is asked", () => {
  const b = new ReplyBudget({ secret: secret() });
  const rnd = prng(7);
  let bytesIn = 0, dgIn = 0, bytesOut = 0, dgOut = 0;
  for (let i = 0; i < 20_000; i++) {
    const t = i;
    if (rnd() < 0.3) {
      const n = 22 + Math.floor(rnd() * 100);
      b.credit("v:1", n, t);
      bytesIn += n;
      dgIn++;
    } else {
      const n = 22 + Math.floor(rnd() * 8170);
      if (b.trySpend("v:1", n, t)) {
        bytesOut += n;
        dgOut++;
      }
    }
    assert(bytesOut <= REPLY_FACTOR * bytesIn, `bytes ${bytesOut} > 3 × ${bytesIn}`);
    assert(dgOut <= REPLY_FACTOR * dgIn, `datagrams ${dgOut} > 3 × ${dgIn}`);
  }
  assert(dgOut > 0, "something was sent");
  const [s] = b.sources(20_000);
  assertEquals({ in: s.bytesIn, out: s.bytesOut, verified: s.verified }, {
    in: bytesIn,
    out: bytesOut,
    verified: false,
  });
  assert(s.refused > 0 && b.refusedTotal === s.refused);
});

Deno.test("ReplyBudget credit saved up is capped", () => {
  const b = new ReplyBudget({ secret: secret() });
  for (let i = 0; i < 1000; i++) b.credit("v:1", 8192, 0);
  assertEquals(b.allowance("v:1", 0), MAX_CREDIT_BYTES);
});

Deno.test("ReplyBudget.checkCookie() verifies the echo of this source's cookie only", () => {
  const b = new ReplyBudget({ secret: secret() });
  const c = b.cookie("10.0.0.1:5000", 1000);
  assertEquals(c.length, 32);
  assert(!b.checkCookie("10.0.0.2:5000", c, 1000), "another address's echo does not verify");
  assert(!b.checkCookie("10.0.0.1:5001", c, 1000), "another port's echo does not verify");
  assert(!b.isVerified("10.0.0.1:5000", 1000));
  const other = new ReplyBudget({ secret: secret() });
  assert(!other.checkCookie("10.0.0.1:5000", c, 1000), "another secret does not verify");
  // Accepted in its epoch and the next, not later.
  assert(b.checkCookie("10.0.0.1:5000", c, 1000 + COOKIE_EPOCH_MS));
  assert(b.isVerified("10.0.0.1:5000", 1000 + COOKIE_EPOCH_MS));
  assert(b.trySpend("10.0.0.1:5000", 8192, 1000 + COOKIE_EPOCH_MS), "verified: unbounded");
  assertEquals(b.verifiedTotal, 1);
  const late = new ReplyBudget({ secret: secret() });
  const c2 = late.cookie("h:1", 0);
  assert(!late.checkCookie("h:1", c2, 2 * COOKIE_EPOCH_MS), "two epochs later it is stale");
});

Deno.test("ReplyBudget verification expires; challenges are paced per source", () => {
  const b = new ReplyBudget({ secret: secret() });
  b.markVerified("p:1", 0);
  assert(b.isVerified("p:1", VERIFIED_TTL_MS));
  assert(!b.isVerified("p:1", VERIFIED_TTL_MS + 1));
  assert(b.shouldChallenge("u:1", 0));
  assert(!b.shouldChallenge("u:1", 500), "at most one challenge a second");
  assert(b.shouldChallenge("u:1", 1000));
  assertEquals(b.challenges, 2);
  assertThrows(() => new ReplyBudget({ secret: new Uint8Array(4) }), RangeError);
});

Deno.test("ReplyBudget: a flood of forged sources does not unverify a verified peer", () => {
  const b = new ReplyBudget({ secret: secret() });
  b.markVerified("peer:1", 0);
  for (let i = 0; i < 20_000; i++) b.credit(`forged${i}:1`, 22, 1);
  assert(b.isVerified("peer:1", 2));
  assert(b.size <= 4096 + 1024);
});
