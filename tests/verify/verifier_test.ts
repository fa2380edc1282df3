/**
 * The Verifier (lib/ledger/verifier.ts) decides by itself where a batch is checked: small
 * unrequested batches stay on the calling thread (null: checked lazily), big or requested ones
 * go to a real worker, which uses the same backend and gives the same verdicts. The ledger's
 * two-stage ingest gives addTxs's results either way.
 */
import { assert, assertEquals } from "../helpers/assert.ts";
import { sha256, toHex } from "../../lib/core/hash.ts";
import { encodeTx, sighashMessage, type Tx, txid } from "../../lib/core/tx.ts";
import { isValidPublicKey, randomKeyPair } from "../../lib/core/keys.ts";
import { signMessage, verifyMessageNoble } from "../../lib/core/sign.ts";
import { openLedger } from "../../lib/ledger/ledger.ts";
import {
  openVerifier,
  POOL_MIN_TXS,
  type TxsVerdict,
  type TxToCheck,
  type Verifier,
  VERIFY_CHUNK,
} from "../../lib/ledger/verifier.ts";
import { VerifyPool } from "../../lib/ledger/verify_pool.ts";
import { NODE_CRYPTO_BACKEND, selectVerifyBackend } from "../../lib/verify/backend.ts";
import { seededBytes } from "../core/vectors.ts";
import { coinsOf, pay, testKeys } from "../helpers/fixtures.ts";
import { testGenesis } from "../helpers/ledger_fixtures.ts";
import { paymentChain } from "../helpers/net_fixtures.ts";
import { HAS_PREBUILT } from "../helpers/verify_backends.ts";

const rand = seededBytes("crackcoin verifier_test v1", sha256);

/** `n` chained payments, every third with a flipped signature bit, and noble's verdicts. */
function payments(n: number): { items: TxToCheck[]; expected: boolean[][] } {
  const alice = testKeys(0);
  const txs = paymentChain(testGenesis(alice), alice, n).map((t, i) => {
    if (i % 3 !== 2) return t;
    const signature = t.inputs[0].signature.slice();
    signature[10] ^= 0x40;
    return { ...t, inputs: [{ ...t.inputs[0], signature }] };
  });
  return {
    items: txs.map((t) => ({ raw: encodeTx(t), txid: txid(t) })),
    expected: txs.map((t) =>
      t.inputs.map((i) => verifyMessageNoble(i.signature, sighashMessage(t), i.publicKey))
    ),
  };
}

/** `n` signature checks, every third one corrupted (a flipped signature bit). */
function checks(n: number) {
  return Array.from({ length: n }, (_, i) => {
    const keys = randomKeyPair(rand);
    const message = rand(32);
    const signature = signMessage(message, keys.secretKey);
    if (i % 3 === 2) signature[10] ^= 0x40;
    return { signature, message, publicKey: keys.publicKey };
  });
}

/** Runs `fn` with a fresh verifier of `workers` workers, closed afterwards. */
async function withVerifier(workers: number, fn: (v: Verifier) => Promise<void>): Promise<void> {
  const v = await openVerifier({ workers });
  try {
    await fn(v);
  } finally {
    v.close();
  }
}

Deno.test("openVerifier() chooses the backend once and checks single signatures with it", async () => {
  await withVerifier(0, async (v) => {
    assertEquals(v.backend, HAS_PREBUILT ? "libsecp256k1" : "node:crypto");
    for (const c of checks(9)) {
      assertEquals(
        v.verifySignature(c.signature, c.message, c.publicKey),
        verifyMessageNoble(c.signature, c.message, c.publicKey),
      );
    }
    // No workers: every batch is left to the calling thread.
    assertEquals(await v.verifyTxs(payments(POOL_MIN_TXS * 2).items, { requested: true }), null);
  });
});

Deno.test("openVerifier() rejects a negative worker count", async () => {
  let err: unknown;
  await openVerifier({ workers: -1 }).catch((e) => err = e);
  assert(err instanceof RangeError, String(err));
});

Deno.test("a Verifier keeps small batches on the calling thread and sends big or requested ones to its worker", async () => {
  await withVerifier(1, async (v) => {
    const { items, expected } = payments(POOL_MIN_TXS + 10);
    const verdicts = (r: TxsVerdict | null) => r?.txs.map((t) => t?.signatures);
    const small = items.slice(0, POOL_MIN_TXS - 1);
    assertEquals(await v.verifyTxs(small), null);
    assertEquals(
      verdicts(await v.verifyTxs(small, { requested: true })),
      expected.slice(0, POOL_MIN_TXS - 1),
    );
    assertEquals(verdicts(await v.verifyTxs(items)), expected);
    assert(expected.flat().includes(false), "the batch holds signatures that do not verify");
    assertEquals(await v.verifyTxs([]), null);
    v.close();
    assertEquals(await v.verifyTxs(items), null, "a closed verifier leaves batches to the caller");
  });
});

