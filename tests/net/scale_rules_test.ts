/**
 * The issue 16 rules added for protocol v2, over real UDP sockets on loopback (127/8 only):
 * summaries suppressed when covered ("no newer than what we heard"), a quiet summary after a
 * completed sync, a miner's confirmations sent in fewer datagrams, and items from a static
 * peer always rebroadcast on the LAN.
 * @module
 */
import { assert, assertEquals } from "../helpers/assert.ts";
import { txid } from "../../lib/core/tx.ts";
import { toHex } from "../../lib/core/hash.ts";
import type { Confirmation } from "../../lib/core/confirmation.ts";
import { MAX_FUTURE_MS } from "../../lib/core/validate.ts";
import { openLedger } from "../../lib/ledger/ledger.ts";
import { decodeDatagram, encodeDatagram, packConfs, packTxs } from "../../lib/wire/mod.ts";
import { mineWithKernel } from "../helpers/netns.ts";
import { OWN_CONF_BATCH_MS } from "../../lib/net/relay.ts";
import { isStaticAddr } from "../../lib/net/transport.ts";
import { T0, testKeys } from "../helpers/fixtures.ts";
import { TEST_CONFIRM_WORK, testGenesis } from "../helpers/ledger_fixtures.ts";
import {
  freeUdpPort,
  paymentChain,
  startNode,
  type TestNode,
  waitFor,
} from "../helpers/net_fixtures.ts";

const alice = testKeys(0);
const genesis = testGenesis(alice);

/** A socket on the shared port that hears the LAN's broadcasts, with what it decoded. */
function listenLan(port: number): {
  got: { at: number; type: string; items: number; ids: string[] }[];
  close(): Promise<void>;
} {
  const sock = Deno.listenDatagram({
    transport: "udp",
    hostname: "0.0.0.0",
    port,
    reuseAddress: true,
  });
  const got: { at: number; type: string; items: number; ids: string[] }[] = [];
  const loop = (async () => {
    try {
      for await (const [data] of sock) {
        const d = decodeDatagram(data, genesis.network);
        const m = d.message;
        if (m.type === "conf") {
          got.push({
            at: performance.now(),
            type: "conf",
            items: m.confs.length,
            ids: m.confs.map((c) => String(c.nonce)),
          });
        } else if (m.type === "tx") {
          got.push({
            at: performance.now(),
            type: "tx",
            items: m.txs.length,
            ids: m.txs.map((t) => t.id),
          });
        } else if (m.type === "summary") {
          got.push({ at: performance.now(), type: "summary", items: m.count, ids: [] });
        } else got.push({ at: performance.now(), type: m.type, items: 1, ids: [] });
      }
    } catch { /* closed */ }
  })();
  return {
    got,
    async close() {
      sock.close();
      await loop;
    },
  };
}

Deno.test("summaries counting more items than ours suppress ours; ours covers nothing for them", async () => {
  const port = freeUdpPort();
  const [tx] = paymentChain(genesis, alice, 1);
  const nodes: TestNode[] = [];
  try {
    // B and C hold one payment more than D. D's clock is more than MAX_FUTURE_MS behind the
    // payment's timestamp, so it refuses it (future-timestamp) however often it syncs: its
    // count stays lower for the whole test.
    for (let i = 0; i < 2; i++) {
      const ledger = await openLedger(":memory:", {
        genesis,
        confirmWork: TEST_CONFIRM_WORK,
        minConfBits: 1,
        clock: () => T0 + 3_600_000,
      });
      assertEquals(ledger.addTx(tx).kind, "accepted");
      nodes.push(
        await startNode(genesis, port, { ledger, summaryIntervalMs: 200, syncOnStart: false }),
      );
    }
    const behind = await openLedger(":memory:", {
      genesis,
      confirmWork: TEST_CONFIRM_WORK,
      minConfBits: 1,
      clock: () => tx.timestamp - MAX_FUTURE_MS - 600_000,
    });
    const d = await startNode(genesis, port, {
      ledger: behind,
      summaryIntervalMs: 200,
      syncOnStart: false,
    });
    nodes.push(d);
    await waitFor(
      () => d.net.counters.summariesSuppressed >= 3,
      10_000,
      "D's summaries to be suppressed by B's and C's",
    );
    assert(!d.ledger.hasTx(txid(tx)), "D still refuses the payment");
    // D's summary counts fewer items: it never covers B's or C's, and each hears at most one
    // other covering summary (the other's equal one) in most intervals.
    const [b, c] = nodes;
    const spoken = (n: TestNode) => n.net.counters.summariesSuppressed;
    assert(
      spoken(b) + spoken(c) < d.net.counters.summariesSuppressed,
      `B and C (${spoken(b)}, ${spoken(c)} suppressed) keep announcing while D ` +
        `(${d.net.counters.summariesSuppressed}) stays quiet`,
    );
  } finally {
    for (const n of nodes) await n.stop();
  }
});

