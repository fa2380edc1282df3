/**
 * `crackcoin export` carries what a third party needs to check a ledger from the export alone
 * (issue #15, outsider item 7): each transaction's canonical bytes, and its cumulative weight
 * (protocol v2). Checked here the way an outsider would: hash the bytes, verify the signatures
 * with noble over the §5 message; `work` is ⌊log2⌋ of the weight given.
 * @module
 */
import { assert, assertEquals } from "../helpers/assert.ts";
import { exportLedger } from "../../lib/cli/export.ts";
import { genesisToJson } from "../../lib/core/genesis.ts";
import { fromHex, sha256d, toHex } from "../../lib/core/hash.ts";
import { weightBits } from "../../lib/core/weight.ts";
import { confirmationId } from "../../lib/core/confirmation.ts";
import { leadingZeroBits } from "../../lib/core/pow.ts";
import { mineConf } from "../helpers/dag.ts";
import { verifyMessageNoble } from "../../lib/core/sign.ts";
import { decodeTx, sighashMessage, txid } from "../../lib/core/tx.ts";
import { openLedger } from "../../lib/ledger/ledger.ts";
import { T0, testKeys } from "../helpers/fixtures.ts";
import { TEST_CONFIRM_WORK, testGenesis } from "../helpers/ledger_fixtures.ts";
import { paymentChain } from "../helpers/net_fixtures.ts";

Deno.test("exportLedger() gives raw bytes that verify every txid and signature, and weights", async () => {
  const dir = await Deno.makeTempDir({ prefix: "cc-export-" });
  try {
    const alice = testKeys(0);
    const genesis = testGenesis(alice);
    await Deno.writeTextFile(`${dir}/genesis.json`, JSON.stringify(genesisToJson(genesis)));
    const l = await openLedger(`${dir}/ledger.db`, {
      genesis,
      confirmWork: TEST_CONFIRM_WORK,
      minConfBits: 1,
      clock: () => T0 + 3_600_000,
    });
    const chain = paymentChain(genesis, alice, 3);
    l.addTxs(chain);
    l.addConfirmation(mineConf(txid(chain[1]), 9));
    l.close();

    const doc = await exportLedger(dir, null);
    assertEquals(doc.transactions.length, 4);
    let signed = 0;
    for (const t of doc.transactions) {
      assert(/^([0-9a-f]{2})+$/.test(t.raw), "raw is lowercase hex");
      const raw = fromHex(t.raw);
      assertEquals(toHex(sha256d(raw)), t.txid, "txid = SHA-256d(raw)");
      const tx = decodeTx(raw);
      assertEquals(tx.inputs.map((i) => ({ txid: toHex(i.txid), index: i.index })), t.inputs);
      const m = sighashMessage(tx);
      for (const i of tx.inputs) {
        assert(verifyMessageNoble(i.signature, m, i.publicKey), "signature verifies");
        signed++;
      }
      assertEquals(weightBits(BigInt(t.weight.hashes)), t.work, `work of ${t.txid}`);
    }
    assertEquals(signed, 3);
    // The confirmation of chain[1] approves it and its ancestors: chain[0] and the genesis.
    const weighed = doc.transactions.filter((t) => BigInt(t.weight.hashes) >= 512n);
    assertEquals(weighed.length, 3, "genesis, chain[0] and chain[1]");
    // Every confirmation is in the export with what an outsider needs to recheck its work.
    assertEquals(doc.confirmations.length, 1);
    const c = doc.confirmations[0];
    assertEquals(c.txid, toHex(txid(chain[1])));
    const conf = {
      txid: fromHex(c.txid),
      bits: c.bits,
      refs: c.refs.map(fromHex),
      nonce: BigInt(c.nonce),
    };
    const id = confirmationId(conf);
    assertEquals(toHex(id), c.id, "id = the pow hash of the exported fields");
    assert(leadingZeroBits(id) >= c.bits, "the pow hash has the claimed bits");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
