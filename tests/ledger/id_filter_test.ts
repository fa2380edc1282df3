import { assert, assertEquals } from "../helpers/assert.ts";
import { IdFilter } from "../../lib/ledger/id_filter.ts";
import { type Ledger, openLedger } from "../../lib/ledger/ledger.ts";
import { prng, T0, testKeys } from "../helpers/fixtures.ts";
import { checkAcrossReopen, testGenesis, unsignedChain } from "../helpers/ledger_fixtures.ts";

function randomIds(n: number, seed: number): Uint8Array[] {
  const rnd = prng(seed);
  return Array.from({ length: n }, () => Uint8Array.from({ length: 32 }, () => rnd() * 256 | 0));
}

Deno.test("IdFilter: no false negatives, about 0.1% false positives at capacity", () => {
  const f = new IdFilter(20_000);
  const stored = randomIds(f.capacity, 1);
  for (const id of stored) f.add(id);
  assert(!f.full);
  for (const id of stored) assert(f.mightHave(id));
  const absent = randomIds(100_000, 2);
  const fp = absent.filter((id) => f.mightHave(id)).length / absent.length;
  assert(fp < 0.005, `false-positive rate ${fp}`);
  f.add(absent[0]);
  assert(f.full, "one past capacity");
});

Deno.test("IdFilter: ids that are not 32 bytes are never stored", () => {
  const f = new IdFilter(10);
  f.add(new Uint8Array(31));
  assert(!f.mightHave(new Uint8Array(31)));
  assert(!f.mightHave(new Uint8Array(0)));
});

Deno.test("Ledger: lookups behind the txid index and id filter stay exact as they grow, and after reopen", async () => {
  const alice = testKeys(0);
  const bob = testKeys(1);
  const genesis = testGenesis(alice, 1_000_000n);
  const dir = await Deno.makeTempDir({ prefix: "crackcoin-idfilter-" });
  try {
    const path = `${dir}/ledger.db`;
    // Past the txid index's first size (4,096 slots, grown when half full), so it grows while
    // writing; the id filter now holds confirmation ids only.
    const { raws, ids } = unsignedChain(genesis, alice, bob, 2_500);
    const opts = { genesis, verify: () => true, clock: () => T0 + 1e9, idFilterCapacity: 1 };
    const ledger = await openLedger(path, opts);
    for (let i = 0; i < raws.length; i += 500) {
      assert(ledger.addTxs(raws.slice(i, i + 500)).every((r) => r.kind === "accepted"));
    }
    const absent = randomIds(2_000, 3);
    const check = (ledger: Ledger) => {
      for (const id of ids) {
        assert(ledger.hasTx(id));
        assert(ledger.hasItem(id));
        assertEquals(ledger.workOf(id), 0);
        assert(ledger.getItem(id)?.kind === "tx");
      }
      for (const id of absent) {
        assert(!ledger.hasTx(id));
        assertEquals(ledger.workOf(id), undefined);
        assertEquals(ledger.getItem(id), undefined);
      }
      // A stored transaction offered again is a duplicate, whatever the filter says.
      const item = ledger.getItem(ids[7]);
      if (item?.kind !== "tx") throw new Error("a stored transaction is not found");
      assertEquals(ledger.addTx(item.raw).kind, "duplicate");
    };
    await checkAcrossReopen(ledger, path, opts, check);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
