/**
 * The ledger's id filter (lib/ledger/ledger.ts `#ids`) learns only of what its own Ledger
 * stores. A ledger opened read-only (`export`, the `wallet` scan: PROTOCOL.md §11, "WAL lets them
 * read while a node writes") must still see what another connection stores after it opened, so
 * it has no filter and reads the database for every lookup (found in review: a filter filled at
 * open answered "not stored" there).
 */
import { assert, assertEquals } from "../helpers/assert.ts";
import { hash160, toHex } from "../../lib/core/hash.ts";
import { encodeTx, type Tx, txid } from "../../lib/core/tx.ts";
import { openLedger } from "../../lib/ledger/ledger.ts";
import { T0, testKeys } from "../helpers/fixtures.ts";
import { testGenesis } from "../helpers/ledger_fixtures.ts";

Deno.test("a read-only ledger sees a writer's new transaction through hasTx/hasItem/workOf/getItem", async () => {
  const alice = testKeys(0);
  const bob = testKeys(1);
  const genesis = testGenesis(alice, 1_000_000n);
  const dir = await Deno.makeTempDir({ prefix: "crackcoin-review-reader-" });
  const path = `${dir}/ledger.db`;
  const opts = { genesis, verify: () => true, clock: () => T0 + 1e9 };
  const writer = await openLedger(path, opts);
  const reader = await openLedger(path, { ...opts, readOnly: true });
  try {
    const sig = new Uint8Array(64);
    sig[31] = 1;
    sig[63] = 1;
    const t: Tx = {
      version: 1,
      timestamp: T0 + 1,
      inputs: [{ txid: genesis.txid, index: 0, publicKey: alice.publicKey, signature: sig }],
      outputs: [
        { amount: 1n, address: hash160(bob.publicKey) },
        { amount: genesis.supply - 1n, address: hash160(alice.publicKey) },
      ],
    };
    assertEquals(writer.addTx(encodeTx(t)).kind, "accepted");
    const id = txid(t);
    // The reader's plain reads see the commit...
    assert(reader.getRaw(id) !== undefined, "getRaw sees the writer's commit");
    assertEquals(reader.getTx(toHex(id))?.txid, toHex(id));
    // ...and so must the lookups behind the id filter.
    const seen = {
      hasTx: reader.hasTx(id),
      hasItem: reader.hasItem(id),
      workOf: reader.workOf(id),
      getItem: reader.getItem(id)?.kind,
    };
    assertEquals(seen, { hasTx: true, hasItem: true, workOf: 0, getItem: "tx" });
  } finally {
    reader.close();
    writer.close();
    await Deno.remove(dir, { recursive: true });
  }
});
