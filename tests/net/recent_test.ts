/**
 * Recent inventory (lib/net/recent.ts): the anchor, and a sync session that walks a real
 * ledger's inventory from it and wants only what was stored after it.
 * @module
 */
import { assert, assertEquals } from "../helpers/assert.ts";
import { toHex } from "../../lib/core/hash.ts";
import { txid } from "../../lib/core/tx.ts";
import { openLedger } from "../../lib/ledger/ledger.ts";
import { RECENT_ANCHOR_MS, RecentLog } from "../../lib/net/recent.ts";
import { SyncSession } from "../../lib/net/sync.ts";
import { MAX_INV_ENTRIES } from "../../lib/wire/mod.ts";
import { T0, testKeys } from "../helpers/fixtures.ts";
import { testGenesis } from "../helpers/ledger_fixtures.ts";
import { paymentChain } from "../helpers/net_fixtures.ts";

const id = (n: number) => new Uint8Array(32).fill(n);

Deno.test("RecentLog.anchor is the latest txid stored at least RECENT_ANCHOR_MS ago", () => {
  const r = new RecentLog();
  assertEquals(r.anchor(1_000_000), undefined, "nothing stored: walk from the start");
  for (let i = 1; i <= 10; i++) r.add(id(i), i * 1000);
  assertEquals(r.anchor(10_000, 5000), id(5));
  assertEquals(r.anchor(10_500, 5000), id(5));
  assertEquals(r.anchor(11_000, 5000), id(6));
  assertEquals(r.anchor(5000, 5000), undefined, "everything is recent");
  assertEquals(r.anchor(10_000 + RECENT_ANCHOR_MS), id(10));
  assertEquals(r.size, 10);
});

Deno.test("a session from a recent anchor pages only the peer's inventory after it", async () => {
  const alice = testKeys(0);
  const genesis = testGenesis(alice);
  const peer = await openLedger(":memory:", { genesis, clock: () => T0 + 3_600_000 });
  try {
    const chain = paymentChain(genesis, alice, 3 * MAX_INV_ENTRIES);
    assert(peer.addTxs(chain).every((r) => r.kind === "accepted"));
    // We hold everything up to the anchor and lack the last 20.
    const held = new Set(chain.slice(0, chain.length - 20).map((t) => toHex(txid(t))));
    held.add(toHex(txid(genesis.tx)));
    const anchor = txid(chain[chain.length - 30]);
    const local = (t: Uint8Array) => held.has(toHex(t)) ? 255 : undefined; // all the work
    const run = (from?: Uint8Array) => {
      const s = new SyncSession("peer", local, 0, { from });
      let pages = 0;
      let actions = s.tick(0);
      for (let i = 0; i < 20; i++) {
        const inv = actions.find((a) => a.type === "get-inv");
        if (!inv || inv.type !== "get-inv") break;
        pages++;
        const entries = peer.inventory(inv.after, MAX_INV_ENTRIES);
        actions = s.onInv(inv.after, entries, entries.length === MAX_INV_ENTRIES, 0);
      }
      return { pages, wanted: s.wanted };
    };
    const recent = run(anchor);
    assertEquals(recent, { pages: 1, wanted: 20 }, "one page, exactly the difference");
    const full = run();
    assertEquals(full.wanted, 20);
    assert(full.pages >= 4, `the walk from the zero txid takes every page (${full.pages})`);
    // An anchor the peer does not hold: the peer answers from its start, nothing is hidden.
    assertEquals(run(id(7)).wanted, 20);
  } finally {
    peer.close();
  }
});
