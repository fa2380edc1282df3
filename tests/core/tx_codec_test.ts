/**
 * Properties of the canonical transaction codec (docs/PROTOCOL.md §4) and of what signatures
 * commit to (§5): round trips, truncation, fuzzing, limits, tampering and txid sensitivity.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { WireError } from "../../lib/core/errors.ts";
import { sha256 } from "../../lib/core/hash.ts";
import { type KeyPair, randomKeyPair } from "../../lib/core/keys.ts";
import { initSigning, signTx, verifyTxSignaturesNoble } from "../../lib/core/sign.ts";
import {
  decodeOutputs,
  decodeTx,
  encodedInputCount,
  encodedPublicKey,
  encodedSignature,
  encodeTx,
  INPUT_BYTES,
  MAX_INPUTS,
  MAX_OUTPUTS,
  MAX_TX_BYTES,
  OUTPUT_BYTES,
  sighashMessage,
  sighashOfEncoding,
  type Tx,
  TX_FIXED_BYTES,
  txid,
  txidOfEncoding,
} from "../../lib/core/tx.ts";
import { verifyMessageNative } from "../../lib/core/verify_native.ts";
import { flipS, seededBytes } from "./vectors.ts";

initSigning();

const bytes = (n: number) => fc.uint8Array({ minLength: n, maxLength: n });

const inputArb = fc.record({
  txid: bytes(32),
  index: fc.integer({ min: 0, max: 255 }),
  publicKey: bytes(33),
  signature: bytes(64),
}).map((r) => ({ ...r })); // fc.record() objects have a null prototype; deepEqual minds that
const outputArb = fc.record({
  amount: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
  address: bytes(20),
}).map((r) => ({ ...r }));
/**
 * Any transaction the codec can carry: it checks shape, not validity rules. Size "max" lets
 * counts reach the limits; "small" (fast-check's default) keeps most to about ten items.
 */
const makeTxArb = (size: "small" | "max"): fc.Arbitrary<Tx> =>
  fc.record({
    version: fc.constant(1),
    timestamp: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
    inputs: fc.array(inputArb, { minLength: 0, maxLength: MAX_INPUTS, size }),
    outputs: fc.array(outputArb, { minLength: 0, maxLength: MAX_OUTPUTS, size }),
  }).map((r) => ({ ...r }));
const txArb = makeTxArb("max");

/** Runs `fn` and reports whether it threw WireError; any other exception fails the test. */
function throwsWireError(fn: () => unknown): boolean {
  try {
    fn();
    return false;
  } catch (e) {
    if (e instanceof WireError) return true;
    throw e;
  }
}

/** The largest transaction the codec accepts, all fields at their maxima. */
const LARGEST_TX: Tx = {
  version: 1,
  timestamp: Number.MAX_SAFE_INTEGER,
  inputs: Array.from({ length: MAX_INPUTS }, () => ({
    txid: new Uint8Array(32).fill(0xff),
    index: 255,
    publicKey: new Uint8Array(33).fill(0xff),
    signature: new Uint8Array(64).fill(0xff),
  })),
  outputs: Array.from({ length: MAX_OUTPUTS }, () => ({
    amount: (1n << 64n) - 1n,
    address: new Uint8Array(20).fill(0xff),
  })),
};

const sameBytes = (a: Uint8Array, b: Uint8Array) =>
  a.length === b.length && a.every((x, i) => x === b[i]);

Deno.test("decodeTx(encodeTx(tx)) round-trips random transactions, byte for byte", () => {
  fc.assert(
    fc.property(txArb, (tx) => {
      const enc = encodeTx(tx);
      assert.equal(
        enc.length,
        TX_FIXED_BYTES + tx.inputs.length * INPUT_BYTES + tx.outputs.length * OUTPUT_BYTES,
      );
      assert.ok(enc.length <= MAX_TX_BYTES);
      const back = decodeTx(enc);
      assert.deepEqual(back, { ...tx, inputs: [...tx.inputs], outputs: [...tx.outputs] });
      assert.ok(sameBytes(encodeTx(back), enc));
      assert.deepEqual(decodeOutputs(enc), [...tx.outputs]);
    }),
    { numRuns: 300, examples: [[LARGEST_TX]] },
  );
});

