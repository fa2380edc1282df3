/**
 * ECDSA verification against Wycheproof's secp256k1/SHA-256 files (C2SP/wycheproof).
 * Each case is run through every verifier: noble (reference), and the project's path on both
 * backends, node:crypto and libsecp256k1 (tests/helpers/verify_backends.ts); all must agree.
 *
 * Our rule is low-S (docs/PROTOCOL.md §5). Plain ECDSA accepts both s and n − s, so a
 * Wycheproof case that is "valid" with s > n/2 is one we must reject; for each such case we
 * check that the normalised signature (r, n − s) verifies, which shows the rejection comes
 * from the low-S rule and not from a broken verifier.
 */
import assert from "node:assert/strict";
import { fromHex } from "../../lib/core/hash.ts";
import { isLowS } from "../../lib/core/sign.ts";
import { ADDON, HAS_PREBUILT, verifyAll } from "../helpers/verify_backends.ts";
import { DerError, derToCompact, parseDerSignature } from "./der.ts";
import { bytesToBigInt, compressWycheproofKey, flipS, readVectorJson } from "./vectors.ts";

interface WycheproofTest {
  tcId: number;
  comment: string;
  flags: string[];
  msg: string;
  sig: string;
  result: "valid" | "invalid" | "acceptable";
}
interface WycheproofFile {
  numberOfTests: number;
  testGroups: {
    publicKey: { wx: string; wy: string; uncompressed: string };
    sha: string;
    tests: WycheproofTest[];
  }[];
}

interface Tally {
  total: number;
  valid: number;
  invalid: number;
  /** Valid for plain ECDSA, but high-S: we reject and check the n − s twin instead. */
  highS: number;
  /** The signature bytes could not be turned into a 64-byte compact signature. */
  unparsable: number;
}

/** Every verifier, which must also agree with each other on every input. */
function verifyBoth(sig: Uint8Array, msg: Uint8Array, pk: Uint8Array, what: string): boolean {
  return verifyAll(sig, msg, pk, what);
}

Deno.test("the Wycheproof runs include libsecp256k1 wherever a prebuilt addon exists", () => {
  assert.equal(ADDON !== null, HAS_PREBUILT);
});

/**
 * Run a Wycheproof file. `toCompact` returns null when the signature cannot be expressed as
 * r‖s (wrong size, bad DER), which counts as a rejection. `lowSExpected` says whether the
 * file's own verdict already includes the low-S rule (the bitcoin variant).
 */
function runFile(
  name: string,
  toCompact: (sig: Uint8Array) => Uint8Array | null,
  lowSExpected: boolean,
): Tally {
  const file = readVectorJson<WycheproofFile>(name);
  const t: Tally = { total: 0, valid: 0, invalid: 0, highS: 0, unparsable: 0 };
  for (const group of file.testGroups) {
    assert.equal(group.sha, "SHA-256");
    const pk = compressWycheproofKey(group.publicKey.wx, group.publicKey.wy);
    // The compressed key must name the same point as the uncompressed one in the file.
    assert.equal(
      bytesToBigInt(pk.subarray(1)),
      bytesToBigInt(fromHex(group.publicKey.uncompressed).subarray(1, 33)),
    );
    for (const tc of group.tests) {
      const what = `${name} tcId ${tc.tcId} (${tc.comment})`;
      assert.notEqual(tc.result, "acceptable", `${what}: no "acceptable" cases expected`);
      t.total++;
      if (tc.result === "valid") t.valid++;
      else t.invalid++;
      const msg = fromHex(tc.msg);
      const raw = fromHex(tc.sig);
      const sig = toCompact(raw);
      if (sig === null) {
        t.unparsable++;
        assert.equal(tc.result, "invalid", `${what}: a valid signature failed to parse`);
        // Handed over as they are, the bytes must be refused (not thrown on) by both.
        assert.equal(verifyBoth(raw, msg, pk, what), false, `${what}: raw bytes accepted`);
        continue;
      }
      const ok = verifyBoth(sig, msg, pk, what);
      if (tc.result === "valid" && !isLowS(sig)) {
        assert.ok(!lowSExpected, `${what}: file marks a high-S signature valid`);
        t.highS++;
        assert.equal(ok, false, `${what}: high-S must be rejected`);
        assert.equal(verifyBoth(flipS(sig), msg, pk, what), true, `${what}: n - s must verify`);
        continue;
      }
      assert.equal(ok, tc.result === "valid", what);
    }
  }
  assert.equal(t.total, file.numberOfTests);
  return t;
}

