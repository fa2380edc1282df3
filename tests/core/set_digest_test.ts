/**
 * MuHash3072 (lib/core/set_digest.ts) against Bitcoin Core's `muhash_tests` check value
 * (tests/vectors/muhash_vectors.json, see SOURCES.md), a plain-arithmetic reference, and
 * multiset properties: order independence, insert-then-remove, combine = union, state round
 * trip, and the byte checks of `fromBytes`.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { chacha20 } from "@noble/ciphers/chacha.js";
import { fromHex, sha256, toHex } from "../../lib/core/hash.ts";
import {
  MuHash3072,
  MUHASH_MODULUS,
  MUHASH_STATE_BYTES,
  muHashElement,
  muHashProduct,
} from "../../lib/core/set_digest.ts";
import { readVectorJson } from "./vectors.ts";

interface MuHashVectors {
  construction: string;
  from_int: string;
  cases: { ops: string; finalize_uint256_display_hex?: string; property?: boolean }[];
}

const vectors = readVectorJson<MuHashVectors>("muhash_vectors.json");

/** Bitcoin Core's FromInt(i): a 32-byte buffer with byte 0 = i and the rest zero. */
function fromInt(i: number): Uint8Array {
  const b = new Uint8Array(32);
  b[0] = i;
  return b;
}

/** A uint256 in Bitcoin Core's display order is the raw digest byte-reversed. */
function displayHex(digest: Uint8Array): string {
  return toHex(digest.slice().reverse());
}

Deno.test("MUHASH_MODULUS is the modulus the vector file names, 2^3072 - 1103717", () => {
  assert.match(vectors.construction, /modulus 2\^3072 - 1103717;/);
  assert.equal(MUHASH_MODULUS, 2n ** 3072n - 1103717n);
});

Deno.test("MuHash3072 reproduces Bitcoin Core's muhash_tests check value by division", () => {
  const c = vectors.cases[0];
  assert.equal(c.ops, "FromInt(0) * FromInt(1) / FromInt(2)");
  const x = new MuHash3072().insert(fromInt(0));
  x.combine(new MuHash3072().insert(fromInt(1)));
  x.subtract(new MuHash3072().insert(fromInt(2)));
  assert.equal(displayHex(x.finalize()), c.finalize_uint256_display_hex);
});

Deno.test("MuHash3072 reproduces Bitcoin Core's muhash_tests check value by insert and remove", () => {
  const c = vectors.cases[1];
  assert.equal(c.ops, "start with FromInt(0); Insert([1, 0 x31]); Remove([2, 0 x31])");
  const x = new MuHash3072().insert(fromInt(0)).insert(fromInt(1)).remove(fromInt(2));
  assert.equal(displayHex(x.finalize()), c.finalize_uint256_display_hex);
  // The same value must survive persistence.
  assert.equal(
    displayHex(MuHash3072.fromBytes(x.toBytes()).finalize()),
    c.finalize_uint256_display_hex,
  );
});

const element = fc.uint8Array({ minLength: 0, maxLength: 40 });
const elements = fc.array(element, { maxLength: 12 });

function digestOf(items: readonly Uint8Array[]): MuHash3072 {
  const m = new MuHash3072();
  for (const it of items) m.insert(it);
  return m;
}

Deno.test("MuHash3072 satisfies the vector file's identity z*X*Y/(Y*X) = empty", () => {
  assert.equal(vectors.cases[2].property, true);
  const empty = new MuHash3072().finalize();
  fc.assert(
    fc.property(elements, elements, (xs, ys) => {
      const x = digestOf(xs), y = digestOf(ys);
      const z = new MuHash3072().combine(x).combine(y);
      z.subtract(y.clone().combine(x));
      assert.equal(toHex(z.finalize()), toHex(empty));
    }),
    { numRuns: 30 },
  );
});

/** One element's value with plain `%`, read from the keystream as one hex number. */
function value(e: Uint8Array): bigint {
  const ks = chacha20(sha256(e), new Uint8Array(12), new Uint8Array(384));
  return BigInt("0x" + (toHex(ks.slice().reverse()) || "0")) % (2n ** 3072n - 1103717n);
}

/** The construction with plain `%` and a Fermat inverse, as an independent reference. */
function referenceDigest(inserted: readonly Uint8Array[], removed: readonly Uint8Array[]) {
  const p = 2n ** 3072n - 1103717n;
  const modPow = (b: bigint, e: bigint) => {
    let r = 1n;
    for (b %= p; e > 0n; e >>= 1n, b = (b * b) % p) if (e & 1n) r = (r * b) % p;
    return r;
  };
  let num = 1n, den = 1n;
  for (const e of inserted) num = (num * value(e)) % p;
  for (const e of removed) den = (den * value(e)) % p;
  const q = (num * modPow(den, p - 2n)) % p;
  const le = fromHex(q.toString(16).padStart(768, "0")).reverse();
  return toHex(sha256(le));
}

