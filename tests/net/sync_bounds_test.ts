/**
 * Sync sessions bounded by usefulness (lib/net/sync.ts) and the ranked sync queue
 * (lib/net/sync_queue.ts), driven by hand: no sockets, a map for the local ledger.
 * @module
 */
import { assert, assertEquals } from "../helpers/assert.ts";
import { toHex } from "../../lib/core/hash.ts";
import {
  SYNC_FIRST_REPLY_MS,
  SYNC_MAX_UNCONNECTED,
  SYNC_PEER_TIMEOUT_MS,
  type SyncAction,
  SyncSession,
} from "../../lib/net/sync.ts";
import { SYNC_QUEUE_MAX, SYNC_QUEUE_PER_HOST, SyncQueue } from "../../lib/net/sync_queue.ts";

const id = (n: number) => {
  const b = new Uint8Array(32);
  new DataView(b.buffer).setUint32(0, n + 1);
  return b;
};
const hex = (n: number) => toHex(id(n));
const asked = (actions: SyncAction[]) =>
  actions.flatMap((a) => a.type === "get-data" ? a.txids.map(toHex) : []);

Deno.test("SyncSession abandons a peer that serves a chain of orphans that never connects", () => {
  // The attack of issue #15: the inventory names the tip of a chain of orphans; each time a
  // parent is asked for, the peer serves one more orphan, a little before the old timeout.
  const local = new Map<string, number>();
  const t0 = 1_000_000;
  const s = new SyncSession("p", (t) => local.get(toHex(t)), t0);
  s.tick(t0);
  s.onInv(new Uint8Array(32), [{ txid: id(1000), work: 0 }], false, t0);
  let t = t0, depth = 1000;
  assertEquals(asked(s.tick(t)), [hex(depth)]);
  while (s.state === "running" && t < t0 + 150_000) {
    t += 3000;
    s.onArrived(hex(depth), t, true); // an orphan: its parent is missing
    s.wantParents([id(depth - 1)]);
    depth--;
    for (let k = 0; k < 150 && s.state === "running"; k++) s.tick(t + k * 20);
  }
  assertEquals(s.state, "abandoned");
  assertEquals(s.end, "stalled");
  assert(t - t0 <= 2 * SYNC_PEER_TIMEOUT_MS, `held for ${t - t0} ms`);
});

Deno.test("SyncSession abandons a peer whose inventory repeats what the node holds", () => {
  const local = new Map<string, number>();
  for (let i = 0; i < 100; i++) local.set(hex(i), 0);
  const t0 = 2_000_000;
  const s = new SyncSession("p", (t) => local.get(toHex(t)), t0, { localCount: () => 100 });
  s.tick(t0);
  let t = t0, cursor = new Uint8Array(32), page = 0;
  while (s.state === "running" && page < 1000) {
    // Pages of held txids, answered promptly, each a little different so they are distinct.
    const entries = Array.from({ length: 100 }, (_, i) => ({ txid: id((i + page) % 100), work: 0 }))
      .filter((e) => toHex(e.txid) !== toHex(cursor));
    s.onInv(cursor, entries, true, t += 50);
    cursor = entries[entries.length - 1].txid;
    s.tick(t);
    page++;
  }
  assertEquals(s.end, "repeating");
  assert(page < 10, `${page} pages`);
});

Deno.test("SyncSession abandons a peer that strands too many orphans", () => {
  const local = new Map<string, number>();
  const t0 = 3_000_000;
  const s = new SyncSession("p", (t) => local.get(toHex(t)), t0);
  s.tick(t0);
  const n = SYNC_MAX_UNCONNECTED + 50;
  s.onInv(
    new Uint8Array(32),
    Array.from({ length: 239 }, (_, i) => ({ txid: id(i), work: 0 })),
    true,
    t0,
  );
  let t = t0, next = 239;
  // Serve everything asked for as an orphan, inventory page by page.
  for (let round = 0; round < 100 && s.state === "running"; round++) {
    t += 10;
    for (const a of s.tick(t)) {
      if (a.type === "get-data") { for (const x of a.txids) s.onArrived(toHex(x), t, true); }
      if (a.type === "get-inv" && next < n) {
        const entries = Array.from({ length: 239 }, (_, i) => ({ txid: id(next + i), work: 0 }));
        s.onInv(a.after, entries, true, t);
        next += 239;
      }
    }
    t += 1100; // orphans are held SYNC_ORPHAN_HOLD_MS, then asked again
  }
  assertEquals(s.state, "abandoned");
  assert(s.end === "unconnected" || s.end === "stalled", `ended ${s.end}`);
});

