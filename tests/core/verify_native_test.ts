/**
 * The project's verify path on both backends (node:crypto and libsecp256k1) must give exactly
 * noble's answer on every input, including the ones an attacker chooses: high-S twins,
 * corrupted signatures, messages and keys, and out-of-range or wrongly sized values. Randomness is seeded so a failure reproduces.
 */
import assert from "node:assert/strict";
import * as secp from "@noble/secp256k1";
import { sha256 } from "../../lib/core/hash.ts";
import { randomKeyPair } from "../../lib/core/keys.ts";
import { initSigning, isLowS, signMessage } from "../../lib/core/sign.ts";
import { verifyMessageNative } from "../../lib/core/verify_native.ts";
import { verifyAll } from "../helpers/verify_backends.ts";
import { bigIntToBytes, bytesToBigInt, flipS, N, P, seededBytes } from "./vectors.ts";

initSigning();

const ROUNDS = 500;

/** Every verifier's verdict; asserts they are equal and returns the common answer. */
function agree(sig: Uint8Array, msg: Uint8Array, pk: Uint8Array, what: string): boolean {
  return verifyAll(sig, msg, pk, what);
}

function flipBit(b: Uint8Array, bit: number): Uint8Array {
  const out = Uint8Array.from(b);
  out[bit >> 3] ^= 1 << (bit & 7);
  return out;
}

Deno.test(`both backends equal verifyMessageNoble() on ${ROUNDS} random keys`, () => {
  const rand = seededBytes("crackcoin verify_native_test v1", sha256);
  const pick = (n: number) => new DataView(rand(4).buffer).getUint32(0) % n;
  const tally = { valid: 0, highS: 0, badSig: 0, badMsg: 0, badKey: 0, otherKey: 0 };
  let previous = randomKeyPair(rand);
  for (let i = 0; i < ROUNDS; i++) {
    const keys = randomKeyPair(rand);
    const msg = rand(pick(120));
    const sig = signMessage(msg, keys.secretKey);
    const pk = keys.publicKey;
    assert.ok(isLowS(sig));
    assert.equal(agree(sig, msg, pk, `round ${i} valid`), true);
    tally.valid++;

    // The high-S twin is a correct plain-ECDSA signature that our low-S rule refuses.
    const twin = flipS(sig);
    assert.equal(secp.verify(twin, msg, pk, { lowS: false }), true);
    assert.equal(agree(twin, msg, pk, `round ${i} high-S`), false);
    tally.highS++;

    const badSig = flipBit(sig, pick(512));
    assert.equal(agree(badSig, msg, pk, `round ${i} sig bit`), false);
    tally.badSig++;

    const badMsg = msg.length > 0 ? flipBit(msg, pick(msg.length * 8)) : Uint8Array.of(0);
    assert.equal(agree(sig, badMsg, pk, `round ${i} msg bit`), false);
    tally.badMsg++;

    // A flipped key bit yields another point, an invalid encoding or a point not on the curve.
    const badKey = flipBit(pk, pick(pk.length * 8));
    assert.equal(agree(sig, msg, badKey, `round ${i} key bit`), false);
    tally.badKey++;

    assert.equal(agree(sig, msg, previous.publicKey, `round ${i} other key`), false);
    tally.otherKey++;
    previous = keys;
  }
  assert.deepEqual(tally, {
    valid: ROUNDS,
    highS: ROUNDS,
    badSig: ROUNDS,
    badMsg: ROUNDS,
    badKey: ROUNDS,
    otherKey: ROUNDS,
  });
});

Deno.test("both backends equal noble on out-of-range and malformed inputs", () => {
  const rand = seededBytes("crackcoin verify_native_test edge v1", sha256);
  const keys = randomKeyPair(rand);
  const msg = rand(32);
  const sig = signMessage(msg, keys.secretKey);
  const r = sig.subarray(0, 32);
  const s = sig.subarray(32);
  const join = (a: Uint8Array, b: Uint8Array) => {
    const out = new Uint8Array(64);
    out.set(a);
    out.set(b, 32);
    return out;
  };
  const scalars = [0n, 1n, N - 1n, N, N + 1n, (1n << 256n) - 1n].map((v) => bigIntToBytes(v));
  const sigs: Uint8Array[] = [
    new Uint8Array(0),
    sig.subarray(0, 63),
    Uint8Array.of(...sig, 0),
    Uint8Array.of(0x30, ...sig),
    ...scalars.map((x) => join(x, s)),
    ...scalars.map((x) => join(r, x)),
    join(r, bigIntToBytes(N - bytesToBigInt(s))), // the high-S twin again
    join(bigIntToBytes((bytesToBigInt(r) + N) % (1n << 256n)), s), // r + n, if it fits
  ];
  const keysToTry: Uint8Array[] = [
    keys.publicKey,
    new Uint8Array(33),
    Uint8Array.of(0x04, ...keys.publicKey.subarray(1)),
    Uint8Array.of(0x02, ...bigIntToBytes(P)),
    Uint8Array.of(0x02, ...bigIntToBytes(P + 1n)),
    keys.publicKey.subarray(0, 32),
    secp.getPublicKey(keys.secretKey, false), // uncompressed: not our wire format
  ];
  let cases = 0;
  for (const k of keysToTry) {
    for (const x of sigs) {
      agree(x, msg, k, `sig ${x.length}B key ${k.length}B`);
      cases++;
    }
  }
  assert.equal(cases, keysToTry.length * sigs.length);
  // Only the untouched signature with the compressed key verifies.
  assert.equal(verifyMessageNative(sig, msg, keys.publicKey), true);
  assert.equal(verifyMessageNative(sig, msg, secp.getPublicKey(keys.secretKey, false)), false);
});
