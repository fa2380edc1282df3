import { assertEquals } from "../helpers/assert.ts";
import { RateLimiter } from "../../lib/net/rate_limit.ts";

type Step = [source: string, now: number, allowed: boolean];

Deno.test("RateLimiter.allow() spends a burst, then refills at the rate", () => {
  const cases: {
    name: string;
    opts: ConstructorParameters<typeof RateLimiter>[0];
    steps: Step[];
  }[] = [
    {
      name: "a burst of 3, then dropped until a token has refilled (1 per 100 ms)",
      opts: { ratePerS: 10, burst: 3 },
      steps: [["a", 0, true], ["a", 0, true], ["a", 0, true], ["a", 50, false], [
        "a",
        150,
        true,
      ], ["a", 150, false]],
    },
    {
      name: "refill never exceeds the burst",
      opts: { ratePerS: 1000, burst: 2 },
      steps: [["a", 0, true], ["a", 0, true], ["a", 10_000, true], ["a", 10_000, true], [
        "a",
        10_000,
        false,
      ]],
    },
    {
      name: "sources have buckets of their own",
      opts: { ratePerS: 1, burst: 1 },
      steps: [["a", 0, true], ["a", 0, false], ["b", 0, true], ["b", 0, false], [
        "a",
        1000,
        true,
      ]],
    },
    {
      name: "a source forgotten for room gets a full burst again",
      opts: { ratePerS: 1, burst: 1, maxSources: 1 },
      steps: [["a", 0, true], ["a", 0, false], ["b", 0, true], ["a", 0, true]],
    },
  ];
  for (const { name, opts, steps } of cases) {
    const limiter = new RateLimiter(opts);
    const got = steps.map(([source, now]) => limiter.allow(source, now));
    assertEquals(got, steps.map((s) => s[2]), name);
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
