/**
 * Whole-transaction batches (lib/ledger/batch_checks.ts, run by the verify workers): for each
 * transaction the worker's verdicts, sighash message, key hashes and digest product equal
 * what the ledger's thread computes itself from the decoded transaction, on real workers,
 * split across two of them, with bad signatures, a wrong key and malformed encodings mixed in.
 */
import { assert, assertEquals } from "../helpers/assert.ts";
import { hash160, toHex } from "../../lib/core/hash.ts";
import { muHashElement, muHashProduct } from "../../lib/core/set_digest.ts";
import { encodeTx, sighashMessage, type Tx, txid } from "../../lib/core/tx.ts";
import { verifyMessageNoble } from "../../lib/core/sign.ts";
import { checkTxs } from "../../lib/ledger/batch_checks.ts";
import { ITEM_TX, itemElement } from "../../lib/ledger/item_digest.ts";
import { openVerifier, POOL_MIN_TXS, type TxToCheck } from "../../lib/ledger/verifier.ts";
import { VerifyPool } from "../../lib/ledger/verify_pool.ts";
import { NODE_CRYPTO_BACKEND, selectVerifyBackend } from "../../lib/verify/backend.ts";
import { coinsOf, pay, T0, testKeys } from "../helpers/fixtures.ts";
import { testGenesis } from "../helpers/ledger_fixtures.ts";

const alice = testKeys(0);
const bob = testKeys(1);
const carol = testKeys(2);

/**
 * `n` signed payments (some with two inputs), every fifth with a flipped signature bit and
 * every seventh signed by the wrong key; plus two malformed encodings at known places.
 */
function batch(n: number): { items: TxToCheck[]; txs: (Tx | null)[] } {
  const g = testGenesis(alice, 10_000_000n);
  let coins = coinsOf(g.tx, [alice]);
  const txs: (Tx | null)[] = [];
  for (let i = 0; i < n; i++) {
    const twoInputs = coins.length >= 2 && i % 3 === 0;
    const spend = twoInputs ? coins.slice(0, 2) : coins.slice(0, 1);
    const keys = i % 7 === 6 ? spend.map((c) => ({ ...c, keys: carol })) : spend;
    let t = pay(keys, [{ to: bob, amount: 1n }, { to: alice, amount: 2n }], T0 + i);
    if (i % 5 === 4) {
      const sig = t.inputs[0].signature.slice();
      sig[10] ^= 1;
      t = { ...t, inputs: [{ ...t.inputs[0], signature: sig }, ...t.inputs.slice(1)] };
    }
    txs.push(t);
    const total = spend.reduce((s, c) => s + c.amount, 0n);
    const made = coinsOf(t, [bob, alice, alice]);
    coins = [...coins.slice(spend.length), made[1], ...(total > 3n ? [made[2]] : [])];
  }
  const items: TxToCheck[] = txs.map((t) => ({ raw: encodeTx(t!), txid: txid(t!) }));
  // Malformed: truncated, and one byte too many.
  items.splice(3, 0, { raw: items[0].raw.subarray(0, 50), txid: new Uint8Array(32) });
  txs.splice(3, 0, null);
  const longer = new Uint8Array(items[1].raw.length + 1);
  longer.set(items[1].raw);
  items.push({ raw: longer, txid: new Uint8Array(32) });
  txs.push(null);
  return { items, txs };
}

/** What the ledger's thread computes itself for one decoded transaction. */
function expected(t: Tx) {
  const message = sighashMessage(t);
  return {
    message: toHex(message),
    signatures: t.inputs.map((inp) => verifyMessageNoble(inp.signature, message, inp.publicKey)),
    ownerHashes: t.inputs.map((inp) => toHex(hash160(inp.publicKey))),
  };
}

function productOf(txs: readonly (Tx | null)[]): bigint {
  return muHashProduct(
    txs.filter((t): t is Tx => t !== null).map((t) => muHashElement(itemElement(ITEM_TX, txid(t)))),
  );
}

