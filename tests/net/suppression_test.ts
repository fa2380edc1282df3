import { assertEquals } from "../helpers/assert.ts";
import {
  MAX_PENDING_RELAYS,
  RELAY_DELAY_MAX_MS,
  RELAY_DELAY_PER_PEER_MS,
  RELAY_K,
  RELAY_K_TX,
  relayCandidate,
  relayWindowMs,
  shouldAnnounceSummary,
  shouldRelay,
  summaryCovers,
  Suppressor,
} from "../../lib/net/suppression.ts";
import {
  COUNT_PERSIST_MS,
  DifferenceTracker,
  FALLBACK_INTERVALS,
} from "../../lib/net/difference.ts";

// A fixed sequence of "random" numbers, so delays are known.
function seq(...xs: number[]): () => number {
  let i = 0;
  return () => xs[i++ % xs.length];
}

Deno.test("shouldRelay: fewer than k copies heard means rebroadcast", () => {
  assertEquals(RELAY_K, 2);
  for (
    const [copies, k, want] of [[0, 2, true], [1, 2, true], [2, 2, false], [5, 2, false], [
      2,
      3,
      true,
    ]] as const
  ) {
    assertEquals(shouldRelay(copies, k), want, `${copies} copies, k ${k}`);
  }
  assertEquals(shouldAnnounceSummary(0), true);
  assertEquals(shouldAnnounceSummary(1), true);
  assertEquals(shouldAnnounceSummary(2), false);
});

Deno.test("Suppressor: an item heard once more during its delay is suppressed", () => {
  const s = new Suppressor<string>({ minDelayMs: 100, maxDelayMs: 200, random: seq(0.5) });
  s.offer("a", "A", 1000); // due at 1150
  s.offer("b", "B", 1000);
  assertEquals(s.nextDue(), 1150);
  s.heard("a"); // a second copy of a on the LAN
  assertEquals(s.due(1149), { send: [], suppressed: [] }, "nothing before the delay ends");
  assertEquals(s.due(1150), { send: ["B"], suppressed: ["A"] });
  assertEquals(s.size, 0);
  s.heard("a"); // late copies of decided items change nothing
  assertEquals(s.due(5000), { send: [], suppressed: [] });
});

Deno.test("Suppressor: delays are drawn between the bounds", () => {
  const s = new Suppressor<number>({ minDelayMs: 30, maxDelayMs: 400, random: seq(0, 0.999) });
  s.offer("x", 1, 0);
  s.offer("y", 2, 0);
  assertEquals(s.due(29).send, []);
  assertEquals(s.due(30).send, [1]);
  assertEquals(s.due(399).send, []);
  assertEquals(s.due(400).send, [2]);
});

Deno.test("relayWindowMs grows with the LAN past 20 peers; a function window is read per offer", () => {
  assertEquals(relayWindowMs(0), RELAY_DELAY_MAX_MS);
  assertEquals(relayWindowMs(10), RELAY_DELAY_MAX_MS);
  assertEquals(relayWindowMs(40), 40 * RELAY_DELAY_PER_PEER_MS);
  let window = 100;
  const s = new Suppressor<number>({ minDelayMs: 0, maxDelayMs: () => window, random: seq(1) });
  s.offer("a", 1, 0);
  window = 1000;
  s.offer("b", 2, 0);
  assertEquals(s.due(100).send, [1]);
  assertEquals(s.due(999).send, []);
  assertEquals(s.due(1000).send, [2]);
});

Deno.test("relayCandidate: everyone on a small LAN, about `expected` candidates on a large one", () => {
  assertEquals(relayCandidate(3, 6, 0.999), true);
  assertEquals(relayCandidate(6, 6, 0.999), true);
  assertEquals(relayCandidate(60, 6, 0.099), true);
  assertEquals(relayCandidate(60, 6, 0.1), false);
  // Over many draws the number of candidates per item is about `expected`, whatever N.
  for (const n of [10, 40, 200]) {
    let candidates = 0;
    for (let i = 0; i < n * 1000; i++) if (relayCandidate(n, 3, (i % n + 0.5) / n)) candidates++;
    assertEquals(candidates / 1000, 3, `N ${n}`);
  }
});