// Counts derived from the vector files by a separate strict-DER reader written in Python
// (not from the code under test): signatures that are not strict DER, and valid high-S cases.
const UNPARSABLE_BITCOIN = 232;
const UNPARSABLE_PLAIN = 234;
const HIGH_S_PLAIN = 72;

function compactOrNull(sig: Uint8Array): Uint8Array | null {
  return sig.length === 64 ? sig : null; // P1363 is r‖s already; other sizes are invalid
}

function derOrNull(der: Uint8Array): Uint8Array | null {
  try {
    return derToCompact(der);
  } catch (e) {
    if (e instanceof DerError) return null;
    throw e;
  }
}

Deno.test("Wycheproof P1363: every verifier matches every verdict, high-S rejected", () => {
  const t = runFile("ecdsa_secp256k1_sha256_p1363_test.json", compactOrNull, false);
  // Counts taken from the vector file itself (README and an independent Python pass).
  assert.deepEqual(t, { total: 252, valid: 167, invalid: 85, highS: 72, unparsable: 18 });
});

Deno.test("Wycheproof bitcoin (strict DER, low-S): verdicts match for every case", () => {
  const t = runFile("ecdsa_secp256k1_sha256_bitcoin_test.json", derOrNull, true);
  assert.equal(t.total, 463);
  assert.equal(t.valid, 162);
  assert.equal(t.invalid, 301);
  assert.equal(t.highS, 0);
  // Every DER-encoding and type-confusion case must be refused by the strict parser.
  assert.equal(t.unparsable, UNPARSABLE_BITCOIN);
});

Deno.test("Wycheproof plain ECDSA (DER): verdicts match, high-S valid cases flip to n - s", () => {
  const t = runFile("ecdsa_secp256k1_sha256_test.json", derOrNull, false);
  assert.equal(t.total, 476);
  assert.equal(t.valid, 168);
  assert.equal(t.invalid, 308);
  assert.equal(t.highS, HIGH_S_PLAIN);
  assert.equal(t.unparsable, UNPARSABLE_PLAIN);
});

Deno.test("parseDerSignature() refuses BER, non-minimal, negative and trailing encodings", () => {
  const ok = fromHex("3006020101020102");
  assert.deepEqual(parseDerSignature(ok), { r: 1n, s: 2n });
  const bad = [
    "", // empty
    "3006020101020102" + "00", // byte after the SEQUENCE
    "3007020101020102" + "00", // byte inside the SEQUENCE after s
    "308106020101020102", // long-form length for a short value
    "3080020101020102" + "0000", // indefinite length (BER)
    "30060201ff020102", // negative r
    "3007020200010201" + "02", // r with a superfluous leading zero
    "3006020101020002", // s with zero length
    "3106020101020102", // SET, not SEQUENCE
    "3006030101020102", // BIT STRING, not INTEGER
    "3005020101020102", // SEQUENCE length too short
    "300602010102", // truncated s
  ];
  for (const hex of bad) {
    assert.throws(() => parseDerSignature(fromHex(hex)), DerError, hex);
  }
  // A leading zero is required (and allowed) before a byte with the high bit set.
  assert.deepEqual(parseDerSignature(fromHex("300702020080020102")), { r: 0x80n, s: 2n });
  // 33-byte integers that exceed 256 bits cannot become compact signatures.
  const wide = "0221" + "01" + "00".repeat(32);
  assert.throws(() => derToCompact(fromHex("3026" + wide + "020101")), DerError);
});
