import { assertEquals, assertThrows } from "../helpers/assert.ts";
import { RuleError } from "../../lib/core/errors.ts";
import { hash160 } from "../../lib/core/hash.ts";
import { CURVE_N, signTx, verifyMessageNoble } from "../../lib/core/sign.ts";
import { verifyMessageNative } from "../../lib/core/verify_native.ts";
import { MAX_INPUTS, MAX_OUTPUTS, type Tx, txid, type TxOutput } from "../../lib/core/tx.ts";
import {
  checkGenesis,
  checkTxInputs,
  checkTxSanity,
  MAX_FUTURE_MS,
  missingParents,
  type ParentLookup,
} from "../../lib/core/validate.ts";
import { MAX_SUPPLY } from "../../lib/core/amount.ts";
import { coinsOf, makeGenesis, pay, T0, testKeys } from "../helpers/fixtures.ts";

const alice = testKeys(0);
const bob = testKeys(1);
const carol = testKeys(2);
const genesis = makeGenesis(alice, 1000n);
const gCoin = coinsOf(genesis, [alice])[0];
const NOW = T0 + 10_000;

function lookupOf(...txs: Tx[]): ParentLookup {
  const m = new Map<string, readonly TxOutput[]>();
  for (const t of txs) m.set(txid(t).join(","), t.outputs);
  return (id) => m.get(id.join(","));
}

function codeOf(fn: () => void): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof RuleError) return e.code;
    throw e;
  }
  return "accepted";
}

const both = [verifyMessageNoble, verifyMessageNative];

Deno.test("checkTxSanity() and checkTxInputs() accept a valid payment", () => {
  const tx = pay([gCoin], [{ to: bob, amount: 400n }]);
  checkTxSanity(tx, NOW);
  for (const v of both) checkTxInputs(tx, lookupOf(genesis), v);
});

Deno.test("checkTxSanity() reports each context-free rule code", () => {
  const ok = pay([gCoin], [{ to: bob, amount: 400n }]);
  const withOutputs = (outputs: TxOutput[]): Tx => ({ ...ok, outputs });
  const addr = hash160(bob.publicKey);
  assertEquals(codeOf(() => checkTxSanity({ ...ok, version: 2 }, NOW)), "bad-version");
  assertEquals(codeOf(() => checkTxSanity({ ...ok, inputs: [] }, NOW)), "no-inputs");
  assertEquals(codeOf(() => checkTxSanity(withOutputs([]), NOW)), "no-outputs");
  assertEquals(
    codeOf(() => checkTxSanity({ ...ok, inputs: Array(MAX_INPUTS + 1).fill(ok.inputs[0]) }, NOW)),
    "too-many-inputs",
  );
  assertEquals(
    codeOf(() =>
      checkTxSanity(withOutputs(Array(MAX_OUTPUTS + 1).fill({ amount: 1n, address: addr })), NOW)
    ),
    "too-many-outputs",
  );
  assertEquals(
    codeOf(() => checkTxSanity({ ...ok, inputs: [ok.inputs[0], ok.inputs[0]] }, NOW)),
    "duplicate-input",
  );
  const badKey = new Uint8Array(33).fill(0xff);
  badKey[0] = 2;
  assertEquals(
    codeOf(() => checkTxSanity({ ...ok, inputs: [{ ...ok.inputs[0], publicKey: badKey }] }, NOW)),
    "bad-pubkey",
  );
  assertEquals(
    codeOf(() => checkTxSanity(withOutputs([{ amount: 0n, address: addr }]), NOW)),
    "bad-amount",
  );
  assertEquals(
    codeOf(() => checkTxSanity(withOutputs([{ amount: -5n, address: addr }]), NOW)),
    "bad-amount",
  );
  assertEquals(
    codeOf(() => checkTxSanity(withOutputs([{ amount: MAX_SUPPLY + 1n, address: addr }]), NOW)),
    "bad-amount",
  );
  assertEquals(
    codeOf(() =>
      checkTxSanity(
        withOutputs([{ amount: MAX_SUPPLY, address: addr }, { amount: 1n, address: addr }]),
        NOW,
      )
    ),
    "supply-overflow",
  );
  assertEquals(
    codeOf(() => checkTxSanity({ ...ok, timestamp: NOW + MAX_FUTURE_MS + 1 }, NOW)),
    "future-timestamp",
  );
  assertEquals(codeOf(() => checkTxSanity({ ...ok, timestamp: -1 }, NOW)), "bad-timestamp");
  assertEquals(
    codeOf(() => checkTxSanity({ ...ok, timestamp: NOW + MAX_FUTURE_MS }, NOW)),
    "accepted",
  );
  const zeroSig = new Uint8Array(64);
  assertEquals(
    codeOf(() => checkTxSanity({ ...ok, inputs: [{ ...ok.inputs[0], signature: zeroSig }] }, NOW)),
    "bad-signature-encoding",
  );
  assertEquals(
    codeOf(() =>
      checkTxSanity({
        ...ok,
        inputs: [{ ...ok.inputs[0], signature: flipS(ok.inputs[0].signature) }],
      }, NOW)
    ),
    "high-s",
  );
});