Deno.test("Suppressor: k may depend on the item (transactions 3, confirmations 2)", () => {
  assertEquals([RELAY_K, RELAY_K_TX], [2, 3]);
  const s = new Suppressor<string>({
    minDelayMs: 10,
    maxDelayMs: 10,
    kFor: (item) => item.startsWith("tx") ? RELAY_K_TX : RELAY_K,
  });
  s.offer("t", "tx", 0);
  s.offer("c", "conf", 0);
  s.heard("t");
  s.heard("c");
  assertEquals(s.due(10), { send: ["tx"], suppressed: ["conf"] }, "two copies: only the tx goes");
});

Deno.test("Suppressor: leveled items count only copies at least as good", () => {
  const s = new Suppressor<string>({ minDelayMs: 10, maxDelayMs: 10 });
  s.offer("c", "work 12", 0, 12);
  s.heard("c", 11); // a worse confirmation of the same tx is no copy of ours
  assertEquals(s.due(10), { send: ["work 12"], suppressed: [] });
  s.offer("c", "work 14", 20, 14);
  s.heard("c", 15); // a better one is
  assertEquals(s.due(30), { send: [], suppressed: ["work 14"] });
  // A better item replaces a pending worse one, and its copy count starts again.
  s.offer("d", "d10", 40, 10);
  s.heard("d", 10);
  s.offer("d", "d13", 41, 13);
  assertEquals(s.due(100), { send: ["d13"], suppressed: [] });
  // The same or worse offered again counts as a copy.
  s.offer("e", "e9", 100, 9);
  s.offer("e", "e9 again", 101, 9);
  assertEquals(s.due(200), { send: [], suppressed: ["e9"] });
});

Deno.test("Suppressor: the pending set is bounded; the oldest is decided early", () => {
  const s = new Suppressor<number>({ minDelayMs: 1000, maxDelayMs: 1000 });
  for (let i = 0; i < MAX_PENDING_RELAYS; i++) assertEquals(s.offer(`k${i}`, i, 0), undefined);
  s.heard("k1");
  assertEquals(s.offer("new", -1, 0), 0, "the oldest goes out at once");
  assertEquals(s.offer("new2", -2, 0), undefined, "k1 was heard twice: dropped, not sent");
  assertEquals(s.size, MAX_PENDING_RELAYS);
});

const view = (count: number, d: number) => ({ count, digest: new Uint8Array(32).fill(d) });

Deno.test("DifferenceTracker: a moving difference starts no sync; the same content an interval later does", () => {
  const t = new DifferenceTracker<string>(3000);
  const mine = view(10, 1);
  // While confirmations fly, every summary differs, and differently each time.
  for (let i = 0; i < 5; i++) {
    assertEquals(t.onDiffering(`p${i}`, `a${i}`, view(10, 10 + i), mine, 1000 * i), false);
  }
  assertEquals(t.tick(mine, 5000), [], "same count: no rule applies yet");
  // The LAN settles: two peers send the same summary one interval apart.
  assertEquals(t.onDiffering("p1", "a1", view(10, 99), mine, 6000), false);
  assertEquals(t.onDiffering("p2", "a2", view(10, 99), mine, 8999), false);
  assertEquals(t.onDiffering("p3", "a3", view(10, 99), mine, 9000), true, "rule 1");
});

Deno.test("DifferenceTracker: a peer with more transactions for an interval queues a sync at our tick", () => {
  const t = new DifferenceTracker<string>(3000);
  assertEquals(t.onDiffering("p", "addr", view(12, 5), view(10, 1), 0), false);
  assertEquals(t.tick(view(10, 2), COUNT_PERSIST_MS - 1), []);
  assertEquals(t.countCheck(view(10, 2), COUNT_PERSIST_MS - 1), []);
  assertEquals(t.countCheck(view(11, 3), COUNT_PERSIST_MS), ["addr"], "rule 2: still fewer");
  t.onDiffering("p", "addr", view(12, 5), view(10, 1), 2000);
  assertEquals(t.tick(view(11, 3), 2000 + COUNT_PERSIST_MS), ["addr"], "also at our tick");
  // Caught up meanwhile: nothing.
  t.onDiffering("q", "qa", view(12, 6), view(10, 1), 10_000);
  assertEquals(t.tick(view(12, 7), 20_000).includes("qa"), false);
  // A summary equal to ours forgets the peer.
  t.onDiffering("r", "ra", view(20, 6), view(10, 1), 30_000);
  t.onEqual("r");
  // Only q's old difference is left, for the fallback (rule 3).
  assertEquals(t.tick(view(10, 1), 40_000), ["qa"]);
});

