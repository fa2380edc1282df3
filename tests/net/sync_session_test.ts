/**
 * SyncSession, the sync state machine (lib/net/sync.ts), driven by hand: no sockets, a map
 * for the local ledger, explicit times.
 * @module
 */
import { assert, assertEquals } from "../helpers/assert.ts";
import { toHex } from "../../lib/core/hash.ts";
import {
  SYNC_FIRST_REPLY_MS,
  SYNC_FIRST_RETRY_MS,
  SYNC_ORPHAN_HOLD_MS,
  SYNC_RETRY_MS,
  type SyncAction,
  SyncSession,
} from "../../lib/net/sync.ts";

const id = (n: number) => new Uint8Array(32).fill(n);
const hex = (n: number) => toHex(id(n));

/** A session against `local` (txid hex → stored work), after one full inventory page. */
function started(local: Map<string, number>, entries: number[], work: number, t0: number) {
  const s = new SyncSession("peer", (txid) => local.get(toHex(txid)), t0);
  s.tick(t0); // asks for the first inventory page
  s.onInv(new Uint8Array(32), entries.map((n) => ({ txid: id(n), work })), false, t0);
  return s;
}

const asked = (actions: SyncAction[]) =>
  actions.flatMap((a) => a.type === "get-data" ? a.txids.map(toHex) : []);

Deno.test("SyncSession asks again at once for an adopted orphan whose confirmation was lost", () => {
  const local = new Map<string, number>();
  const t0 = 1_000_000;
  const s = started(local, [1, 2, 3], 4, t0);
  assertEquals(asked(s.tick(t0)), [hex(1), hex(2), hex(3)]);
  // 2 arrives before its parent (an orphan); 1 and 3 arrive with their confirmations.
  s.onArrived(hex(2), t0 + 5, true);
  local.set(hex(1), 4);
  s.onArrived(hex(1), t0 + 6);
  local.set(hex(3), 4);
  s.onArrived(hex(3), t0 + 7);
  // Not stored yet: held back while it waits in the orphan pool.
  assertEquals(asked(s.tick(t0 + 10)), []);
  // Its parent came, so it is stored, but its confirmation was lost: due again at once.
  local.set(hex(2), 0);
  assertEquals(asked(s.tick(t0 + 20)), [hex(2)]);
  local.set(hex(2), 4);
  s.onArrived(hex(2), t0 + 30);
  s.tick(t0 + 40);
  assertEquals(s.state, "done");
});

Deno.test("SyncSession holds back an orphan still waiting for its parent", () => {
  const local = new Map<string, number>();
  const t0 = 2_000_000;
  const s = started(local, [1, 2], 0, t0);
  assertEquals(asked(s.tick(t0)), [hex(1), hex(2)]);
  s.onArrived(hex(2), t0 + 5, true);
  local.set(hex(1), 0);
  s.onArrived(hex(1), t0 + 6);
  assertEquals(asked(s.tick(t0 + 10)), []);
  assertEquals(asked(s.tick(t0 + 5 + SYNC_ORPHAN_HOLD_MS + 1)), [hex(2)]);
});

Deno.test("SyncSession waits SYNC_FIRST_RETRY_MS before asking again until a batch was answered", () => {
  const local = new Map<string, number>();
  const t0 = 2_000_000;
  // Two batches' worth: 1..200 (SYNC_BATCH = 160 per get-data).
  const all = Array.from({ length: 200 }, (_, i) => i + 1);
  const s = started(local, all, 0, t0);
  const first = s.tick(t0).filter((a) => a.type === "get-data");
  assertEquals(first.length, 2);
  assertEquals(s.retryMs, SYNC_FIRST_RETRY_MS, "no sample yet");
  // Nothing answered: a node that is still starting its work is not asked twice at 250 ms.
  assertEquals(asked(s.tick(t0 + SYNC_RETRY_MS + 50)), []);
  assertEquals(asked(s.tick(t0 + SYNC_FIRST_RETRY_MS - 1)), []);
  // The first batch answered and stored 300 ms after it was asked for: the retry time then
  // follows the measured time (twice it), no longer the first-round second.
  const again = asked(s.tick(t0 + SYNC_FIRST_RETRY_MS + 1));
  assertEquals(again.length, 200, "both batches are due again after the first-round wait");
  const sent = t0 + SYNC_FIRST_RETRY_MS + 1;
  for (const n of all.slice(0, 160)) {
    local.set(hex(n), 0);
    s.onArrived(hex(n), sent + 300);
  }
  assertEquals(s.retryMs, 600);
  assert(SYNC_RETRY_MS < 600 && 600 < SYNC_FIRST_RETRY_MS);
});

Deno.test("SyncSession asks again for a lost first inventory page before it gives up", () => {
  // Before any batch is answered data waits SYNC_FIRST_RETRY_MS, but an inventory page is
  // re-asked after SYNC_RETRY_MS: a lost first page must not outlast SYNC_FIRST_REPLY_MS.
  const s = new SyncSession("peer", () => undefined, 0);
  assertEquals(s.tick(0).map((a) => a.type), ["get-inv"]); // lost
  assertEquals(s.tick(SYNC_RETRY_MS).map((a) => a.type), []);
  assertEquals(s.tick(SYNC_RETRY_MS + 1).map((a) => a.type), ["get-inv"]);
  assert(SYNC_RETRY_MS + 1 < SYNC_FIRST_REPLY_MS);
  assertEquals(s.state, "running");
});

Deno.test("SyncSession takes a stored transaction's work from the caller without a lookup", () => {
  const local = new Map<string, number>();
  let lookups = 0;
  const t0 = 3_000_000;
  const s = new SyncSession("peer", (txid) => {
    lookups++;
    return local.get(toHex(txid));
  }, t0);
  s.tick(t0);
  s.onInv(new Uint8Array(32), [1, 2].map((n) => ({ txid: id(n), work: 0 })), false, t0);
  assertEquals(asked(s.tick(t0)), [hex(1), hex(2)]);
  assertEquals(s.wanted, 2);
  const before = lookups;
  // Stored (the ledger said "accepted"): the session counts it without asking the ledger.
  s.onArrived(hex(1), t0 + 5, false, 0);
  assertEquals(lookups, before);
  assertEquals(s.wanted, 1);
  assertEquals(s.fetched, 1);
  // Without the hint it asks, and an item it does not hold yet stays wanted.
  s.onArrived(hex(2), t0 + 6);
  assertEquals(lookups, before + 1);
  assertEquals(s.wanted, 1);
  local.set(hex(2), 0);
  s.onArrived(hex(2), t0 + 7);
  assertEquals(s.wanted, 0);
  s.tick(t0 + 10);
  assertEquals(s.state, "done");
});

Deno.test("the inventory kind relay passes for a stored transaction is the ledger's own", async () => {
  const { ITEM_KIND_TX } = await import("../../lib/wire/mod.ts");
  const { ITEM_TX } = await import("../../lib/ledger/item_digest.ts");
  assertEquals(ITEM_KIND_TX, ITEM_TX);
});
