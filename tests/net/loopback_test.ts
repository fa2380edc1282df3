import { mineConf } from "../helpers/dag.ts";
import { assert, assertEquals } from "../helpers/assert.ts";
import { toHex } from "../../lib/core/hash.ts";
import { txid } from "../../lib/core/tx.ts";
import { testKeys } from "../helpers/fixtures.ts";
import { testGenesis } from "../helpers/ledger_fixtures.ts";
import { freeUdpPort, paymentChain, startNode, waitFor } from "../helpers/net_fixtures.ts";
import type { Ledger } from "../../lib/ledger/ledger.ts";
import { openVerifier, type Verifier } from "../../lib/ledger/verifier.ts";

const alice = testKeys(0);
const genesis = testGenesis(alice);

/**
 * A node's Verifier (one worker), seen through a wrapper that counts the signatures its
 * workers checked: the batches for which it answered with verdicts instead of null.
 */
async function countingVerifier(): Promise<{ verifier: Verifier; pooled: { checks: number } }> {
  const inner = await openVerifier({ workers: 1 });
  const pooled = { checks: 0 };
  const verifier: Verifier = {
    backend: inner.backend,
    backendDetail: inner.backendDetail,
    verifySignature: inner.verifySignature,
    warm: () => inner.warm(),
    help: () => inner.help(),
    helpOne: () => inner.helpOne(),
    async verifyTxs(txs, hint) {
      const r = await inner.verifyTxs(txs, hint);
      for (const v of r?.txs ?? []) pooled.checks += v?.signatures.length ?? 0;
      return r;
    },
    close: () => inner.close(),
  };
  return { verifier, pooled };
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
      withPool ? " (signatures verified by a Verifier's worker)" : ""
    }`,
    async () => {
      const port = freeUdpPort();
      const a = await startNode(genesis, port, { summaryIntervalMs: 60_000 });
      const counting = withPool ? await countingVerifier() : undefined;
      let d;
      try {
        const chain = paymentChain(genesis, alice, 2000);
        const results = a.ledger.addTxs(chain);
        assert(results.every((r) => r.kind === "accepted"), "A accepts the chain");
        for (const t of chain.filter((_, i) => i % 3 === 0)) {
          a.ledger.addConfirmation(mineConf(txid(t), 9));
        }
        d = await startNode(genesis, port, {
          summaryIntervalMs: 60_000,
          verifier: counting?.verifier,
        });
        const ms = await waitFor(
          () =>
            d!.ledger.count === a.ledger.count &&
            toHex(d!.ledger.summary().digest) === toHex(a.ledger.summary().digest),
          30_000,
          "sync",
        );
        console.log(
          `synced 2,000 txs in ${Math.round(ms)} ms${withPool ? " with a Verifier" : ""}`,
        );
        assertEquals(snapshot(d.ledger), snapshot(a.ledger));
        assertEquals(d.ledger.supply().ok, true);
        if (counting) assert(counting.pooled.checks > 0, "sync replies are checked by the worker");
      } finally {
        await a.stop();
        await d?.stop();
        counting?.verifier.close();
      }
    },
  );
}

Deno.test("relayed transactions are checked on the node's thread, not by its verify worker", async () => {
  const port = freeUdpPort();
  const { verifier, pooled } = await countingVerifier();
  const a = await startNode(genesis, port, { summaryIntervalMs: 60_000 });
  const b = await startNode(genesis, port, { summaryIntervalMs: 60_000, verifier });
  try {
    const chain = paymentChain(genesis, alice, 5);
    for (const t of chain) {
      assertEquals(a.ledger.addTx(t).kind, "accepted");
      a.net.announceTx(t);
    }
    await waitFor(() => b.ledger.count === a.ledger.count, 5000, "the payments on B");
    assertEquals(pooled.checks, 0);
  } finally {
    await a.stop();
    await b.stop();
    verifier.close();
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
