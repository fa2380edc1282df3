import { mineConf } from "../helpers/dag.ts";
import { assert, assertEquals } from "../helpers/assert.ts";
import { toHex } from "../../lib/core/hash.ts";
import { txid } from "../../lib/core/tx.ts";
import { testKeys } from "../helpers/fixtures.ts";
import { testGenesis } from "../helpers/ledger_fixtures.ts";
import { freeUdpPort, paymentChain, startNode, waitFor } from "../helpers/net_fixtures.ts";
import type { Ledger } from "../../lib/ledger/ledger.ts";
import { VerifyPool } from "../../lib/ledger/verify_pool.ts";

const alice = testKeys(0);
const genesis = testGenesis(alice);

/** Counts the transactions that `ledger` hands to a VerifyPool (through prepareTxs). */
function countPooled(ledger: Ledger): { txs: number } {
  const counter = { txs: 0 };
  const prepare = ledger.prepareTxs.bind(ledger);
  ledger.prepareTxs = (...args: Parameters<Ledger["prepareTxs"]>) => {
    counter.txs += args[0].length;
    return prepare(...args);
  };
  return counter;
}

function snapshot(l: Ledger) {
  const status = new Map<string, [string, number]>();
  for (const r of l.all()) status.set(r.txid, [r.status, r.work]);
  return { status, balances: l.balances(), supply: l.supply() };
}

Deno.test("a payment made on node A reaches B and C with its confirmation", async () => {
  const port = freeUdpPort();
  const nodes = [];
  try {
    for (let i = 0; i < 3; i++) nodes.push(await startNode(genesis, port));
    const [a, b, c] = nodes;
    const [tx] = paymentChain(genesis, alice, 1);
    assertEquals(a.ledger.addTx(tx).kind, "accepted");
    a.net.announceTx(tx);
    const id = txid(tx);
    await waitFor(() => b.ledger.hasTx(id) && c.ledger.hasTx(id), 5000, "tx on B and C");
    const conf = mineConf(id, 9);
    a.ledger.addConfirmation(conf);
    a.net.announceConfirmation(conf);
    await waitFor(
      () =>
        b.ledger.getTx(id)?.status === "confirmed" && c.ledger.getTx(id)?.status === "confirmed",
      5000,
      "confirmation on B and C",
    );
    assertEquals(b.ledger.getTx(id)?.weight, 512n);
    assertEquals(snapshot(b.ledger), snapshot(a.ledger));
    assertEquals(snapshot(c.ledger), snapshot(a.ledger));
  } finally {
    for (const n of nodes) await n.stop();
  }
});

for (const withPool of [false, true]) {
  Deno.test(
    `a fresh node D syncs 2,000 transactions from A and ends identical${
      withPool ? " (signatures verified by a VerifyPool)" : ""
    }`,
    async () => {
      const port = freeUdpPort();
      const a = await startNode(genesis, port, { summaryIntervalMs: 60_000 });
      const pool = withPool ? new VerifyPool(1) : undefined;
      let d;
      try {
        const chain = paymentChain(genesis, alice, 2000);
        const results = a.ledger.addTxs(chain);
        assert(results.every((r) => r.kind === "accepted"), "A accepts the chain");
        for (const t of chain.filter((_, i) => i % 3 === 0)) {
          a.ledger.addConfirmation(mineConf(txid(t), 9));
        }
        d = await startNode(genesis, port, { summaryIntervalMs: 60_000, verifyPool: pool });
        const pooled = countPooled(d.ledger);
        const ms = await waitFor(
          () =>
            d!.ledger.count === a.ledger.count &&
            toHex(d!.ledger.summary().digest) === toHex(a.ledger.summary().digest),
          30_000,
          "sync",
        );
        console.log(
          `synced 2,000 txs in ${Math.round(ms)} ms${withPool ? " with a VerifyPool" : ""}`,
        );
        assertEquals(snapshot(d.ledger), snapshot(a.ledger));
        assertEquals(d.ledger.supply().ok, true);
        if (withPool) assert(pooled.txs > 0, "sync replies are checked by the pool");
      } finally {
        await a.stop();
        await d?.stop();
        pool?.close();
      }
    },
  );
}

Deno.test("relayed transactions are checked on the node's thread, not by its pool", async () => {
  const port = freeUdpPort();
  const pool = new VerifyPool(1);
  const a = await startNode(genesis, port, { summaryIntervalMs: 60_000 });
  const b = await startNode(genesis, port, { summaryIntervalMs: 60_000, verifyPool: pool });
  try {
    const pooled = countPooled(b.ledger);
    const chain = paymentChain(genesis, alice, 5);
    for (const t of chain) {
      assertEquals(a.ledger.addTx(t).kind, "accepted");
      a.net.announceTx(t);
    }
    await waitFor(() => b.ledger.count === a.ledger.count, 5000, "the payments on B");
    assertEquals(pooled.txs, 0);
  } finally {
    await a.stop();
    await b.stop();
    pool.close();
  }
});

Deno.test("a node that was down catches up by anti-entropy alone", async () => {
  const port = freeUdpPort();
  const a = await startNode(genesis, port, { summaryIntervalMs: 300 });
  let b = await startNode(genesis, port, { summaryIntervalMs: 300 });
  try {
    // B's network goes down; payments happen on A meanwhile.
    await b.net.stop();
    for (const t of paymentChain(genesis, alice, 50)) {
      a.ledger.addTx(t);
      a.net.announceTx(t);
    }
    assertEquals(b.ledger.count, 1);
    // B comes back with its old ledger and sends no sync request: only A's periodic
    // summaries can tell it that it is behind.
    b = await startNode(genesis, port, {
      summaryIntervalMs: 300,
      ledger: b.ledger,
      syncOnStart: false,
    });
    await waitFor(() => b.ledger.count === a.ledger.count, 10_000, "anti-entropy catch-up");
    assertEquals(b.net.counters.syncRequested, 0);
    assertEquals(snapshot(b.ledger), snapshot(a.ledger));
  } finally {
    await a.stop();
    await b.stop();
  }
});
