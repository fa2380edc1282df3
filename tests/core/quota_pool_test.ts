/**
 * QuotaPool: per-source quotas, value-aware eviction, byte bounds, expiry (lib/core/quota_pool.ts).
 */
import { assert, assertEquals, assertThrows } from "../helpers/assert.ts";
import { type PoolEntry, QuotaPool } from "../../lib/core/quota_pool.ts";

Deno.test("QuotaPool.add() keeps a high-score entry through a flood of low-score ones", () => {
  const evicted: string[] = [];
  const p = new QuotaPool<number>({
    maxCount: 100,
    perSource: 100,
    onEvict: (e) => evicted.push(e.key),
  });
  assertEquals(p.add("real", 1, { source: "honest", score: 18, now: 0 }), "added");
  for (let i = 0; i < 10_000; i++) p.add(`junk${i}`, i, { source: `s${i % 50}`, score: 0, now: i });
  assert(p.has("real"), "the real entry survives");
  assertEquals(p.size, 100);
  assert(!evicted.includes("real"));
  assertEquals(p.evicted, 10_000 - 99);
});

Deno.test("QuotaPool.add() caps one source at its quota and displaces only its own entries", () => {
  const p = new QuotaPool<number>({ maxCount: 64, perSource: 8 });
  for (let i = 0; i < 8; i++) p.add(`h${i}`, i, { source: "honest", score: 0, now: i });
  for (let i = 0; i < 5_000; i++) p.add(`a${i}`, i, { source: "attacker", score: 0, now: 10 + i });
  assertEquals(p.countOf("attacker"), 8);
  for (let i = 0; i < 8; i++) assert(p.has(`h${i}`), `honest entry ${i} kept`);
  // The attacker's newest entries are the ones held (its own oldest go first).
  assert(p.has("a4999") && !p.has("a0"));
});

Deno.test("QuotaPool.add() refuses a newcomer that scores below everything held", () => {
  const p = new QuotaPool<number>({ maxCount: 3, perSource: 3 });
  for (let i = 0; i < 3; i++) p.add(`k${i}`, i, { source: `s${i}`, score: 5, now: i });
  assertEquals(p.add("cheap", 0, { source: "x", score: 4, now: 9 }), "refused");
  assertEquals(p.refused, 1);
  assertEquals(p.add("better", 0, { source: "x", score: 6, now: 9 }), "added");
  assert(!p.has("k0") && p.has("k1"), "the oldest of the lowest score went");
});

Deno.test("QuotaPool.add() replaces a held key only with a higher score", () => {
  const p = new QuotaPool<string>({ maxCount: 4 });
  p.add("t", "n1", { source: "a", score: 7, now: 0 });
  assertEquals(p.add("t", "n2", { source: "b", score: 7, now: 1 }), "kept");
  assertEquals(p.get("t")?.value, "n1");
  assertEquals(p.add("t", "n3", { source: "b", score: 9, now: 2 }), "replaced");
  assertEquals(p.get("t")?.value, "n3");
  assertEquals(p.size, 1);
  assertEquals(p.countOf("a"), 0);
});

Deno.test("QuotaPool bounds bytes, expires by age and take() does not report eviction", () => {
  const out: PoolEntry<number>[] = [];
  const p = new QuotaPool<number>({
    maxCount: 100,
    maxBytes: 1000,
    perSource: 100,
    ttlMs: 50,
    onEvict: (e) => out.push(e),
  });
  for (let i = 0; i < 5; i++) p.add(`k${i}`, i, { source: "a", score: 0, bytes: 300, now: i });
  assert(p.bytes <= 1000, `bytes ${p.bytes}`);
  assertEquals(p.size, 3);
  assertEquals(p.add("huge", 0, { source: "a", score: 9, bytes: 1001, now: 5 }), "refused");
  assertEquals(p.take("k4")?.value, 4);
  const before = out.length;
  p.expire(100);
  assertEquals(p.size, 0);
  assertEquals(out.length, before + 2);
  assertThrows(() => new QuotaPool({ maxCount: 0 }), RangeError);
});

Deno.test("QuotaPool.setScore() lifts an entry above cheap ones", () => {
  const p = new QuotaPool<number>({ maxCount: 2, perSource: 2 });
  p.add("orphan", 0, { source: "a", score: 0, now: 0 });
  p.add("other", 0, { source: "b", score: 0, now: 1 });
  p.setScore("orphan", 1, 2);
  p.add("new", 0, { source: "c", score: 0, now: 3 });
  assert(p.has("orphan") && !p.has("other") && p.has("new"));
});