Deno.test("decodeOutputs() throws WireError on every strict prefix and on extra bytes", () => {
  fc.assert(
    fc.property(txArb, (tx) => {
      const enc = encodeTx(tx);
      for (let n = 0; n < enc.length; n++) {
        assert.ok(throwsWireError(() => decodeOutputs(enc.subarray(0, n))), `prefix ${n}`);
      }
      assert.ok(throwsWireError(() => decodeOutputs(Uint8Array.of(...enc, 0))));
    }),
    { numRuns: 40, examples: [[LARGEST_TX]] },
  );
});

Deno.test("decodeTx() throws WireError on every strict prefix of a valid encoding", () => {
  let prefixes = 0;
  fc.assert(
    fc.property(txArb, (tx) => {
      const enc = encodeTx(tx);
      for (let n = 0; n < enc.length; n++) {
        assert.ok(throwsWireError(() => decodeTx(enc.subarray(0, n))), `prefix ${n}`);
        prefixes++;
      }
    }),
    { numRuns: 40, examples: [[LARGEST_TX]] },
  );
  assert.ok(prefixes > 1000);
});

Deno.test("decodeTx() throws WireError when bytes are appended to a valid encoding", () => {
  fc.assert(
    fc.property(txArb, fc.uint8Array({ minLength: 1, maxLength: 200 }), (tx, extra) => {
      const enc = encodeTx(tx);
      const longer = new Uint8Array(enc.length + extra.length);
      longer.set(enc);
      longer.set(extra, enc.length);
      assert.ok(throwsWireError(() => decodeTx(longer)));
    }),
    { numRuns: 300 },
  );
});

Deno.test("decodeTx() on random bytes either round-trips or throws WireError", () => {
  let decoded = 0;
  const check = (b: Uint8Array) => {
    let tx: Tx;
    try {
      tx = decodeTx(b);
    } catch (e) {
      if (e instanceof WireError) return;
      throw e;
    }
    decoded++;
    assert.ok(sameBytes(encodeTx(tx), b), "a decodable input must be canonical");
  };
  // Pure noise: almost all of it fails early, which exercises the header checks.
  fc.assert(fc.property(fc.uint8Array({ maxLength: 400 }), check), { numRuns: 20_000 });
  // Noise that looks like a transaction: a valid encoding with bytes overwritten, cut or
  // extended, so the count, length and trailing-byte checks are reached too.
  const mutated = fc.tuple(
    makeTxArb("small"),
    fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }),
    fc.integer({ min: -3, max: 3 }),
  ).map(([tx, edits, resize]) => {
    const enc = encodeTx(tx);
    for (const [pos, val] of edits) enc[pos % enc.length] = val;
    if (resize <= 0) return enc.subarray(0, Math.max(0, enc.length + resize));
    return Uint8Array.of(...enc, ...new Uint8Array(resize));
  });
  fc.assert(fc.property(mutated, check), { numRuns: 20_000 });
  assert.ok(decoded > 1000, `only ${decoded} mutated inputs decoded`);
});

