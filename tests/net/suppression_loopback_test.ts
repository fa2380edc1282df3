/**
 * Relay and summary suppression over real UDP sockets on loopback (127/8 only).
 * @module
 */
import { assert, assertEquals } from "../helpers/assert.ts";
import { txid } from "../../lib/core/tx.ts";
import { packTxs } from "../../lib/wire/mod.ts";
import { testKeys } from "../helpers/fixtures.ts";
import { testGenesis } from "../helpers/ledger_fixtures.ts";
import {
  freeUdpPort,
  paymentChain,
  startNode,
  type TestNode,
  waitFor,
} from "../helpers/net_fixtures.ts";

const alice = testKeys(0);
const genesis = testGenesis(alice);

Deno.test("one broadcast tx: receivers rebroadcast it only until k copies were heard; a --peer gets it at once", async () => {
  const port = freeUdpPort();
  const ePort = freeUdpPort();
  const nodes: TestNode[] = [];
  try {
    // E listens on a port of its own: it hears nothing of the LAN but what B unicasts.
    const e = await startNode(genesis, ePort, { summaryIntervalMs: 60_000, syncOnStart: false });
    nodes.push(e);
    const b = await startNode(genesis, port, {
      summaryIntervalMs: 60_000,
      syncOnStart: false,
      peers: [{ hostname: "127.0.0.1", port: e.net.unicastPort }],
    });
    nodes.push(b);
    const others = [];
    for (let i = 0; i < 3; i++) {
      others.push(
        await startNode(genesis, port, { summaryIntervalMs: 60_000, syncOnStart: false }),
      );
    }
    nodes.push(...others);
    const receivers = [b, ...others];
    // The origin: a socket of the test's own, broadcasting once to the shared port.
    const origin = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
    try {
      const [tx] = paymentChain(genesis, alice, 1);
      const id = crypto.getRandomValues(new Uint8Array(8));
      for (const d of packTxs(genesis.network, id, [tx])) {
        await origin.send(d, { transport: "udp", hostname: "127.255.255.255", port });
      }
      await waitFor(() => receivers.every((n) => n.ledger.hasTx(txid(tx))), 5000, "all hold it");
      // Each receiver decides once: rebroadcast or suppressed.
      const decided = () =>
        receivers.reduce((t, n) => t + n.net.counters.relayed + n.net.counters.relaySuppressed, 0);
      await waitFor(() => decided() === receivers.length, 5000, "every receiver to decide");
      const relayed = receivers.reduce((t, n) => t + n.net.counters.relayed, 0);
      const suppressed = receivers.reduce((t, n) => t + n.net.counters.relaySuppressed, 0);
      assert(relayed >= 1, "someone rebroadcast it (k = 2 counts the origin's copy)");
      assert(suppressed >= 1, `some receiver stayed quiet (${relayed} rebroadcasts)`);
      // The static peer got it from B without waiting for B's decision on the LAN.
      await waitFor(() => e.ledger.hasTx(txid(tx)), 5000, "the static peer to hold it");
      assertEquals(e.net.counters.txAccepted, 1);
    } finally {
      origin.close();
    }
  } finally {
    for (const n of nodes) await n.stop();
  }
});

Deno.test("a receiver that missed the origin's broadcast is healed by a rebroadcast", async () => {
  const port = freeUdpPort();
  const nodes: TestNode[] = [];
  try {
    for (let i = 0; i < 3; i++) {
      nodes.push(await startNode(genesis, port, { summaryIntervalMs: 60_000, syncOnStart: false }));
    }
    const [b, c, lossy] = nodes;
    // The origin reaches B and C only (unicast): for `lossy` its broadcast was lost.
    const origin = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
    try {
      const [tx] = paymentChain(genesis, alice, 1);
      const id = crypto.getRandomValues(new Uint8Array(8));
      for (const n of [b, c]) {
        for (const d of packTxs(genesis.network, id, [tx])) {
          await origin.send(d, {
            transport: "udp",
            hostname: "127.0.0.1",
            port: n.net.unicastPort,
          });
        }
      }
      await waitFor(() => lossy.ledger.hasTx(txid(tx)), 5000, "the lossy receiver to hold it");
      assert(b.net.counters.relayed + c.net.counters.relayed >= 1);
      assertEquals(lossy.net.counters.syncSessions, 0, "healed by the relay, not by a sync");
    } finally {
      origin.close();
    }
  } finally {
    for (const n of nodes) await n.stop();
  }
});

Deno.test("summaries equal to ours heard from k peers suppress ours", async () => {
  const port = freeUdpPort();
  const nodes: TestNode[] = [];
  try {
    for (let i = 0; i < 4; i++) {
      nodes.push(await startNode(genesis, port, { summaryIntervalMs: 150, syncOnStart: false }));
    }
    await waitFor(
      () => nodes.reduce((t, n) => t + n.net.counters.summariesSuppressed, 0) >= 4,
      10_000,
      "summaries to be suppressed",
    );
    // All hold the same (the genesis): no difference, so no sync was ever started.
    assertEquals(nodes.reduce((t, n) => t + n.net.counters.syncSessions, 0), 0);
  } finally {
    for (const n of nodes) await n.stop();
  }
});
