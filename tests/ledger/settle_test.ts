/**
 * A confirmation that lifts many pending transactions over the threshold at once (the end of
 * every start-up sync) settles them in grouped statements (`Ledger` `#offerConf`): every one
 * ends confirmed with its exact weight, in memory, in the events and in the file.
 */
import { assert, assertEquals } from "../helpers/assert.ts";
import { confirmationWeight } from "../../lib/core/confirmation.ts";
import { type Ledger, openLedger } from "../../lib/ledger/ledger.ts";
import type { LedgerEvent } from "../../lib/ledger/events.ts";
import { T0, testKeys } from "../helpers/fixtures.ts";
import {
  checkAcrossReopen,
  TEST_CONFIRM_WORK,
  testGenesis,
  unsignedChain,
} from "../helpers/ledger_fixtures.ts";
import { mineConf } from "../helpers/dag.ts";

Deno.test("Ledger: one confirmation settles 300 chained transactions, each with its weight", async () => {
  const alice = testKeys(0);
  const bob = testKeys(1);
  const genesis = testGenesis(alice, 1_000_000n);
  const dir = await Deno.makeTempDir({ prefix: "crackcoin-settle-" });
  const path = `${dir}/ledger.db`;
  const opts = {
    genesis,
    verify: () => true,
    clock: () => T0 + 1e9,
    confirmWork: TEST_CONFIRM_WORK,
    minConfBits: 1,
  };
  try {
    // 300: two full groups of the grouped statement (128) and a remainder written one by one.
    const N = 300;
    const { raws, ids } = unsignedChain(genesis, alice, bob, N);
    const ledger = await openLedger(path, opts);
    assert(ledger.addTxs(raws).every((r) => r.kind === "accepted"));
    // A weak confirmation of the middle one first: its ancestors get weight 2^4, still pending.
    ledger.addConfirmation(mineConf(ids[149], 4));
    assertEquals(ledger.getTx(ids[0])?.status, "pending");
    const events: LedgerEvent[] = [];
    ledger.subscribe((e) => events.push(...e));
    const strong = TEST_CONFIRM_WORK + 1;
    assertEquals(ledger.addConfirmation(mineConf(ids[N - 1], strong)).kind, "stored");
    const settled = events.filter((e) => e.kind === "status" && e.to === "confirmed");
    assertEquals(settled.length, N);
    const check = (ledger: Ledger) => {
      for (let i = 0; i < N; i++) {
        const r = ledger.getTx(ids[i])!;
        assertEquals(r.status, "confirmed");
        // The first 150 carry both confirmations, the rest only the strong one.
        const want = confirmationWeight(strong) + (i < 150 ? confirmationWeight(4) : 0n);
        assertEquals(r.weight, want, `weight of ${i}`);
      }
    };
    await checkAcrossReopen(ledger, path, opts, check);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