function flipS(sig: Uint8Array): Uint8Array {
  let s = 0n;
  for (let i = 32; i < 64; i++) s = (s << 8n) | BigInt(sig[i]);
  s = CURVE_N - s;
  const out = sig.slice();
  for (let i = 63; i >= 32; i--) {
    out[i] = Number(s & 0xffn);
    s >>= 8n;
  }
  return out;
}

Deno.test("checkTxInputs() reports each context rule code", () => {
  const ok = pay([gCoin], [{ to: bob, amount: 400n }]);
  for (const v of both) {
    assertEquals(codeOf(() => checkTxInputs(ok, lookupOf(), v)), "missing-input");
    assertEquals(missingParents(ok, lookupOf()).length, 1);
    assertEquals(missingParents(ok, lookupOf(genesis)).length, 0);
    const badIndex = pay([{ ...gCoin, index: 1 }], [{ to: bob, amount: 400n }]);
    assertEquals(codeOf(() => checkTxInputs(badIndex, lookupOf(genesis), v)), "bad-output-index");
    // Bob signs for Alice's coin: a valid signature by the wrong key.
    const thief = pay([{ ...gCoin, keys: bob }], [{ to: bob, amount: 1000n }]);
    assertEquals(codeOf(() => checkTxInputs(thief, lookupOf(genesis), v)), "wrong-owner");
    const unbalanced = pay([{ ...gCoin, amount: 1001n }], [{ to: bob, amount: 1001n }]);
    assertEquals(codeOf(() => checkTxInputs(unbalanced, lookupOf(genesis), v)), "unbalanced");
    const less = pay([{ ...gCoin, amount: 999n }], [{ to: bob, amount: 999n }]);
    assertEquals(codeOf(() => checkTxInputs(less, lookupOf(genesis), v)), "unbalanced");
  }
});

Deno.test("checkTxInputs() rejects tampered outputs and foreign signatures", () => {
  const ok = pay([gCoin], [{ to: bob, amount: 400n }]);
  const redirected: Tx = {
    ...ok,
    outputs: [{ amount: 400n, address: hash160(carol.publicKey) }, ok.outputs[1]],
  };
  const shifted: Tx = {
    ...ok,
    outputs: [{ amount: 401n, address: ok.outputs[0].address }, {
      amount: 599n,
      address: ok.outputs[1].address,
    }],
  };
  const retimed: Tx = { ...ok, timestamp: ok.timestamp + 1 };
  const other = pay([gCoin], [{ to: carol, amount: 1n }]);
  const swappedSig: Tx = {
    ...ok,
    inputs: [{ ...ok.inputs[0], signature: other.inputs[0].signature }],
  };
  for (const v of both) {
    for (const t of [redirected, shifted, retimed, swappedSig]) {
      assertEquals(codeOf(() => checkTxInputs(t, lookupOf(genesis), v)), "bad-signature");
    }
  }
});

Deno.test("signTx() signs every input over the same digest", () => {
  const a = pay([gCoin], [{ to: bob, amount: 400n }, { to: carol, amount: 600n }]);
  const [toBob, toCarol] = coinsOf(a, [bob, carol]);
  const merge = signTx(
    [{ txid: toBob.txid, index: 0, keys: bob }, { txid: toCarol.txid, index: 1, keys: carol }],
    [{ amount: 1000n, address: hash160(alice.publicKey) }],
    T0 + 2000,
  );
  for (const v of both) checkTxInputs(merge, lookupOf(genesis, a), v);
  const swapped: Tx = { ...merge, inputs: [merge.inputs[1], merge.inputs[0]] };
  assertEquals(
    codeOf(() => checkTxInputs(swapped, lookupOf(genesis, a), verifyMessageNative)),
    "bad-signature",
  );
});

Deno.test("checkGenesis() accepts an input-less tx and rejects others", () => {
  checkGenesis(genesis);
  const ok = pay([gCoin], [{ to: bob, amount: 400n }]);
  assertEquals(codeOf(() => checkGenesis(ok)), "bad-genesis");
  assertEquals(codeOf(() => checkGenesis({ ...genesis, outputs: [] })), "no-outputs");
  assertThrows(
    () => checkGenesis({ ...genesis, outputs: [{ amount: 0n, address: new Uint8Array(20) }] }),
    RuleError,
  );
});
