/**
 * Third-party vectors for the wallet's cryptography, through the calls lib/wallet/ makes:
 * BIP 39 (trezor/python-mnemonic, 24 English entries), BIP 32 (bitcoin/bips, vectors 1-5
 * including the invalid keys of vector 5) and XChaCha20-Poly1305 (draft-irtf-cfrg-xchacha-03
 * A.3.1). Provenance: tests/vectors/SOURCES.md.
 * @module
 */
import { HDKey } from "@scure/bip32";
import { xchacha20poly1305 } from "@noble/ciphers/chacha.js";
import { assert, assertEquals, assertThrows } from "../helpers/assert.ts";
import { fromHex, toHex } from "../../lib/core/hash.ts";
import {
  checkMnemonic,
  masterKey,
  mnemonicFromEntropy,
  seedFromMnemonic,
} from "../../lib/wallet/hd.ts";
import { WalletError } from "../../lib/wallet/errors.ts";

const dir = new URL("../vectors/", import.meta.url);
const bip39 = JSON.parse(await Deno.readTextFile(new URL("bip39_vectors.json", dir))) as {
  english: [string, string, string, string][];
};
const bip32Text = await Deno.readTextFile(new URL("bip32_test_vectors.txt", dir));

Deno.test("BIP 39: 24 English vectors, entropy -> words -> seed (TREZOR) -> root xprv", () => {
  assertEquals(bip39.english.length, 24);
  for (const [entropy, words, seed, xprv] of bip39.english) {
    assertEquals(mnemonicFromEntropy(fromHex(entropy)), words);
    assertEquals(checkMnemonic(words), words);
    const s = seedFromMnemonic(words, "TREZOR");
    assertEquals(toHex(s), seed);
    assertEquals(masterKey(s).privateExtendedKey, xprv);
  }
});

Deno.test("checkMnemonic() names the position of an unknown word and refuses a bad checksum", () => {
  const words = bip39.english[1][1].split(" ");
  const typo = [...words];
  typo[4] = typo[4] + "x";
  const e = assertThrows(() => checkMnemonic(typo.join(" ")), WalletError);
  assert(/^Word 5 of 12 /.test(e.message), e.message);
  assert(!e.message.includes(words[0]), "no valid word quoted");
  // Swapping two different words keeps every word valid but breaks the checksum.
  const swapped = [...words];
  [swapped[0], swapped[1]] = [words[1], words[0]];
  if (words[0] !== words[1]) {
    const c = assertThrows(() => checkMnemonic(swapped.join(" ")), WalletError);
    assert(c.message.includes("checksum"), c.message);
  }
  assertThrows(() => checkMnemonic(words.slice(0, 11).join(" ")), WalletError, "got 11");
  // Case and spacing do not matter.
  assertEquals(checkMnemonic("  " + words.join("   ").toUpperCase() + "\n"), words.join(" "));
});

interface Bip32Vector {
  seed: string;
  chains: { path: string; xpub: string; xprv: string }[];
}

function parseBip32(text: string): { vectors: Bip32Vector[]; invalid: [string, string][] } {
  const vectors: Bip32Vector[] = [];
  const invalid: [string, string][] = [];
  const sections = text.split(/^===Test vector \d+===$/m).slice(1);
  for (const sec of sections) {
    const seed = /^Seed \(hex\): ([0-9a-f]+)$/m.exec(sec)?.[1];
    if (seed) {
      const chains = [...sec.matchAll(
        /^\* Chain (\S+)\n\*\* ext pub: (\w+)\n\*\* ext prv: (\w+)$/gm,
      )].map((m) => ({ path: m[1].replaceAll("<sub>H</sub>", "'"), xpub: m[2], xprv: m[3] }));
      vectors.push({ seed, chains });
    } else {
      for (const m of sec.matchAll(/^\* (\w+) \((.+)\)$/gm)) invalid.push([m[1], m[2]]);
    }
  }
  return { vectors, invalid };
}

Deno.test("BIP 32: vectors 1-4 derive every listed chain from the seed", () => {
  const { vectors } = parseBip32(bip32Text);
  assertEquals(vectors.length, 4);
  let chains = 0;
  for (const v of vectors) {
    const m = masterKey(fromHex(v.seed));
    for (const c of v.chains) {
      const k = m.derive(c.path);
      assertEquals(k.privateExtendedKey, c.xprv, c.path);
      assertEquals(k.publicExtendedKey, c.xpub, c.path);
      // Round trip through the serialised forms, and public derivation where allowed.
      assertEquals(HDKey.fromExtendedKey(c.xprv).publicExtendedKey, c.xpub);
      chains++;
    }
  }
  assertEquals(chains, 6 + 6 + 2 + 3);
});

Deno.test("BIP 32: every invalid extended key of vector 5 is refused", () => {
  const { invalid } = parseBip32(bip32Text);
  assertEquals(invalid.length, 16);
  for (const [key, why] of invalid) {
    let refused = false;
    try {
      HDKey.fromExtendedKey(key);
    } catch {
      refused = true;
    }
    assert(refused, `accepted an invalid key (${why})`);
  }
});

Deno.test("XChaCha20-Poly1305: draft-irtf-cfrg-xchacha-03 A.3.1, the call secret_box.ts makes", async () => {
  const v = JSON.parse(
    await Deno.readTextFile(new URL("xchacha20poly1305_draft03.json", dir)),
  );
  const aead = xchacha20poly1305(fromHex(v.key), fromHex(v.nonce), fromHex(v.aad));
  const sealed = aead.encrypt(fromHex(v.plaintext));
  assertEquals(toHex(sealed), v.ciphertext + v.tag);
  const opened = xchacha20poly1305(fromHex(v.key), fromHex(v.nonce), fromHex(v.aad))
    .decrypt(sealed);
  assertEquals(toHex(opened), v.plaintext);
  const bad = sealed.slice();
  bad[0] ^= 1;
  assertThrows(
    () => xchacha20poly1305(fromHex(v.key), fromHex(v.nonce), fromHex(v.aad)).decrypt(bad),
    Error,
  );
});
