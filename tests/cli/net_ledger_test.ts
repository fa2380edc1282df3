import { mineConf } from "../helpers/dag.ts";
import { assert, assertEquals } from "../helpers/assert.ts";
import { encodedTxFromTx, txid } from "../../lib/core/tx.ts";
import { isConfEvent, isTxEvent } from "../../lib/ledger/events.ts";
import { openLedger } from "../../lib/ledger/ledger.ts";
import { type BatchHint, openVerifier } from "../../lib/ledger/verifier.ts";
import type { TxToCheck } from "../../lib/ledger/verifier.ts";
import { netLedgerOf } from "../../lib/cli/net_ledger.ts";
import { T0, testKeys } from "../helpers/fixtures.ts";
import { TEST_CONFIRM_WORK, testGenesis } from "../helpers/ledger_fixtures.ts";
import { paymentChain } from "../helpers/net_fixtures.ts";

const alice = testKeys(0);
const genesis = testGenesis(alice);
const open = () =>
  openLedger(":memory:", {
    genesis,
    confirmWork: TEST_CONFIRM_WORK,
    minConfBits: 1,
    clock: () => T0 + 3_600_000,
  });

Deno.test("NetLedger.storeTxs() commits after `after` and returns that commit's events only", async () => {
  const ledger = await open();
  const net = netLedgerOf(ledger);
  try {
    const [t1, t2, t3] = paymentChain(genesis, alice, 3);
    let release!: () => void;
    const after = new Promise<void>((r) => release = r);
    const stored = net.storeTxs([encodedTxFromTx(t3), encodedTxFromTx(t2)], {
      after,
      solicited: false,
    });
    await new Promise((r) => setTimeout(r, 20));
    assertEquals(ledger.count, 1, "nothing is stored before `after` settles");
    ledger.addTx(t1); // a commit of someone else's meanwhile
    release();
    const events = (await stored).filter(isTxEvent);
    // t3 waits for t2 (orphan), t2 is accepted and lets t3 in: t1's events are not included.
    assertEquals(
      events.map((e) => [e.kind, e.txid, e.adopted]),
      [
        ["orphan", encodedTxFromTx(t3).id, false],
        ["accepted", encodedTxFromTx(t2).id, false],
        ["accepted", encodedTxFromTx(t3).id, true],
      ],
    );
    const id = txid(t1);
    const confs = net.storeConfirmations([mineConf(id, 9)]);
    assertEquals(confs.filter(isConfEvent).map((e) => e.kind), ["stored"]);
  } finally {
    ledger.close();
  }
});

Deno.test("NetLedger.storeTxs() hands every batch to the verifier, saying which were asked for", async () => {
  const ledger = await open();
  const real = await openVerifier({ workers: 1 });
  const hints: (BatchHint | undefined)[] = [];
  const verifier = {
    verifyTxs: (txs: readonly TxToCheck[], hint?: BatchHint) => {
      hints.push(hint);
      return real.verifyTxs(txs, hint);
    },
  };
  const net = netLedgerOf(ledger, verifier);
  try {
    const [t1, t2] = paymentChain(genesis, alice, 2).map(encodedTxFromTx);
    const a = await net.storeTxs([t1], { after: Promise.resolve(), solicited: false });
    const b = await net.storeTxs([t2], { after: Promise.resolve(), solicited: true });
    assertEquals(hints.map((h) => h?.requested ?? false), [false, true]);
    assert([...a, ...b].filter(isTxEvent).every((e) => e.kind === "accepted"));
  } finally {
    real.close();
    ledger.close();
  }
});

Deno.test("NetLedger.storeTxs() keeps a sync reply's orphans past the per-source quota, not others'", async () => {
  // 300 chained payments without the first: 299 orphans from one source. Asked for by a sync
  // session, they are bounded by the session (SYNC_MAX_UNCONNECTED), so the pool keeps them
  // all; sent unasked, the pool's per-source quota (MAX_ORPHANS / 8 = 125) applies.
  const chain = paymentChain(genesis, alice, 300).map(encodedTxFromTx);
  const rest = chain.slice(1);
  const sources = rest.map(() => "192.0.2.7:8333");
  for (const solicited of [true, false]) {
    const ledger = await open();
    try {
      const net = netLedgerOf(ledger);
      const events = await net.storeTxs(rest, { after: Promise.resolve(), solicited, sources });
      assertEquals(events.filter(isTxEvent).filter((e) => e.kind === "orphan").length, 299);
      if (solicited) assertEquals(ledger.orphans.size, 299, "all kept");
      else assert(ledger.orphans.size <= 125, `quota: ${ledger.orphans.size}`);
      // The parent arrives: what the pool kept connects at once.
      const kept = ledger.orphans.size;
      const after = await net.storeTxs([chain[0]], { after: Promise.resolve(), solicited });
      const accepted = after.filter(isTxEvent).filter((e) => e.kind === "accepted").length;
      if (solicited) assertEquals(accepted, 300);
      else assert(accepted <= 1 + kept && accepted < 300, `${accepted} connected of ${kept} kept`);
      if (solicited) assertEquals(ledger.count, 301);
    } finally {
      ledger.close();
    }
  }
});