Deno.test("MuHash3072.finalize() equals a plain-arithmetic reference of the construction", () => {
  fc.assert(
    fc.property(elements, fc.array(element, { maxLength: 3 }), (ins, rem) => {
      const m = digestOf(ins);
      for (const r of rem) m.remove(r);
      assert.equal(toHex(m.finalize()), referenceDigest(ins, rem));
    }),
    { numRuns: 8 },
  );
});

Deno.test("MuHash3072 digest does not depend on insertion order", () => {
  fc.assert(
    fc.property(
      elements.chain((xs) =>
        fc.tuple(
          fc.constant(xs),
          fc.shuffledSubarray(xs, { minLength: xs.length, maxLength: xs.length }),
        )
      ),
      ([xs, shuffled]) => {
        const a = digestOf(xs), b = digestOf(shuffled);
        assert.ok(a.equals(b));
        assert.equal(toHex(a.finalize()), toHex(b.finalize()));
      },
    ),
    { numRuns: 40 },
  );
});

Deno.test("MuHash3072 insert then remove of the same elements gives the starting digest", () => {
  fc.assert(
    fc.property(elements, elements, (base, extra) => {
      const m = digestOf(base);
      const before = m.finalize();
      for (const e of extra) m.insert(e);
      for (const e of [...extra].reverse()) m.remove(e);
      assert.ok(m.equals(digestOf(base)));
      assert.equal(toHex(m.finalize()), toHex(before));
    }),
    { numRuns: 40 },
  );
});

Deno.test("MuHash3072.combine() gives the digest of the multiset union", () => {
  fc.assert(
    fc.property(elements, elements, (xs, ys) => {
      const union = digestOf([...xs, ...ys]);
      const combined = digestOf(xs).combine(digestOf(ys));
      assert.ok(combined.equals(union));
      assert.equal(toHex(combined.finalize()), toHex(union.finalize()));
    }),
    { numRuns: 40 },
  );
});

Deno.test("MuHash3072 digests of different sets differ, and a multiset counts repeats", () => {
  fc.assert(
    fc.property(fc.uniqueArray(element, { minLength: 2, maxLength: 8, selector: toHex }), (xs) => {
      const all = digestOf(xs);
      const missing = digestOf(xs.slice(1));
      const twice = digestOf([xs[0], ...xs]);
      assert.ok(!all.equals(missing));
      assert.notEqual(toHex(all.finalize()), toHex(missing.finalize()));
      assert.notEqual(toHex(all.finalize()), toHex(twice.finalize()));
    }),
    { numRuns: 20 },
  );
});

Deno.test("MuHash3072.fromBytes(toBytes()) round-trips the state", () => {
  fc.assert(
    fc.property(elements, elements, (ins, rem) => {
      const m = digestOf(ins);
      for (const r of rem) m.remove(r);
      const bytes = m.toBytes();
      assert.equal(bytes.length, MUHASH_STATE_BYTES);
      const back = MuHash3072.fromBytes(bytes);
      assert.deepEqual(back.toBytes(), bytes);
      assert.equal(toHex(back.finalize()), toHex(m.finalize()));
      // The restored state keeps working: one more insert matches on both.
      const e = Uint8Array.of(7, 7, 7);
      assert.equal(toHex(back.insert(e).finalize()), toHex(m.insert(e).finalize()));
    }),
    { numRuns: 30 },
  );
});

Deno.test("MuHash3072.fromBytes() throws RangeError on wrong lengths", () => {
  const good = digestOf([Uint8Array.of(1)]).toBytes();
  for (const len of [0, 1, 383, 384, 767, 769, 1536]) {
    const b = new Uint8Array(len);
    b.set(good.subarray(0, Math.min(len, good.length)));
    assert.throws(() => MuHash3072.fromBytes(b), RangeError, `length ${len}`);
  }
  assert.throws(() => MuHash3072.fromBytes(good.subarray(0, 767)), /length=767/);
});