Deno.test("decodeTx() throws WireError on counts above the limits and bad headers", () => {
  const base = encodeTx({ version: 1, timestamp: 5, inputs: [], outputs: [] });
  // [version][timestamp u64][input count] ... [output count]
  for (let n = MAX_INPUTS + 1; n <= 255; n++) {
    const b = new Uint8Array(TX_FIXED_BYTES + n * INPUT_BYTES);
    b.set(base.subarray(0, 9));
    b[9] = n;
    assert.ok(throwsWireError(() => decodeTx(b)), `${n} inputs`);
  }
  for (let n = MAX_OUTPUTS + 1; n <= 255; n++) {
    const b = new Uint8Array(TX_FIXED_BYTES + n * OUTPUT_BYTES);
    b.set(base);
    b[10] = n;
    assert.ok(throwsWireError(() => decodeTx(b)), `${n} outputs`);
  }
  // One input or output too many, built by the encoder itself, is refused by the decoder.
  const input = {
    txid: new Uint8Array(32),
    index: 0,
    publicKey: new Uint8Array(33),
    signature: new Uint8Array(64),
  };
  const output = { amount: 1n, address: new Uint8Array(20) };
  const tooManyIn = encodeTx({
    version: 1,
    timestamp: 0,
    inputs: Array(MAX_INPUTS + 1).fill(input),
    outputs: [output],
  });
  assert.ok(throwsWireError(() => decodeTx(tooManyIn)));
  const tooManyOut = encodeTx({
    version: 1,
    timestamp: 0,
    inputs: [input],
    outputs: Array(MAX_OUTPUTS + 1).fill(output),
  });
  assert.ok(throwsWireError(() => decodeTx(tooManyOut)));
  assert.ok(throwsWireError(() => decodeTx(new Uint8Array(MAX_TX_BYTES + 1))));
  for (const version of [0, 2, 255]) {
    const b = Uint8Array.from(base);
    b[0] = version;
    assert.ok(throwsWireError(() => decodeTx(b)), `version ${version}`);
  }
  // A timestamp above 2^53 - 1 cannot be a JS number exactly, so it is malformed.
  const late = Uint8Array.from(base);
  new DataView(late.buffer).setBigUint64(1, BigInt(Number.MAX_SAFE_INTEGER) + 1n);
  assert.ok(throwsWireError(() => decodeTx(late)));
});

// ---- Signatures commit to the transaction -------------------------------------------------

const rand = seededBytes("crackcoin tx_codec_test v1", sha256);
const KEYS: KeyPair[] = Array.from({ length: 4 }, () => randomKeyPair(rand));

/** The native path: every input's signature over the sighash, through node:crypto. */
function verifyTxSignaturesNative(tx: Tx): boolean {
  const msg = sighashMessage(tx);
  return tx.inputs.every((i) => verifyMessageNative(i.signature, msg, i.publicKey));
}

function rejectedByBoth(tx: Tx, what: string): void {
  // The tampered transaction is still well-formed on the wire: only signatures catch it.
  assert.deepEqual(decodeTx(encodeTx(tx)), tx, what);
  assert.equal(verifyTxSignaturesNoble(tx), false, `noble accepted ${what}`);
  assert.equal(verifyTxSignaturesNative(tx), false, `native accepted ${what}`);
}

function signedTx(nIn: number, nOut: number): Tx {
  return signTx(
    Array.from({ length: nIn }, (_, i) => ({ txid: rand(32), index: i, keys: KEYS[i % 4] })),
    Array.from({ length: nOut }, () => ({ amount: 1n + BigInt(rand(1)[0]), address: rand(20) })),
    1_700_000_000_000,
  );
}

