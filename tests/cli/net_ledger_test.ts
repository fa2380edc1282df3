import { assert, assertEquals } from "../helpers/assert.ts";
import { encodedTxFromTx, txid } from "../../lib/core/tx.ts";
import { isConfEvent, isTxEvent } from "../../lib/ledger/events.ts";
import { openLedger } from "../../lib/ledger/ledger.ts";
import { VerifyPool } from "../../lib/ledger/verify_pool.ts";
import { MIN_POOL_BATCH, netLedgerOf, useVerifyWorkers } from "../../lib/cli/net_ledger.ts";
import { T0, testKeys } from "../helpers/fixtures.ts";
import { nonceForWork, TEST_CONFIRM_WORK, testGenesis } from "../helpers/ledger_fixtures.ts";
import { paymentChain } from "../helpers/net_fixtures.ts";

const alice = testKeys(0);
const genesis = testGenesis(alice);
const open = () =>
  openLedger(":memory:", {
    genesis,
    confirmWork: TEST_CONFIRM_WORK,
    clock: () => T0 + 3_600_000,
  });

Deno.test("useVerifyWorkers() sends sync replies and large batches to the workers", () => {
  const cases: [number, boolean, boolean][] = [
    [1, false, false],
    [MIN_POOL_BATCH - 1, false, false],
    [MIN_POOL_BATCH, false, true],
    [1, true, true],
  ];
  for (const [n, solicited, workers] of cases) {
    assertEquals(useVerifyWorkers(n, solicited), workers, `${n} ${solicited}`);
  }
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
    const confs = net.storeConfirmations([{ txid: id, nonce: nonceForWork(id, 9) }]);
    assertEquals(confs.filter(isConfEvent).map((e) => e.kind), ["improved"]);
  } finally {
    ledger.close();
  }
});

Deno.test("NetLedger.storeTxs() has a solicited batch's signatures checked by the pool", async () => {
  const ledger = await open();
  const pool = new VerifyPool(1);
  const net = netLedgerOf(ledger, pool);
  let pooled = 0;
  const prepare = ledger.prepareTxs.bind(ledger);
  ledger.prepareTxs = (...args: Parameters<typeof ledger.prepareTxs>) => {
    pooled += args[0].length;
    return prepare(...args);
  };
  try {
    const [t1, t2] = paymentChain(genesis, alice, 2).map(encodedTxFromTx);
    const a = await net.storeTxs([t1], { after: Promise.resolve(), solicited: false });
    assertEquals(pooled, 0, "a small unsolicited batch stays on this thread");
    const b = await net.storeTxs([t2], { after: Promise.resolve(), solicited: true });
    assertEquals(pooled, 1);
    assert([...a, ...b].filter(isTxEvent).every((e) => e.kind === "accepted"));
  } finally {
    pool.close();
    ledger.close();
  }
});
