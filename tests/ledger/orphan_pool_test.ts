import { mineConf } from "../helpers/dag.ts";
/** The orphan pool on a QuotaPool (lib/ledger/orphan_pool.ts). */
import { assert, assertEquals } from "../helpers/assert.ts";
import { OrphanPool } from "../../lib/ledger/orphan_pool.ts";
import { openLedger } from "../../lib/ledger/ledger.ts";
import { TEST_CONFIRM_WORK, testGenesis } from "../helpers/ledger_fixtures.ts";
import { paymentChain } from "../helpers/net_fixtures.ts";
import { T0, testKeys } from "../helpers/fixtures.ts";
import { txid } from "../../lib/core/tx.ts";

const raw = (n: number) => new Uint8Array(n);

Deno.test("OrphanPool: one source at its quota displaces only its own orphans", () => {
  const p = new OrphanPool({ maxCount: 80, perSource: 10 });
  for (let i = 0; i < 10; i++) assert(p.add(`h${i}`, raw(200), [`p${i}`], i, "honest:1"));
  for (let i = 0; i < 10_000; i++) p.add(`j${i}`, raw(200), [`x${i}`], 100 + i, "flood:1");
  assertEquals(p.countOf("flood:1"), 10);
  for (let i = 0; i < 10; i++) assert(p.has(`h${i}`));
  assertEquals(p.takeChildren("p3").map((c) => c.txid), ["h3"]);
  assert(p.missingParents().length <= 20, "the parent index follows evictions");
});

Deno.test("OrphanPool keeps orphans whose parent was announced over invented ones", () => {
  const p = new OrphanPool({ maxCount: 50, perSource: 50 });
  p.announce("real-parent", 0);
  assert(p.add("real-child", raw(200), ["real-parent"], 1, "a:1"));
  p.add("late", raw(200), ["later-parent"], 2, "b:1");
  p.announce("later-parent", 3); // announced after the orphan came
  for (let i = 0; i < 5000; i++) p.add(`junk${i}`, raw(200), [`nobody${i}`], 10 + i, `s${i}:1`);
  assert(p.has("real-child") && p.has("late"));
  assertEquals(p.size, 50);
  assertEquals(p.takeChildren("real-parent").length, 1);
});

Deno.test("OrphanPool stays within its byte bound and expires by age", () => {
  const p = new OrphanPool({ maxCount: 1000, maxBytes: 10_000, ttlMs: 1000 });
  for (let i = 0; i < 100; i++) p.add(`t${i}`, raw(900), [`p${i}`], i);
  assert(p.bytes <= 10_000 && p.size === 11, `${p.size} orphans, ${p.bytes} bytes`);
  p.expire(5000);
  assertEquals(p.size, 0);
  assertEquals(p.missingParents(), []);
});

Deno.test("Ledger: a real early confirmation survives a flood of confirmations without work", async () => {
  const alice = testKeys(0);
  const genesis = testGenesis(alice);
  const l = await openLedger(":memory:", {
    genesis,
    confirmWork: TEST_CONFIRM_WORK,
    minConfBits: 1,
    clock: () => T0 + 3_600_000,
  });
  try {
    const [tx] = paymentChain(genesis, alice, 1);
    const id = txid(tx);
    assertEquals(l.addConfirmations([mineConf(id, 9)], "miner:1")[0].kind, "waiting");
    // 20,000 confirmations of random txids claiming no work, from 20 sources: in protocol v2
    // a confirmation must carry its bits of work to wait at all (docs/PROTOCOL.md §6), so none
    // of them takes a place in the pool.
    for (let i = 0; i < 200; i++) {
      const confs = Array.from({ length: 100 }, () => ({
        txid: crypto.getRandomValues(new Uint8Array(32)),
        bits: 0,
        refs: [],
        nonce: 0n,
      }));
      const rs = l.addConfirmations(confs, `flood${i % 20}:1`);
      assert(rs.every((r) => r.kind === "invalid"), "no work, no place");
    }
    assertEquals(l.waitingConfs.size, 1);
    assertEquals(l.addTx(tx).kind, "accepted");
    assertEquals(l.getTx(id)?.weight, 512n, "the transaction arrives with its early confirmation");
  } finally {
    l.close();
  }
});