Deno.test("a node that just completed a sync keeps its next summary off the LAN", async () => {
  const port = freeUdpPort();
  const txs = paymentChain(genesis, alice, 3);
  const nodes: TestNode[] = [];
  try {
    const ledger = await openLedger(":memory:", {
      genesis,
      confirmWork: TEST_CONFIRM_WORK,
      minConfBits: 1,
      clock: () => T0 + 3_600_000,
    });
    for (const t of txs) assertEquals(ledger.addTx(t).kind, "accepted");
    nodes.push(
      await startNode(genesis, port, { ledger, summaryIntervalMs: 300, syncOnStart: false }),
    );
    // B starts empty and hears A's broadcast summaries: a peer the LAN hears, counting more
    // than B for an interval (rule 2), so B syncs from it; B's next summary would then only
    // repeat A's to the LAN.
    const b = await startNode(genesis, port, { summaryIntervalMs: 300, syncOnStart: false });
    nodes.push(b);
    await waitFor(() => b.net.counters.syncCompleted >= 1, 10_000, "B's sync to complete");
    assert(txs.every((t) => b.ledger.hasTx(txid(t))), "B holds what A has");
    await waitFor(
      () => b.net.counters.summariesQuiet >= 1,
      5_000,
      "B's next summary to stay quiet",
    );
    assertEquals(nodes[0].net.counters.summariesQuiet, 0, "A synced nothing and was never quiet");
  } finally {
    for (const n of nodes) await n.stop();
  }
});

Deno.test("a completed sync ends the window in which any differing summary starts a session at once", async () => {
  const port = freeUdpPort();
  const txs = paymentChain(genesis, alice, 2);
  const nodes: TestNode[] = [];
  try {
    const ledger = await openLedger(":memory:", {
      genesis,
      confirmWork: TEST_CONFIRM_WORK,
      minConfBits: 1,
      clock: () => T0 + 3_600_000,
    });
    assertEquals(ledger.addTx(txs[0]).kind, "accepted");
    const a = await startNode(genesis, port, {
      ledger,
      summaryIntervalMs: 200,
      syncOnStart: false,
    });
    nodes.push(a);
    // B asks at start (a 10 s answer window opens), syncs the first payment from A, and
    // never announces a summary of its own (rule 2 then waits COUNT_PERSIST_MS, 1.5 s).
    const b = await startNode(genesis, port, { summaryIntervalMs: 60_000 });
    nodes.push(b);
    await waitFor(() => b.ledger.hasTx(txid(txs[0])), 10_000, "B's first sync");
    await waitFor(() => b.net.syncStatus() === null, 5_000, "B's session to end");
    const sessions = b.net.counters.syncSessions;
    // A stores a second payment without broadcasting it: only its summaries tell B.
    assertEquals(a.ledger.addTx(txs[1]).kind, "accepted");
    await new Promise((r) => setTimeout(r, 900));
    assertEquals(
      b.net.counters.syncSessions,
      sessions,
      "A's differing summaries (every 200 ms) no longer start a session at once",
    );
    await waitFor(() => b.ledger.hasTx(txid(txs[1])), 10_000, "rule 2 to fetch it after 1.5 s");
  } finally {
    for (const n of nodes) await n.stop();
  }
});

Deno.test("the sync step timer runs only while a session runs or peers wait", async () => {
  const port = freeUdpPort();
  const txs = paymentChain(genesis, alice, 2);
  const nodes: TestNode[] = [];
  try {
    const ledger = await openLedger(":memory:", {
      genesis,
      confirmWork: TEST_CONFIRM_WORK,
      minConfBits: 1,
      clock: () => T0 + 3_600_000,
    });
    for (const t of txs) assertEquals(ledger.addTx(t).kind, "accepted");
    const a = await startNode(genesis, port, {
      ledger,
      summaryIntervalMs: 60_000,
      syncOnStart: false,
    });
    nodes.push(a);
    const b = await startNode(genesis, port, { summaryIntervalMs: 60_000, syncOnStart: false });
    nodes.push(b);
    assertEquals(b.net.syncTicking, false, "idle: no timer");
    assertEquals(a.net.syncTicking, false);
    b.net.syncNow(); // A's answer differs: a session is queued at once
    await waitFor(() => b.net.syncTicking, 5_000, "the timer to start with the queued peer");
    await waitFor(() => txs.every((t) => b.ledger.hasTx(txid(t))), 10_000, "the sync");
    await waitFor(() => !b.net.syncTicking, 5_000, "the timer to stop after the session");
    assertEquals(b.net.counters.syncCompleted, 1);
  } finally {
    for (const n of nodes) await n.stop();
  }
});