Deno.test("checkTxs() gives, per transaction, what the ledger's thread computes itself", async () => {
  const { items, txs } = batch(24);
  const lengths = Uint32Array.from(items, (i) => i.raw.length);
  const raws = new Uint8Array(lengths.reduce((a, b) => a + b, 0));
  const ids = new Uint8Array(32 * items.length);
  let at = 0;
  items.forEach((it, k) => {
    raws.set(it.raw, at);
    at += it.raw.length;
    ids.set(it.txid, 32 * k);
  });
  const { verify } = await selectVerifyBackend();
  const r = checkTxs({ n: items.length, raws, lengths, txids: ids }, verify);
  let bad = 0;
  txs.forEach((t, k) => {
    if (t === null) {
      assertEquals(r.malformed[k], 1, `item ${k} is malformed`);
      assertEquals(r.firstInput[k + 1] - r.firstInput[k], 0);
      return;
    }
    assertEquals(r.malformed[k], 0);
    const e = expected(t);
    const range = [r.firstInput[k], r.firstInput[k + 1]];
    assertEquals(toHex(r.messages.subarray(32 * k, 32 * k + 32)), e.message);
    const sigs = [...r.results.subarray(range[0], range[1])].map((b) => b === 1);
    assertEquals(sigs, e.signatures);
    const owners = [];
    for (let j = range[0]; j < range[1]; j++) {
      owners.push(toHex(r.ownerHashes.subarray(20 * j, 20 * j + 20)));
    }
    assertEquals(owners, e.ownerHashes);
    bad += sigs.filter((s) => !s).length;
  });
  assert(bad >= 4, "the batch holds signatures that do not verify");
  assertEquals(r.product, productOf(txs));
  assert(r.elapsedMs >= 0);
});

Deno.test("Verifier.verifyTxs() on real workers, split over two, equals the local computation", async () => {
  const { items, txs } = batch(POOL_MIN_TXS + 10);
  for (const backend of [await selectVerifyBackend(), NODE_CRYPTO_BACKEND]) {
    const v = await openVerifier({ workers: 2, backend });
    try {
      assertEquals(await v.verifyTxs(items.slice(0, POOL_MIN_TXS - 1)), null, "small: caller");
      const got = await v.verifyTxs(items);
      assert(got !== null, "a big batch goes to the workers");
      assertEquals(got.txs.length, items.length);
      got.txs.forEach((verdict, k) => {
        const t = txs[k];
        if (t === null) return assertEquals(verdict, null);
        assert(verdict !== null);
        const e = expected(t);
        assertEquals(toHex(verdict.message), e.message, `message of ${k}`);
        assertEquals(verdict.signatures, e.signatures, `signatures of ${k} (${backend.name})`);
        assertEquals(verdict.ownerHashes.map(toHex), e.ownerHashes);
        assertEquals(verdict.inProduct, true);
      });
      assertEquals(got.product, productOf(txs));
      const small = await v.verifyTxs(items.slice(0, 5), { requested: true });
      assertEquals(small?.txs.length, 5, "a requested batch goes to the workers, however small");
      v.close();
      assertEquals(
        await v.verifyTxs(items),
        null,
        "a closed verifier leaves batches to the caller",
      );
    } finally {
      v.close();
    }
  }
});

Deno.test("VerifyPool.verifyTxs() splits a batch into consecutive parts, one per worker", async () => {
  const { items } = batch(40);
  const pool = new VerifyPool(2, (await selectVerifyBackend()).name);
  try {
    const parts = await pool.verifyTxs(items);
    assertEquals(parts.length, 2);
    assertEquals(parts.reduce((n, p) => n + p.malformed.length, 0), items.length);
    assertEquals(await pool.verifyTxs([]), []);
  } finally {
    pool.close();
  }
});

Deno.test("Verifier.warm() starts the worker with its backend before the first batch", async () => {
  const backend = await selectVerifyBackend();
  const pool = new VerifyPool(1, backend.name);
  try {
    assertEquals(pool.reportedBackend, null, "no worker yet");
    await pool.warm();
    assertEquals(pool.reportedBackend, backend.name, "the worker answered with its backend");
  } finally {
    pool.close();
  }
  const v = await openVerifier({ workers: 1, backend });
  await v.warm();
  const { items } = batch(3);
  assert((await v.verifyTxs(items, { requested: true })) !== null);
  v.close();
  await v.warm(); // closed: nothing to start, and no rejection
  const none = await openVerifier({ workers: 0 });
  await none.warm();
  assertEquals(await none.verifyTxs(items, { requested: true }), null);
});
