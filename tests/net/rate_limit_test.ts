import { assertEquals } from "../helpers/assert.ts";
import { RateLimiter } from "../../lib/net/rate_limit.ts";

type Step = [source: string, now: number, allowed: boolean];

/**
 * Steps as "source@ms+" (allowed) or "source@ms-" (dropped), so one case reads as one line.
 */
function steps(text: string): Step[] {
  return text.split(" ").map((t) => {
    const m = /^([a-z]+)@(\d+)([+-])$/.exec(t);
    if (!m) throw new Error(`bad step ${t}`);
    return [m[1], Number(m[2]), m[3] === "+"];
  });
}

Deno.test("RateLimiter.allow() spends a burst, then refills at the rate", () => {
  const cases: [string, ConstructorParameters<typeof RateLimiter>[0], string][] = [
    [
      "a burst of 3, then dropped until a token has refilled (1 per 100 ms)",
      { ratePerS: 10, burst: 3 },
      "a@0+ a@0+ a@0+ a@50- a@150+ a@150-",
    ],
    [
      "refill never exceeds the burst",
      { ratePerS: 1000, burst: 2 },
      "a@0+ a@0+ a@10000+ a@10000+ a@10000-",
    ],
    ["sources have buckets of their own", { ratePerS: 1, burst: 1 }, "a@0+ a@0- b@0+ b@0- a@1000+"],
    [
      "a source forgotten for room gets a full burst again",
      { ratePerS: 1, burst: 1, maxSources: 1 },
      "a@0+ a@0- b@0+ a@0+",
    ],
  ];
  for (const [name, opts, text] of cases) {
    const limiter = new RateLimiter(opts);
    const s = steps(text);
    assertEquals(s.map(([source, now]) => limiter.allow(source, now)), s.map((x) => x[2]), name);
  }
});

Deno.test("RateLimiter keeps at most maxSources, forgetting the least recently seen", () => {
  const limiter = new RateLimiter({ ratePerS: 1, burst: 1, maxSources: 2 });
  limiter.allow("a", 0);
  limiter.allow("b", 0);
  limiter.allow("a", 0); // a is now the most recent: b goes first
  limiter.allow("c", 0);
  assertEquals(limiter.size, 2);
  assertEquals(limiter.allow("a", 0), false, "a was kept, with its empty bucket");
  assertEquals(limiter.allow("b", 0), true, "b was forgotten, so it starts full");
});