Deno.test("a miner's confirmations: the first goes out at once, those found in the window after it together", async () => {
  const port = freeUdpPort();
  const lan = listenLan(port);
  const n = await startNode(genesis, port, { summaryIntervalMs: 60_000, syncOnStart: false });
  try {
    const conf = (i: number): Confirmation => ({
      txid: genesis.txid,
      bits: 20,
      refs: [],
      nonce: BigInt(i),
    });
    const t0 = performance.now();
    for (let i = 0; i < 5; i++) n.net.announceConfirmation(conf(i));
    await waitFor(() => lan.got.filter((g) => g.type === "conf").length >= 2, 5_000, "2 datagrams");
    const confs = lan.got.filter((g) => g.type === "conf");
    assertEquals(confs.map((g) => g.items), [1, 4], "one datagram at once, then four together");
    assertEquals(confs.flatMap((g) => g.ids), ["0", "1", "2", "3", "4"], "none lost, in order");
    assert(confs[0].at - t0 < OWN_CONF_BATCH_MS / 2, "the first without waiting");
    assert(
      confs[1].at - confs[0].at >= OWN_CONF_BATCH_MS * 0.8,
      `the rest at the window's end (${Math.round(confs[1].at - confs[0].at)} ms)`,
    );
    // A window passes without finds: the next one goes out at once again.
    await new Promise((r) => setTimeout(r, OWN_CONF_BATCH_MS * 3));
    const t1 = performance.now();
    n.net.announceConfirmation(conf(5));
    await waitFor(
      () => lan.got.filter((g) => g.type === "conf").length >= 3,
      5_000,
      "3rd datagram",
    );
    const third = lan.got.filter((g) => g.type === "conf")[2];
    assertEquals(third.ids, ["5"]);
    assert(third.at - t1 < OWN_CONF_BATCH_MS / 2, "at once after a quiet window");
  } finally {
    await n.stop();
    await lan.close();
  }
});

Deno.test("on a large LAN, what arrives from a static peer is always rebroadcast on the LAN", async () => {
  const port = freeUdpPort();
  const bridgeSide = freeUdpPort();
  const nodes: TestNode[] = [];
  const lan = listenLan(port);
  const far = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: bridgeSide });
  const fakes = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  try {
    // B is the bridge node: its static peer is the test's `far` socket.
    const b = await startNode(genesis, port, {
      summaryIntervalMs: 60_000,
      syncOnStart: false,
      peers: [{ hostname: "127.0.0.1", port: bridgeSide }],
    });
    nodes.push(b);
    // 40 peers heard: a node is then a candidate for a transaction with probability 6/40.
    const s = b.ledger.summary();
    for (let i = 0; i < 40; i++) {
      const d = encodeDatagram({
        network: genesis.network,
        sender: crypto.getRandomValues(new Uint8Array(8)),
        message: { type: "summary", count: s.count, digest: s.digest },
      });
      await fakes.send(d, { transport: "udp", hostname: "127.0.0.1", port: b.net.unicastPort });
    }
    await waitFor(() => b.net.peers().length >= 40, 5_000, "B to hear 40 peers");
    // Ten payments from the far LAN, one datagram each, a while apart (ten separate batches).
    const txs = paymentChain(genesis, alice, 10);
    const id = crypto.getRandomValues(new Uint8Array(8));
    for (const t of txs) {
      for (const d of packTxs(genesis.network, id, [t])) {
        await far.send(d, { transport: "udp", hostname: "127.0.0.1", port: b.net.unicastPort });
      }
      await new Promise((r) => setTimeout(r, 30));
    }
    await waitFor(() => txs.every((t) => b.ledger.hasTx(txid(t))), 5_000, "B to store all");
    const want = new Set(txs.map((t) => toHex(txid(t))));
    const heard = () => new Set(lan.got.filter((g) => g.type === "tx").flatMap((g) => g.ids));
    await waitFor(
      () => [...want].every((x) => heard().has(x)),
      10_000,
      "every payment from the static peer to be rebroadcast on the LAN",
    );
    assertEquals(b.net.counters.relaySuppressed, 0, "none left to another candidate");
  } finally {
    for (const n of nodes) await n.stop();
    far.close();
    fakes.close();
    await lan.close();
  }
});

