/**
 * The backends and their choice (lib/verify/): libsecp256k1 loads where a prebuilt addon
 * exists, an unloadable addon falls back to node:crypto and says why, the prefix check keeps
 * the 0x05 keys that node:crypto accepts out, and byte views (as the workers pass them) give
 * the same answers as fresh arrays. The full cross-check against noble (random signatures, bit
 * flips, high-S twins, Wycheproof) is in tests/core/verify_native_test.ts and wycheproof_test.ts.
 */
import { assert, assertEquals } from "../helpers/assert.ts";
import * as secp from "@noble/secp256k1";
import { sha256, toHex } from "../../lib/core/hash.ts";
import { isValidPublicKey, randomKeyPair } from "../../lib/core/keys.ts";
import { signMessage, verifyMessageNoble } from "../../lib/core/sign.ts";
import { nodeCryptoVerify, passesVerifyPrechecks } from "../../lib/core/verify_native.ts";
import { NODE_CRYPTO_BACKEND, selectVerifyBackend } from "../../lib/verify/backend.ts";
import { AddonUnavailable, loadSecp256k1Addon } from "../../lib/verify/secp256k1_addon.ts";
import { bigIntToBytes, N, P, seededBytes } from "../core/vectors.ts";
import { ADDON, HAS_PREBUILT, VERIFIERS, verifyAll } from "../helpers/verify_backends.ts";

const rand = seededBytes("crackcoin verify backend_test v1", sha256);

function signed(n: number) {
  return Array.from({ length: n }, () => {
    const keys = randomKeyPair(rand);
    const msg = rand(32);
    return { sig: signMessage(msg, keys.secretKey), msg, pk: keys.publicKey };
  });
}

Deno.test("selectVerifyBackend() picks libsecp256k1 where a prebuilt addon exists", async () => {
  const b = await selectVerifyBackend();
  assertEquals(b.name, HAS_PREBUILT ? "libsecp256k1" : "node:crypto", b.detail);
  if (b.name === "libsecp256k1") assert(/\.node$/.test(b.detail), b.detail);
  assertEquals((await selectVerifyBackend({ prefer: "node:crypto" })).name, "node:crypto");
});

Deno.test("an addon folder without the addon falls back to node:crypto and says why", async () => {
  const missing = `${await Deno.makeTempDir({ prefix: "crackcoin-no-addon-" })}/gone`;
  try {
    let err: unknown;
    await loadSecp256k1Addon(missing).catch((e) => err = e);
    assert(err instanceof AddonUnavailable, String(err));
    assert(err.message.includes(missing), err.message);
    const b = await selectVerifyBackend({ addonDir: missing });
    assertEquals(b.name, "node:crypto");
    assertEquals(b.verify, NODE_CRYPTO_BACKEND.verify);
    assert(b.detail.startsWith("libsecp256k1 unavailable: "), b.detail);
    const [one] = signed(1);
    assertEquals(b.verify(one.sig, one.msg, one.pk), true);
    assertEquals(b.verify(one.sig, Uint8Array.of(...one.msg, 0), one.pk), false);
  } finally {
    await Deno.remove(missing.slice(0, -"/gone".length), { recursive: true });
  }
});

Deno.test("keys with a prefix other than 0x02/0x03 are refused, 0x05 included", () => {
  let acceptedByNodeAlone = 0;
  for (const { sig, msg, pk } of signed(40)) {
    for (let prefix = 0; prefix < 256; prefix++) {
      const key = Uint8Array.from(pk);
      key[0] = prefix;
      const ok = verifyAll(sig, msg, key, `prefix 0x${prefix.toString(16)}`);
      assertEquals(ok, prefix === pk[0]);
      if (prefix === 0x05 && nodeCryptoVerify(sig, msg, key)) acceptedByNodeAlone++;
    }
  }
  // node:crypto on its own takes 0x05 for a compressed point (OpenSSL's hybrid-form parsing):
  // this is why the prefix check runs before it. If a runtime stops doing so, the check stays.
  console.log(`node:crypto alone accepted ${acceptedByNodeAlone}/40 keys with prefix 0x05`);
  assert(!passesVerifyPrechecks(new Uint8Array(64).fill(1), Uint8Array.of(5, ...rand(32))));
});

Deno.test("the backends alone agree with noble whenever the prechecks pass", () => {
  let compared = 0;
  for (const { sig, msg, pk } of signed(60)) {
    for (let bit = 0; bit < 64 * 8; bit += 37) {
      const bad = Uint8Array.from(sig);
      bad[bit >> 3] ^= 1 << (bit & 7);
      for (const s of [sig, bad]) {
        if (!passesVerifyPrechecks(s, pk)) continue;
        const expected = verifyMessageNoble(s, msg, pk);
        assertEquals(nodeCryptoVerify(s, msg, pk), expected);
        if (ADDON) assertEquals(ADDON.ecdsaVerify(s, sha256(msg), pk), expected);
        compared++;
      }
    }
  }
  assert(compared > 60 * 10, `only ${compared} cases compared`);
});

Deno.test("views into a shared buffer (as the workers pass them) verify like fresh arrays", () => {
  const items = signed(16);
  // One buffer, fields at odd offsets, as verify_worker.ts slices them out of a batch.
  const buf = new Uint8Array(3 + items.length * (64 + 32 + 33));
  let off = 3;
  const views = items.map(({ sig, msg, pk }) => {
    const at = (b: Uint8Array) => {
      buf.set(b, off);
      off += b.length;
      return buf.subarray(off - b.length, off);
    };
    return { sig: at(sig), msg: at(msg), pk: at(pk) };
  });
  for (const [name, verify] of VERIFIERS) {
    views.forEach((v, i) => {
      assertEquals(verify(v.sig, v.msg, v.pk), true, `${name} #${i}`);
      const other = views[(i + 1) % views.length];
      assertEquals(verify(v.sig, other.msg, v.pk), false, `${name} #${i} other message`);
    });
  }
});

Deno.test("isValidPublicKey() (node:crypto decompression) equals noble's point check", () => {
  const fromNoble = (pk: Uint8Array) => {
    try {
      secp.Point.fromBytes(pk);
      return pk.length === 33 && (pk[0] === 2 || pk[0] === 3);
    } catch {
      return false;
    }
  };
  const xs: Uint8Array[] = [];
  for (let i = 0; i < 600; i++) xs.push(rand(32)); // about half are on the curve
  for (const v of [0n, 1n, 2n, 7n, P - 1n, P, P + 1n, (1n << 256n) - 1n, N]) {
    xs.push(bigIntToBytes(v));
  }
  const tally = { valid: 0, invalid: 0 };
  for (const x of xs) {
    for (const prefix of [0x02, 0x03, 0x04, 0x05]) {
      const pk = Uint8Array.of(prefix, ...x);
      const expected = fromNoble(pk);
      assertEquals(isValidPublicKey(pk), expected, `prefix ${prefix} x ${toHex(x)}`);
      assertEquals(isValidPublicKey(pk), expected, "the same answer from the cache");
      tally[expected ? "valid" : "invalid"]++;
    }
  }
  assert(tally.valid > 400 && tally.invalid > 1200, JSON.stringify(tally));
});