Deno.test("VerifyPool workers use the backend they are given and agree with noble", async () => {
  const { items, expected } = payments(40);
  for (const backend of [(await selectVerifyBackend()).name, NODE_CRYPTO_BACKEND.name]) {
    const pool = new VerifyPool(2, backend);
    try {
      assertEquals(pool.backend, backend);
      assertEquals(pool.reportedBackend, null);
      const got = (await pool.verifyTxs(items)).flatMap((r) => [...r.results].map((b) => b === 1));
      assertEquals(got, expected.flat(), backend);
      assertEquals(pool.reportedBackend, backend, "the workers loaded another backend");
    } finally {
      pool.close();
    }
  }
});

Deno.test("Ledger.prepareTxs() with a Verifier gives addTxs()'s results, on either thread", async () => {
  const alice = testKeys(0), bob = testKeys(1), carol = testKeys(2);
  const genesis = testGenesis(alice);
  const g = coinsOf(genesis.tx, [alice])[0];
  const t1 = pay([g], [{ to: bob, amount: 300n }]);
  const t2 = pay([coinsOf(t1, [bob])[0]], [{ to: carol, amount: 100n }]);
  const forged: Tx = {
    ...t2,
    outputs: [{ ...t2.outputs[0], amount: 101n }, { ...t2.outputs[1], amount: 199n }],
  };
  // A key with a valid prefix whose x is not on the curve: the worker's verdict is false, so
  // the ledger's own point check still runs and names the rule (bad-pubkey).
  let x = 1;
  const offCurve = () => Uint8Array.from([2, ...new Uint8Array(31), x]);
  while (isValidPublicKey(offCurve())) x++;
  const badKey: Tx = { ...t1, inputs: [{ ...t1.inputs[0], publicKey: offCurve() }] };
  const batch = [encodeTx(badKey), encodeTx(t1), encodeTx(forged), t2, new Uint8Array([7]), t1];
  const open = () => openLedger(":memory:", { genesis });
  const reference = await open();
  const expected = reference.addTxs(batch);
  reference.close();
  assertEquals(expected.map((r) => r.kind), [
    "rejected",
    "accepted",
    "rejected",
    "accepted",
    "rejected",
    "duplicate",
  ]);
  assertEquals(expected[0].kind === "rejected" && expected[0].code, "bad-pubkey");
  await withVerifier(1, async (v) => {
    for (const hint of [undefined, { requested: true }]) {
      const ledger = await open();
      try {
        assertEquals(ledger.commitTxs(await ledger.prepareTxs(batch, v, hint)), expected);
      } finally {
        ledger.close();
      }
    }
  });
});

Deno.test("Verifier.help() checks the chunks its worker has not reached, with the same verdicts, hashes and product", async () => {
  const { items, expected } = payments(4 * VERIFY_CHUNK + 5);
  const view = (r: TxsVerdict | null) =>
    r && {
      signatures: r.txs.map((t) => t?.signatures),
      messages: r.txs.map((t) => t && toHex(t.message)),
      owners: r.txs.map((t) => t?.ownerHashes.map(toHex)),
      product: r.product,
    };
  await withVerifier(1, async (v) => {
    await v.warm();
    const reference = view(await v.verifyTxs(items, { requested: true }));
    assertEquals(reference?.signatures, expected);
    assertEquals(v.helpOne(), false, "no batch in the workers' hands: nothing to take");
    // Helping at once: the worker has not started, so the caller takes every chunk it can
    // before the worker claims one (the worker then skips those).
    const p1 = v.verifyTxs(items, { requested: true });
    v.help();
    const all = await p1;
    assertEquals(view(all), reference);
    assert(all !== null && all.localMs > 0, "the calling thread checked chunks");
    // One chunk at a time, letting the worker run in between: shared between the two.
    const p2 = v.verifyTxs(items, { requested: true });
    let taken = 0;
    while (v.helpOne()) {
      taken++;
      await new Promise((r) => setTimeout(r, 1));
    }
    const mixed = await p2;
    assertEquals(view(mixed), reference);
    assert(taken <= Math.ceil(items.length / VERIFY_CHUNK));
    // Without help, the worker does it all.
    const alone = await v.verifyTxs(items, { requested: true });
    assertEquals(view(alone), reference);
    assertEquals(alone?.localMs, 0);
  });
});

Deno.test("Verifier.help() that throws on a chunk fails the batch (null: the commit checks it) instead of hanging", async () => {
  const { items } = payments(3 * VERIFY_CHUNK);
  const errors: unknown[] = [];
  const v = await openVerifier({
    workers: 1,
    // The worker loads node:crypto by name; only this thread's checks throw.
    backend: {
      ...NODE_CRYPTO_BACKEND,
      verify: () => {
        throw new Error("a verify function that throws");
      },
    },
    onWorkerError: (e) => errors.push(e),
  });
  try {
    const p = v.verifyTxs(items, { requested: true });
    v.help();
    assertEquals(await p, null);
    assertEquals(errors.length, 1);
    assertEquals(v.helpOne(), false, "a failed batch is not helped again");
    // The worker is still usable for the next batch.
    assertEquals((await v.verifyTxs(items, { requested: true }))?.txs.length, items.length);
  } finally {
    v.close();
  }
});
