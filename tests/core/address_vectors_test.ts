/**
 * Base58, Base58Check and address codec against Bitcoin Core's vector files
 * (tests/vectors/base58_encode_decode.json, key_io_valid.json, key_io_invalid.json).
 * Our address is Bitcoin's P2PKH construction with another version byte, so Core's
 * P2PKH/P2SH strings exercise exactly our codec once the version byte is a parameter.
 */
import assert from "node:assert/strict";
import {
  ADDRESS_VERSION,
  decodeAddress,
  decodeBase58,
  decodeBase58Check,
  encodeAddress,
  encodeBase58,
} from "../../lib/core/address.ts";
import { fromHex, toHex } from "../../lib/core/hash.ts";
import { readVectorJson } from "./vectors.ts";

type Base58Case = [hex: string, text: string];
interface KeyIoMeta {
  chain: "main" | "testnet4" | "signet" | "regtest";
  isPrivkey: boolean;
  isCompressed?: boolean;
  tryCaseFlip?: boolean;
}
type KeyIoValid = [text: string, payloadHex: string, meta: KeyIoMeta];

/** Base58Check version bytes per chain (Bitcoin Core chainparams): P2PKH, P2SH, WIF. */
const PREFIXES: Record<KeyIoMeta["chain"], { p2pkh: number; p2sh: number; wif: number }> = {
  main: { p2pkh: 0, p2sh: 5, wif: 128 },
  testnet4: { p2pkh: 111, p2sh: 196, wif: 239 },
  signet: { p2pkh: 111, p2sh: 196, wif: 239 },
  regtest: { p2pkh: 111, p2sh: 196, wif: 239 },
};

const P2PKH_SCRIPT = /^76a914([0-9a-f]{40})88ac$/;
const P2SH_SCRIPT = /^a914([0-9a-f]{40})87$/;
const BASE58_ALPHABET = /^[1-9A-HJ-NP-Za-km-z]+$/;

Deno.test("encodeBase58()/decodeBase58() reproduce all of Bitcoin Core's base58 pairs", () => {
  const cases = readVectorJson<Base58Case[]>("base58_encode_decode.json");
  assert.equal(cases.length, 21);
  let upper = 0;
  for (const [hex, text] of cases) {
    if (/[A-F]/.test(hex)) upper++;
    const bytes = fromHex(hex);
    assert.equal(encodeBase58(bytes), text, `encode ${hex}`);
    assert.equal(toHex(decodeBase58(text)), hex.toLowerCase(), `decode "${text}"`);
  }
  // The file's last entries use upper-case hex; make sure that path was exercised.
  assert.ok(upper >= 1);
});

Deno.test("decodeBase58() throws TypeError on characters outside the alphabet", () => {
  for (const bad of ["0", "O", "I", "l", "abc+", " 1", "1 "]) {
    assert.throws(() => decodeBase58(bad), TypeError, bad);
  }
});

Deno.test("key_io_valid: every Base58Check address decodes to version ‖ hash and re-encodes", () => {
  const cases = readVectorJson<KeyIoValid[]>("key_io_valid.json");
  assert.equal(cases.length, 70);
  let p2pkh = 0, p2sh = 0, wif = 0, segwit = 0;
  for (const [text, payloadHex, meta] of cases) {
    const prefixes = PREFIXES[meta.chain];
    assert.ok(prefixes, `unknown chain ${meta.chain}`);
    if (meta.isPrivkey) {
      // WIF: Base58Check(0x80/0xef ‖ secret ‖ [0x01 when the public key is compressed]).
      const payload = decodeBase58Check(text);
      assert.equal(payload[0], prefixes.wif, text);
      assert.equal(payload.length, meta.isCompressed ? 34 : 33, text);
      if (meta.isCompressed) assert.equal(payload[33], 0x01, text);
      assert.equal(toHex(payload.subarray(1, 33)), payloadHex, text);
      wif++;
      continue;
    }
    const pkh = P2PKH_SCRIPT.exec(payloadHex);
    const sh = P2SH_SCRIPT.exec(payloadHex);
    if (pkh === null && sh === null) {
      // Witness programs are bech32 strings, which our address format never uses.
      assert.ok(meta.tryCaseFlip !== undefined || !BASE58_ALPHABET.test(text), text);
      segwit++;
      continue;
    }
    const version = pkh !== null ? prefixes.p2pkh : prefixes.p2sh;
    const hashHex = (pkh ?? sh)![1];
    const payload = decodeBase58Check(text);
    assert.equal(toHex(payload), version.toString(16).padStart(2, "0") + hashHex, text);
    assert.equal(encodeAddress(fromHex(hashHex), version), text);
    assert.equal(toHex(decodeAddress(text, version)), hashHex, text);
    // The same string must not pass as one of our own addresses.
    assert.throws(() => decodeAddress(text, ADDRESS_VERSION), TypeError, text);
    if (pkh !== null) p2pkh++;
    else p2sh++;
  }
  assert.deepEqual({ p2pkh, p2sh, wif, segwit }, { p2pkh: 11, p2sh: 11, wif: 16, segwit: 32 });
});

Deno.test("key_io_invalid: no string decodes as an address for any version we know", () => {
  const cases = readVectorJson<[string][]>("key_io_invalid.json");
  assert.equal(cases.length, 70);
  const versions = [0, 5, 111, 196, ADDRESS_VERSION];
  let base58 = 0, other = 0;
  for (const [text] of cases) {
    if (BASE58_ALPHABET.test(text)) base58++;
    else other++;
    for (const v of versions) {
      assert.throws(() => decodeAddress(text, v), TypeError, `"${text}" as version ${v}`);
    }
  }
  // 34 Base58-alphabet strings; the rest are bech32/bech32m strings and one empty string.
  assert.deepEqual({ base58, other }, { base58: 34, other: 36 });
});

Deno.test("decodeAddress() rejects a one-character typo of a valid address", () => {
  const cases = readVectorJson<KeyIoValid[]>("key_io_valid.json");
  const alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
  let checked = 0;
  for (const [text, payloadHex, meta] of cases) {
    const m = P2PKH_SCRIPT.exec(payloadHex);
    if (meta.isPrivkey || m === null) continue;
    const version = PREFIXES[meta.chain].p2pkh;
    for (let i = 0; i < text.length; i++) {
      const replacement = alphabet[(alphabet.indexOf(text[i]) + 1) % alphabet.length];
      const typo = text.slice(0, i) + replacement + text.slice(i + 1);
      assert.throws(() => decodeAddress(typo, version), TypeError, typo);
      checked++;
    }
  }
  assert.ok(checked > 300);
});