Deno.test("signTx(): changing any output, outpoint or S is rejected by noble and native", () => {
  for (const [nIn, nOut] of [[1, 2], [2, 1], [3, 4]]) {
    const tx = signedTx(nIn, nOut);
    assert.equal(verifyTxSignaturesNoble(tx), true);
    assert.equal(verifyTxSignaturesNative(tx), true);
    const withOutputs = (f: (o: Tx["outputs"][number], j: number) => Tx["outputs"][number]) =>
      tx.outputs.map(f);
    for (let j = 0; j < nOut; j++) {
      rejectedByBoth(
        { ...tx, outputs: withOutputs((o, k) => k === j ? { ...o, amount: o.amount + 1n } : o) },
        `amount+1 of output ${j}`,
      );
      for (let bit = 0; bit < 160; bit += 37) {
        rejectedByBoth(
          {
            ...tx,
            outputs: withOutputs((o, k) => {
              if (k !== j) return o;
              const address = Uint8Array.from(o.address);
              address[bit >> 3] ^= 1 << (bit & 7);
              return { ...o, address };
            }),
          },
          `address bit ${bit} of output ${j}`,
        );
      }
    }
    rejectedByBoth({ ...tx, outputs: [...tx.outputs, tx.outputs[0]] }, "an added output");
    rejectedByBoth({ ...tx, timestamp: tx.timestamp + 1 }, "the timestamp");
    for (let i = 0; i < nIn; i++) {
      const edit = (f: (x: Tx["inputs"][number]) => Tx["inputs"][number]) => ({
        ...tx,
        inputs: tx.inputs.map((x, k) => k === i ? f(x) : x),
      });
      rejectedByBoth(edit((x) => ({ ...x, signature: flipS(x.signature) })), `S of input ${i}`);
      rejectedByBoth(edit((x) => ({ ...x, index: x.index ^ 1 })), `index of input ${i}`);
      const other = Uint8Array.from(tx.inputs[i].txid);
      other[31] ^= 0x80;
      rejectedByBoth(edit((x) => ({ ...x, txid: other })), `txid of input ${i}`);
    }
  }
});

Deno.test("txid() changes when any byte of the encoding changes", () => {
  const tx = signedTx(2, 3);
  const enc = encodeTx(tx);
  const id = txid(tx);
  assert.ok(sameBytes(txidOfEncoding(enc), id));
  let decodable = 0;
  for (let i = 0; i < enc.length; i++) {
    const changed = Uint8Array.from(enc);
    changed[i] ^= 1 + (rand(1)[0] % 255);
    assert.ok(!sameBytes(txidOfEncoding(changed), id), `byte ${i}`);
    if (!throwsWireError(() => decodeTx(changed))) {
      decodable++;
      assert.ok(!sameBytes(txid(decodeTx(changed)), id), `decoded byte ${i}`);
    }
  }
  // Every changed byte still decodes except the version, the two counts and the timestamp's
  // top 11 bits (a timestamp above 2^53 - 1 is malformed), which live in bytes 1 and 2.
  assert.ok(decodable >= enc.length - 5 && decodable <= enc.length - 4, `${decodable}`);
});

Deno.test("sighashOfEncoding() and the in-place key and signature readers agree with decodeTx()", () => {
  fc.assert(
    fc.property(txArb, (tx) => {
      const raw = encodeTx(tx);
      assert.equal(encodedInputCount(raw), tx.inputs.length);
      assert.deepEqual(sighashOfEncoding(raw), sighashMessage(tx));
      tx.inputs.forEach((inp, i) => {
        assert.deepEqual(encodedPublicKey(raw, i), inp.publicKey);
        assert.deepEqual(encodedSignature(raw, i), inp.signature);
      });
    }),
    { numRuns: 300 },
  );
});

Deno.test("encodedInputCount() refuses an encoding whose counts and length disagree", () => {
  fc.assert(
    fc.property(makeTxArb("small"), fc.integer({ min: 1, max: 40 }), (tx, cut) => {
      const raw = encodeTx(tx);
      // Shorter or longer by any amount, or a count raised by one: the layout no longer holds.
      assert.throws(
        () => encodedInputCount(raw.subarray(0, Math.max(0, raw.length - cut))),
        WireError,
      );
      const longer = new Uint8Array(raw.length + cut);
      longer.set(raw);
      assert.throws(() => encodedInputCount(longer), WireError);
      if (tx.inputs.length < MAX_INPUTS) {
        const more = raw.slice();
        more[9]++;
        assert.throws(() => encodedInputCount(more), WireError);
      }
    }),
    { numRuns: 200 },
  );
  const tooMany = new Uint8Array(TX_FIXED_BYTES + (MAX_INPUTS + 1) * INPUT_BYTES);
  tooMany[0] = 1;
  tooMany[9] = MAX_INPUTS + 1;
  assert.throws(() => encodedInputCount(tooMany), WireError);
});
