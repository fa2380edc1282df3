import { assert, assertEquals } from "../helpers/assert.ts";
import { toHex } from "../../lib/core/hash.ts";
import { txid } from "../../lib/core/tx.ts";
import { decodeDatagram, packTxs } from "../../lib/wire/mod.ts";
import { testKeys } from "../helpers/fixtures.ts";
import { testGenesis } from "../helpers/ledger_fixtures.ts";
import { freeUdpPort, paymentChain, startNode, waitFor } from "../helpers/net_fixtures.ts";

const alice = testKeys(0);
const genesis = testGenesis(alice);

Deno.test("NetNode counts and relays an orphan adopted when its parent arrives", async () => {
  const port = freeUdpPort();
  const b = await startNode(genesis, port, { summaryIntervalMs: 60_000 });
  const c = await startNode(genesis, port, { summaryIntervalMs: 60_000, syncOnStart: false });
  // The test plays a peer from a socket of its own, talking to B alone (unicast).
  const peer = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  const peerId = crypto.getRandomValues(new Uint8Array(8));
  const toB = { transport: "udp" as const, hostname: "127.0.0.1", port: b.net.unicastPort };
  try {
    const [parent, child] = paymentChain(genesis, alice, 2);
    for (const d of packTxs(genesis.network, peerId, [child])) await peer.send(d, toB);
    await waitFor(() => b.net.counters.txOrphan === 1, 5000, "the child as an orphan on B");
    // B asks the peer that sent the orphan for its parent.
    const [req] = await peer.receive();
    const m = decodeDatagram(req, genesis.network).message;
    assert(m.type === "get-data", `B sent ${m.type}`);
    assertEquals(m.txids.map(toHex), [toHex(txid(parent))]);
    for (const d of packTxs(genesis.network, peerId, [parent])) await peer.send(d, toB);
    // C hears of both only through B's relay: the adopted child is relayed like the parent.
    await waitFor(() => c.ledger.hasTx(txid(child)), 5000, "the adopted child on C");
    assertEquals(b.net.counters.txAccepted, 2);
    // Relays wait a random delay (suppression); both go out, in one datagram, parent first.
    await waitFor(() => b.net.counters.relayed === 2, 5000, "both relayed");
    assertEquals(c.net.counters.txOrphan, 0, "the parent came before the child");
    assertEquals(c.net.counters.txAccepted, 2);
    assertEquals(b.ledger.orphans.size, 0);
  } finally {
    peer.close();
    await b.stop();
    await c.stop();
  }
});