Deno.test("a bridge node that synced from its static peer tells its LAN: unicast summaries cover nothing there", async () => {
  const port = freeUdpPort();
  const farPort = freeUdpPort();
  const txs = paymentChain(genesis, alice, 3);
  const lan = listenLan(port);
  const nodes: TestNode[] = [];
  try {
    // B bridges the LAN on `port` to E, the far LAN's node on `farPort`.
    const b = await startNode(genesis, port, {
      summaryIntervalMs: 1000,
      syncOnStart: false,
      peers: [{ hostname: "127.0.0.1", port: farPort }],
    });
    nodes.push(b);
    const ledger = await openLedger(":memory:", {
      genesis,
      confirmWork: TEST_CONFIRM_WORK,
      minConfBits: 1,
      clock: () => T0 + 3_600_000,
    });
    for (const t of txs) assertEquals(ledger.addTx(t).kind, "accepted");
    // E announces every 200 ms, to B too: several summaries per B interval, equal to B's
    // once B has synced, but heard by B alone.
    const e = await startNode(genesis, farPort, {
      ledger,
      summaryIntervalMs: 200,
      syncOnStart: false,
      peers: [{ hostname: "127.0.0.1", port: b.net.unicastPort }],
    });
    nodes.push(e);
    await waitFor(() => txs.every((t) => b.ledger.hasTx(txid(t))), 10_000, "B to sync from E");
    const synced = performance.now();
    await waitFor(
      () => lan.got.some((g) => g.type === "summary" && g.items === 4 && g.at > synced),
      5_000,
      "B's summary counting the far LAN's payments on B's LAN",
    );
    assertEquals(b.net.counters.summariesSuppressed, 0, "E's unicast summaries cover nothing");
    assertEquals(b.net.counters.summariesQuiet, 0, "no quiet interval after a static peer's sync");
  } finally {
    for (const n of nodes) await n.stop();
    await lan.close();
  }
});

Deno.test("copies from static peers do not count toward suppressing the LAN rebroadcast", async () => {
  const port = freeUdpPort();
  const farPort = freeUdpPort();
  const lan = listenLan(port);
  const far = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: farPort });
  const nodes: TestNode[] = [];
  try {
    const b = await startNode(genesis, port, {
      summaryIntervalMs: 60_000,
      syncOnStart: false,
      peers: [{ hostname: "127.0.0.1", port: farPort }],
    });
    nodes.push(b);
    // Two links bring the same confirmation (here: the far socket sends it twice, unicast).
    const conf = mineWithKernel(genesis.txid, 1);
    const id = crypto.getRandomValues(new Uint8Array(8));
    for (let i = 0; i < 2; i++) {
      for (const d of packConfs(genesis.network, id, [conf])) {
        await far.send(d, { transport: "udp", hostname: "127.0.0.1", port: b.net.unicastPort });
      }
    }
    await waitFor(
      () => lan.got.some((g) => g.type === "conf" && g.ids.includes(String(conf.nonce))),
      5_000,
      "B to rebroadcast it on its LAN (k = 2, but the second copy reached B alone)",
    );
    assertEquals(b.net.counters.confStale, 1, "the second copy was a duplicate");
  } finally {
    for (const n of nodes) await n.stop();
    far.close();
    await lan.close();
  }
});

Deno.test("isStaticAddr: a peer's host off loopback (it sends from its own port), the exact address on loopback", () => {
  const peers = [{ hostname: "10.1.0.7", port: 31337 }, { hostname: "127.0.0.1", port: 40000 }];
  const at = (hostname: string, port: number) => ({ transport: "udp" as const, hostname, port });
  const table: [string, ReturnType<typeof at>, boolean][] = [
    ["the named address", at("10.1.0.7", 31337), true],
    ["the peer's unicast socket", at("10.1.0.7", 50123), true],
    ["another host", at("10.1.0.8", 31337), false],
    ["loopback, the named port", at("127.0.0.1", 40000), true],
    ["loopback, another node's port", at("127.0.0.1", 40001), false],
    ["loopback, another address", at("127.0.0.2", 40000), false],
  ];
  for (const [name, addr, want] of table) assertEquals(isStaticAddr(peers, addr), want, name);
  assertEquals(isStaticAddr([], at("10.1.0.7", 31337)), false, "no peers");
});