Deno.test("MuHash3072.fromBytes() throws RangeError on a zero or unreduced half", () => {
  const good = new MuHash3072().toBytes();
  const pLE = fromHex(MUHASH_MODULUS.toString(16).padStart(768, "0")).reverse();
  const cases: [string, Uint8Array][] = [
    ["zero numerator", Uint8Array.of(...new Uint8Array(384), ...good.subarray(384))],
    ["zero denominator", Uint8Array.of(...good.subarray(0, 384), ...new Uint8Array(384))],
    ["numerator = P", Uint8Array.of(...pLE, ...good.subarray(384))],
    [
      "denominator = all ones",
      Uint8Array.of(...good.subarray(0, 384), ...new Uint8Array(384).fill(255)),
    ],
  ];
  for (const [name, b] of cases) {
    assert.equal(b.length, MUHASH_STATE_BYTES);
    assert.throws(() => MuHash3072.fromBytes(b), RangeError, name);
  }
  // P − 1 is the largest valid value.
  const pMinus1 = fromHex((MUHASH_MODULUS - 1n).toString(16).padStart(768, "0")).reverse();
  MuHash3072.fromBytes(Uint8Array.of(...pMinus1, ...good.subarray(384)));
});

Deno.test("MuHash3072 methods throw TypeError on a wrong argument type", () => {
  const m = new MuHash3072();
  assert.throws(() => m.insert("ab" as unknown as Uint8Array), TypeError);
  assert.throws(() => m.remove([1, 2] as unknown as Uint8Array), TypeError);
  assert.throws(() => m.combine({} as unknown as MuHash3072), TypeError);
  assert.throws(() => MuHash3072.fromBytes(null as unknown as Uint8Array), TypeError);
  assert.throws(() => muHashElement(undefined as unknown as Uint8Array), TypeError);
});

Deno.test("MuHash3072.subtract() of itself gives the empty digest", () => {
  const m = digestOf([Uint8Array.of(1), Uint8Array.of(2)]);
  assert.equal(toHex(m.subtract(m).finalize()), toHex(new MuHash3072().finalize()));
});

Deno.test("docs/PROTOCOL.md §10.7 states the modulus and state size that set_digest.ts uses", async () => {
  const doc = await Deno.readTextFile(new URL("../../docs/PROTOCOL.md", import.meta.url));
  const i = doc.indexOf("### 10.7 Summary digest: MuHash3072");
  assert.ok(i >= 0, "PROTOCOL.md has §10.7");
  const section = doc.slice(i, doc.indexOf("\n## ", i));
  assert.equal(MUHASH_MODULUS, 2n ** 3072n - 1103717n);
  assert.ok(section.includes("P = 2^3072 − 1103717"));
  assert.ok(section.includes(`${MUHASH_STATE_BYTES} bytes: N ‖ D`));
  assert.ok(section.includes("all-zero 96-bit nonce"));
});

Deno.test("insertHashed(muHashProduct(elements)) adds exactly those elements", () => {
  fc.assert(
    fc.property(elements, elements, (before, batch) => {
      const each = digestOf(before);
      for (const b of batch) each.insert(b);
      const once = digestOf(before).insertHashed(muHashProduct(batch.map(muHashElement)));
      assert.ok(once.equals(each));
      assert.equal(toHex(once.finalize()), toHex(each.finalize()));
      // The element values are the plain-arithmetic ones (the little-endian read is exact).
      for (const b of batch) assert.equal(muHashElement(b), value(b));
    }),
    { numRuns: 20 },
  );
  assert.equal(muHashProduct([]), 1n);
  for (const bad of [0n, MUHASH_MODULUS, MUHASH_MODULUS + 5n, -1n]) {
    assert.throws(() => new MuHash3072().insertHashed(bad), RangeError);
    assert.throws(() => muHashProduct([bad]), RangeError);
  }
});

Deno.test("MuHash3072.finalize() folds a denominator in once and keeps every later digest exact", () => {
  const items = Array.from({ length: 6 }, (_, i) => Uint8Array.of(i, 7, i));
  const m = digestOf(items);
  m.remove(items[0]).remove(items[1]);
  const first = m.finalize();
  assert.deepEqual(first, digestOf(items.slice(2)).finalize());
  // The state's bytes now hold numerator / 1, the same multiset.
  const state = m.toBytes();
  assert.deepEqual(state.subarray(384), new MuHash3072().toBytes().subarray(384));
  assert.ok(MuHash3072.fromBytes(state).equals(digestOf(items.slice(2))));
  // Inserts after the fold, and another removal, stay exact.
  m.insert(items[0]);
  assert.deepEqual(m.finalize(), digestOf([items[0], ...items.slice(2)]).finalize());
  m.remove(items[5]);
  assert.deepEqual(m.finalize(), digestOf([items[0], items[2], items[3], items[4]]).finalize());
});