Deno.test("SyncSession: an honest peer with a lost parent is not abandoned", () => {
  const local = new Map<string, number>();
  const t0 = 4_000_000;
  const s = new SyncSession("p", (t) => local.get(toHex(t)), t0);
  s.tick(t0);
  s.onInv(new Uint8Array(32), [0, 1, 2, 3].map((n) => ({ txid: id(n), work: 0 })), false, t0);
  assertEquals(asked(s.tick(t0)), [hex(0), hex(1), hex(2), hex(3)]);
  // 0 is lost; 1..3 arrive as orphans.
  for (const n of [1, 2, 3]) s.onArrived(hex(n), t0 + 5, true);
  assertEquals(s.unconnected, 3);
  let t = t0 + 5;
  for (; t < t0 + 3000; t += 20) {
    const a = asked(s.tick(t));
    if (a.includes(hex(0))) {
      // The parent comes; its children are adopted by the ledger.
      for (const n of [0, 1, 2, 3]) local.set(hex(n), 0);
      s.onArrived(hex(0), t + 1);
    }
    if (s.state !== "running") break;
  }
  assertEquals(s.state, "done");
  assertEquals(s.fetched, 4);
});

Deno.test("SyncSession: a silent peer is abandoned after SYNC_FIRST_REPLY_MS", () => {
  const s = new SyncSession("p", () => undefined, 0);
  s.tick(0);
  s.tick(SYNC_FIRST_REPLY_MS + 1);
  assertEquals(s.end, "silent");
});

Deno.test("SyncQueue puts useful and verified peers before a flood of strangers", () => {
  const verified = new Set(["10.0.0.2:1"]);
  const q = new SyncQueue<string>({ isVerified: (s) => verified.has(s) });
  q.recordSession("10.0.0.3:1", { stored: 20, end: "done" }, 0);
  // A flood of differing summaries from many forged hosts fills the queue first.
  for (let i = 0; i < 5000; i++) {
    q.push(`10.9.${i >> 8}.${i & 255}:1`, `10.9.${i >> 8}.${i & 255}`, "junk", 1);
  }
  assertEquals(q.size, SYNC_QUEUE_MAX);
  assert(q.push("10.0.0.2:1", "10.0.0.2", "verified", 2), "a verified peer gets in");
  assert(q.push("10.0.0.3:1", "10.0.0.3", "useful", 2), "a useful peer gets in");
  assertEquals(q.size, SYNC_QUEUE_MAX);
  assertEquals(q.pop(3)?.addr, "useful");
  assertEquals(q.pop(3)?.addr, "verified");
  assertEquals(q.pop(3)?.addr, "junk");
});

Deno.test("SyncQueue: one host holds few places; failing peers go last", () => {
  const q = new SyncQueue<number>();
  for (let p = 0; p < 100; p++) q.push(`10.0.0.9:${p}`, "10.0.0.9", p, 0);
  assertEquals(q.size, SYNC_QUEUE_PER_HOST);
  q.recordSession("10.0.0.7:1", { stored: 0, end: "stalled" }, 0);
  q.push("10.0.0.7:1", "10.0.0.7", 700, 1);
  q.push("10.0.0.8:1", "10.0.0.8", 800, 2);
  const order: number[] = [];
  for (let x = q.pop(3); x; x = q.pop(3)) order.push(x.addr);
  assertEquals(order.slice(-1), [700]);
  assertEquals(order[0], 0, "otherwise first come, first served");
});