Deno.test("DifferenceTracker: the fallback syncs once per FALLBACK_INTERVALS with the oldest difference", () => {
  const t = new DifferenceTracker<string>(1000);
  const mine = view(10, 1);
  t.onDiffering("a", "A", view(10, 2), mine, 0);
  t.onDiffering("b", "B", view(10, 3), mine, 100);
  const age = FALLBACK_INTERVALS * 1000;
  assertEquals(t.tick(mine, age - 1), []);
  assertEquals(t.tick(mine, age + 100), ["A"], "rule 3: the oldest");
  assertEquals(t.tick(mine, age + 200), [], "at most once per fallback period");
  assertEquals(t.tick(mine, 2 * age + 100), ["B"]);
  assertEquals(t.size, 0);
});

Deno.test("Suppressor: items offered with one due time go out together, in order", () => {
  const s = new Suppressor<string>({ minDelayMs: 10, maxDelayMs: 500, random: seq(0.9, 0.1) });
  const due = s.drawDue(0); // 0.9 of the window
  s.offer("child-first-key", "parent", 0, 0, due);
  s.offer("other", "unrelated", 0); // 0.1 of the window: earlier
  s.offer("a-key", "child", 0, 0, due);
  assertEquals(s.due(due - 1).send, ["unrelated"]);
  assertEquals(s.due(due).send, ["parent", "child"]);
});

Deno.test("summaryCovers: equal, or more items, covers ours; fewer or an equal count with another digest does not", () => {
  const d = (b: number) => new Uint8Array(32).fill(b);
  const mine = { count: 10, digest: d(1) };
  const table: [string, { count: number; digest: Uint8Array }, boolean][] = [
    ["equal", { count: 10, digest: d(1) }, true],
    ["one item more", { count: 11, digest: d(2) }, true],
    ["many more", { count: 500, digest: d(3) }, true],
    ["same count, another set", { count: 10, digest: d(4) }, false],
    ["one item fewer", { count: 9, digest: d(5) }, false],
    ["empty", { count: 0, digest: d(0) }, false],
  ];
  for (const [name, theirs, want] of table) {
    assertEquals(summaryCovers(theirs, mine), want, name);
  }
  // Two covering summaries suppress ours (k = RELAY_K = 2), one does not.
  assertEquals(shouldAnnounceSummary(1), true);
  assertEquals(shouldAnnounceSummary(2), false);
});

Deno.test("DifferenceTracker: counts that keep growing on every node start no sync (rule 2 compares with the first count ahead)", () => {
  const t = new DifferenceTracker<string>(3000);
  // Miners add about 20 items a second everywhere; the peer's summary is often one ahead of
  // ours for a moment, but we always reach what it counted 1.5 s before.
  let synced: string[] = []; // (rule 3, the fallback, is not asked here: no tick)
  for (let ms = 0; ms <= 20_000; ms += 500) {
    const mine = view(100 + ms / 50, ms);
    if (t.onDiffering("p", "addr", view(101 + ms / 50, ms + 1), mine, ms)) synced.push("addr");
    synced = synced.concat(t.countCheck(mine, ms));
  }
  assertEquals(synced, [], "rule 2 never fires while we keep up");
  // The same peer, but we stop receiving: 1.5 s later we still count fewer than it did.
  assertEquals(t.onDiffering("p", "addr", view(600, 1), view(590, 2), 21_000), false);
  assertEquals(t.countCheck(view(595, 3), 21_000 + COUNT_PERSIST_MS), ["addr"]);
});
