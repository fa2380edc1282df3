/** The recent-rejects filter (lib/net/recent_rejects.ts). */
import { assert, assertEquals } from "../helpers/assert.ts";
import { rawRejectKey, RecentRejects } from "../../lib/net/recent_rejects.ts";

Deno.test("RecentRejects remembers refused keys, forgets the oldest past capacity", () => {
  const r = new RecentRejects({ capacity: 3 });
  for (const k of ["a", "b", "c", "d"]) assert(r.add(k, "bad-signature"));
  assert(!r.has("a"), "the oldest was forgotten");
  assert(r.has("b") && r.has("d"));
  assertEquals(r.size, 3);
  assertEquals(r.hits, 2);
  assertEquals(r.codeOf("b"), "bad-signature");
});

Deno.test("RecentRejects never records future-timestamp, so such a tx is offered again later", () => {
  const r = new RecentRejects();
  assert(!r.add("t", "future-timestamp"));
  assert(!r.has("t"));
  assert(!r.add("", "malformed"), "an empty key (no txid) is not recorded");
});

Deno.test("rawRejectKey() differs for different bytes and is stable for equal ones", () => {
  const a = rawRejectKey(new Uint8Array([1, 2, 3]));
  assertEquals(a, rawRejectKey(new Uint8Array([1, 2, 3])));
  assert(a !== rawRejectKey(new Uint8Array([1, 2, 4])));
  assert(a.startsWith("raw:") && a.length === 4 + 64);
});
