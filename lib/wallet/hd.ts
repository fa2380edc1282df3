/**
 * The HD wallet's keys: a BIP 39 mnemonic (`@scure/bip39`, English word list) gives a seed,
 * and BIP 32 (`@scure/bip32`) derives keys on crackcoin's path
 *
 *     m / 44' / 31338' / 0' / chain / index      chain 0 = receive, chain 1 = change
 *
 * following BIP 44's layout. Coin type 31338 is not registered in SLIP-44 (checked against
 * satoshilabs/slips `slip-0044.md` at 0005096: 31337 is taken, 31338 is free); crackcoin is a
 * LAN currency with no registry entry, and using an unregistered number keeps its keys apart
 * from every registered coin's. Addresses are hash160 of the compressed public key, as for
 * every crackcoin key (docs/PROTOCOL.md).
 * @module
 */
import { HDKey } from "@scure/bip32";
import {
  entropyToMnemonic,
  generateMnemonic,
  mnemonicToSeedSync,
  validateMnemonic,
} from "@scure/bip39";
import { wordlist } from "@scure/bip39/wordlists/english.js";
import { addressFromPublicKey } from "../core/address.ts";
import { type KeyPair, keyPairFromSecret } from "../core/keys.ts";
import { WalletError } from "./errors.ts";

/** The unregistered SLIP-44 coin type crackcoin uses. */
export const COIN_TYPE = 31338;

/** The BIP 44 account path of crackcoin's first (and only) account. */
export const ACCOUNT_PATH = `m/44'/${COIN_TYPE}'/0'`;

/** Chain numbers under the account (BIP 44's "change" level). */
export const RECEIVE_CHAIN = 0;
/** Change outputs of our own payments. */
export const CHANGE_CHAIN = 1;

/** How many unused addresses past the last used one a scan looks at (BIP 44's gap limit). */
export const GAP_LIMIT = 20;

/** Word counts accepted from a user (BIP 39: 128 to 256 bits of entropy). */
export const WORD_COUNTS: readonly number[] = [12, 15, 18, 21, 24];

/**
 * A new mnemonic of 12 (128-bit) or 24 (256-bit) words from the platform's CSPRNG.
 *
 * @example
 * ```ts
 * import { newMnemonic } from "./hd.ts";
 * if (newMnemonic(24).split(" ").length !== 24) throw new Error("24 words");
 * ```
 */
export function newMnemonic(words: 12 | 24 = 12): string {
  return generateMnemonic(wordlist, words === 24 ? 256 : 128);
}

/** The mnemonic of given entropy (16 to 32 bytes). */
export function mnemonicFromEntropy(entropy: Uint8Array): string {
  return entropyToMnemonic(entropy, wordlist);
}

/**
 * Normalises what a user typed (NFKD, lower case, single spaces) and checks it: every word
 * in the English list, a BIP 39 word count, and the checksum. Throws WalletError("mnemonic")
 * naming the position of the first unknown word. The message quotes only an unknown word
 * (which is not part of any valid phrase), never a valid one.
 */
export function checkMnemonic(text: string): string {
  const words = text.normalize("NFKD").toLowerCase().trim().split(/\s+/).filter((w) => w);
  if (words.length === 0) throw new WalletError("mnemonic", "No words given");
  const known = new Set(wordlist);
  for (let i = 0; i < words.length; i++) {
    if (!known.has(words[i])) {
      throw new WalletError(
        "mnemonic",
        `Word ${i + 1} of ${words.length} is not in the BIP 39 English word list; ` +
          `check its spelling`,
      );
    }
  }
  if (!WORD_COUNTS.includes(words.length)) {
    throw new WalletError(
      "mnemonic",
      `Expected 12, 15, 18, 21 or 24 words, got ${words.length}`,
    );
  }
  const phrase = words.join(" ");
  if (!validateMnemonic(phrase, wordlist)) {
    throw new WalletError(
      "mnemonic",
      `The words fail the BIP 39 checksum: one is wrong or out of order (word ${words.length} ` +
        `carries the checksum; every word is in the list)`,
    );
  }
  return phrase;
}

/** The BIP 39 seed (64 bytes) of a mnemonic and an optional passphrase. */
export function seedFromMnemonic(mnemonic: string, passphrase = ""): Uint8Array {
  return mnemonicToSeedSync(mnemonic, passphrase);
}

/** The BIP 32 master key of a seed. */
export function masterKey(seed: Uint8Array): HDKey {
  return HDKey.fromMasterSeed(seed);
}

/** The account key (private) of a seed, at {@linkcode ACCOUNT_PATH}. */
export function accountKey(seed: Uint8Array): HDKey {
  return masterKey(seed).derive(ACCOUNT_PATH);
}

/** The account's public extended key (xpub), which derives every address but no key. */
export function accountXpub(seed: Uint8Array): string {
  return accountKey(seed).publicExtendedKey;
}

/** A public-only account key from its xpub. Throws WalletError("invalid") when malformed. */
export function accountFromXpub(xpub: string): HDKey {
  try {
    const k = HDKey.fromExtendedKey(xpub);
    if (k.privateKey) throw new Error("expected a public extended key");
    return k;
  } catch (e) {
    throw new WalletError("invalid", `Invalid account key: ${(e as Error).message}`, {
      cause: e,
    });
  }
}

/** The compressed public key at chain/index under an account key. */
export function childPublicKey(account: HDKey, chain: number, index: number): Uint8Array {
  const pk = account.deriveChild(chain).deriveChild(index).publicKey;
  if (!pk) throw new Error("BIP 32 derivation gave no public key");
  return pk;
}

/** The address at chain/index under an account key (public or private). */
export function addressAt(account: HDKey, chain: number, index: number): string {
  return addressFromPublicKey(childPublicKey(account, chain, index));
}

/** The key pair at chain/index under a private account key. */
export function childKeyPair(account: HDKey, chain: number, index: number): KeyPair {
  const sk = account.deriveChild(chain).deriveChild(index).privateKey;
  if (!sk) throw new WalletError("locked", "The account key has no private part");
  return keyPairFromSecret(sk);
}
