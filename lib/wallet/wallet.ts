/**
 * The wallet in memory: which addresses are ours (`isMine`), which one receives now, fresh
 * change addresses, labels, and the keys that sign, once unlocked. It reads and writes
 * nothing itself: lib/wallet/wallet_store.ts loads and saves it.
 *
 * Gap limit: on each chain the wallet watches GAP_LIMIT (20) addresses past the last one
 * seen used in the ledger (BIP 44, "Address gap limit"). A restored wallet therefore finds
 * its coins while the node syncs: each payment to a watched address moves the window on.
 * @module
 */
import type { HDKey } from "@scure/bip32";
import { decodeAddress, encodeAddress } from "../core/address.ts";
import { fromHex, toHex } from "../core/hash.ts";
import { type KeyPair, keyPairFromSecret } from "../core/keys.ts";
import type { Tx } from "../core/tx.ts";
import { WalletError } from "./errors.ts";
import {
  ACCOUNT_PATH,
  accountFromXpub,
  accountKey,
  addressAt,
  CHANGE_CHAIN,
  childKeyPair,
  GAP_LIMIT,
  RECEIVE_CHAIN,
  seedFromMnemonic,
} from "./hd.ts";
import { BoxAuthError, type KdfParams, openBox, sealBox } from "./secret_box.ts";
import { checkLabel, WALLET_FORMAT_V2, type WalletDoc, type WalletSecrets } from "./wallet_file.ts";

/** An address the wallet owns. */
export interface OwnedAddress {
  readonly address: string;
  /** "receive" (chain 0), "change" (chain 1) or "imported" (a raw key). */
  readonly kind: "receive" | "change" | "imported";
  /** Index on its chain, or in the imported list. */
  readonly index: number;
  readonly label?: string;
}

type Owner = { chain: 0 | 1; index: number } | { imported: number };

const hexOf = (a: string | Uint8Array) =>
  typeof a === "string" ? toHex(decodeAddress(a)) : toHex(a);

/** A wallet loaded from a WalletDoc. */
export class Wallet {
  #doc: WalletDoc;
  #secrets: WalletSecrets | null;
  #account: HDKey | null;
  #privAccount: HDKey | null = null;
  #chains: [string[], string[]] = [[], []];
  #owners = new Map<string, Owner>();
  #used: [number, number] = [-1, -1];
  #receiveNext: number;
  #changeNext: number;
  #labels: Map<string, string>;
  #importedKeys = new Map<number, KeyPair>();
  #dirty = false;
  /** Why the wallet is locked, said when a signature is asked for. */
  lockedReason = "The wallet is encrypted and locked";

  constructor(doc: WalletDoc) {
    this.#doc = doc;
    this.#secrets = doc.secrets;
    this.#account = doc.hd ? accountFromXpub(doc.hd.xpub) : null;
    this.#receiveNext = doc.hd?.receiveNext ?? 0;
    this.#changeNext = doc.hd?.changeNext ?? 0;
    this.#labels = new Map(Object.entries(doc.labels));
    doc.imported.forEach((a, i) => this.#owners.set(hexOf(a), { imported: i }));
    this.#extend();
    if (this.#secrets) this.#useSecrets(this.#secrets);
  }

  /** The document this wallet was loaded from, with current counters and labels. */
  toDoc(): WalletDoc {
    const d = this.#doc;
    return Object.freeze({
      ...d,
      hd: d.hd
        ? Object.freeze({
          ...d.hd,
          receiveNext: Math.max(this.#receiveNext, 1),
          changeNext: this.#changeNext,
        })
        : null,
      labels: Object.freeze(Object.fromEntries(this.#labels)),
    });
  }

  /** True when counters or labels changed since load or the last `markSaved()`. */
  get dirty(): boolean {
    return this.#dirty;
  }

  /** Clears `dirty` after the store wrote the file. */
  markSaved(): void {
    this.#dirty = false;
  }

  /** An HD wallet (has a mnemonic), as opposed to imported keys only. */
  get isHd(): boolean {
    return this.#account !== null;
  }

  /** The file holds its secrets encrypted. */
  get encrypted(): boolean {
    return this.#doc.encrypted !== null;
  }

  /** Encrypted and not unlocked: it can receive and show balances, not sign. */
  get locked(): boolean {
    return this.#secrets === null;
  }

  /** The wallet file's note (e.g. the public demo wallet's warning). */
  get note(): string | undefined {
    return this.#doc.note;
  }

  /**
   * The current receive address: the last one handed out on chain 0, or, for a wallet of
   * imported keys only, the first imported key's address.
   */
  get address(): string {
    if (this.#account) return this.#addr(RECEIVE_CHAIN, Math.max(this.#receiveNext, 1) - 1);
    return this.#doc.imported[0];
  }

  /** Hands out a fresh receive address (chain 0); older ones stay ours. */
  newReceiveAddress(): string {
    if (!this.#account) {
      throw new WalletError(
        "usage",
        "This wallet holds one imported key and has no fresh addresses; " +
          "run 'crackcoin wallet new' to add an HD seed (the key and its coins are kept)",
      );
    }
    this.#receiveNext = Math.max(this.#receiveNext, 1) + 1;
    this.#dirty = true;
    this.#extend();
    return this.address;
  }

  /**
   * The address for the change of one payment: a fresh chain-1 address on an HD wallet, the
   * imported key's own address otherwise. Each call takes a new one.
   */
  takeChangeAddress(): string {
    if (!this.#account) return this.#doc.imported[0];
    const a = this.#addr(CHANGE_CHAIN, this.#changeNext);
    this.#changeNext++;
    this.#dirty = true;
    this.#extend();
    return a;
  }

  /** True when `address` (text or 20-byte hash) is one of ours, lookahead included. */
  isMine(address: string | Uint8Array): boolean {
    try {
      return this.#owners.has(hexOf(address));
    } catch {
      return false;
    }
  }

  /** The user's label of an address (ours or not), if any. */
  labelOf(address: string): string | undefined {
    return this.#labels.get(address);
  }

  /** Every label, address to name. */
  labels(): ReadonlyMap<string, string> {
    return this.#labels;
  }

  /** Sets (or with `null` removes) the label of an address. Throws TypeError for a bad one. */
  setLabel(address: string, name: string | null): void {
    decodeAddress(address);
    if (name === null) this.#labels.delete(address);
    else this.#labels.set(address, checkLabel(name));
    this.#dirty = true;
  }

  /**
   * Addresses handed out or seen used: receive and change addresses up to the counters, and
   * imported keys. Lookahead addresses are watched but not listed.
   */
  addresses(): OwnedAddress[] {
    const out: OwnedAddress[] = [];
    const lab = (a: string) => {
      const l = this.#labels.get(a);
      return l === undefined ? {} : { label: l };
    };
    if (this.#account) {
      const n = [Math.max(this.#receiveNext, 1), this.#changeNext];
      for (const chain of [RECEIVE_CHAIN, CHANGE_CHAIN] as const) {
        for (let i = 0; i < n[chain]; i++) {
          const address = this.#addr(chain, i);
          out.push({
            address,
            kind: chain === 0 ? "receive" : "change",
            index: i,
            ...lab(address),
          });
        }
      }
    }
    this.#doc.imported.forEach((address, index) =>
      out.push({ address, kind: "imported", index, ...lab(address) })
    );
    return out;
  }

  /** How many addresses the wallet owns and watches; it grows, never shrinks. */
  get ownedCount(): number {
    return this.#owners.size;
  }

  /** The 20-byte hashes of every owned and watched address. */
  ownedHashes(): Uint8Array[] {
    return [...this.#owners.keys()].map(fromHex);
  }

  /** Every watched address: those of `addresses()` plus the gap-limit lookahead. */
  watchedAddresses(): string[] {
    return [...this.#chains[0], ...this.#chains[1], ...this.#doc.imported];
  }

  /** What kind of owned address this is, or undefined when not ours. */
  ownerOf(address: string): OwnedAddress | undefined {
    let o: Owner | undefined;
    try {
      o = this.#owners.get(hexOf(address));
    } catch {
      return undefined;
    }
    if (!o) return undefined;
    const label = this.#labels.get(address);
    const base = "imported" in o
      ? { address, kind: "imported" as const, index: o.imported }
      : { address, kind: o.chain === 0 ? "receive" as const : "change" as const, index: o.index };
    return label === undefined ? base : { ...base, label };
  }

  /**
   * Notes the outputs of a transaction: a payment to a watched address marks it used and
   * moves that chain's window (and counter) on. Returns true when anything changed.
   */
  noteTx(tx: Tx): boolean {
    let changed = false;
    for (const o of tx.outputs) {
      const owner = this.#owners.get(toHex(o.address));
      if (!owner || "imported" in owner) continue;
      if (owner.index > this.#used[owner.chain]) {
        this.#used[owner.chain] = owner.index;
        changed = true;
      }
    }
    if (!changed) return false;
    if (this.#used[0] + 1 > this.#receiveNext) {
      this.#receiveNext = this.#used[0] + 1;
      this.#dirty = true;
    }
    if (this.#used[1] + 1 > this.#changeNext) {
      this.#changeNext = this.#used[1] + 1;
      this.#dirty = true;
    }
    this.#extend();
    return true;
  }

  /** Notes every transaction of a ledger (at start, after a restore). */
  scan(txs: Iterable<{ readonly tx: Tx }>): void {
    for (const r of txs) this.noteTx(r.tx);
  }

  /**
   * The key pair that spends coins at `address` (text or hash). Throws WalletError("locked")
   * when the wallet is encrypted and not unlocked, with `lockedReason`.
   */
  keyFor(address: string | Uint8Array): KeyPair {
    const h = hexOf(address);
    const o = this.#owners.get(h);
    if (!o) throw new WalletError("usage", `Address ${encodeAddress(fromHex(h))} is not ours`);
    if (this.locked) throw new WalletError("locked", this.lockedReason);
    if ("imported" in o) return this.#importedKeys.get(o.imported)!;
    return childKeyPair(this.#privAccount!, o.chain, o.index);
  }

  /** Throws WalletError("locked") with `lockedReason` when the wallet cannot sign. */
  assertCanSign(): void {
    if (this.locked) throw new WalletError("locked", this.lockedReason);
  }

  /**
   * Decrypts the secrets with `passphrase`. Throws WalletError("passphrase") when it is
   * wrong (one line, no secret in it). A no-op on an unencrypted or unlocked wallet.
   */
  unlock(passphrase: string, source = "the wallet file"): void {
    if (!this.locked) return;
    this.#useSecrets(openSecrets(this.#doc, passphrase, source));
  }

  /** The plaintext secrets (for `--show-mnemonic`, re-encryption); throws when locked. */
  secrets(): WalletSecrets {
    if (!this.#secrets) throw new WalletError("locked", this.lockedReason);
    return this.#secrets;
  }

  #useSecrets(s: WalletSecrets): void {
    if (this.#doc.hd) {
      if (!s.mnemonic) throw new WalletError("invalid", "The wallet's secrets hold no mnemonic");
      const priv = accountKey(seedFromMnemonic(s.mnemonic, s.bip39Passphrase));
      if (priv.publicExtendedKey !== this.#doc.hd.xpub) {
        throw new WalletError(
          "invalid",
          "The wallet's mnemonic does not give its recorded account key; the file was altered",
        );
      }
      this.#privAccount = priv;
    }
    this.#importedKeys.clear();
    s.importedKeys.forEach((k, i) => this.#importedKeys.set(i, keyPairFromSecret(fromHex(k))));
    this.#secrets = s;
  }

  #addr(chain: 0 | 1, index: number): string {
    const list = this.#chains[chain];
    while (list.length <= index) {
      const i = list.length;
      const a = addressAt(this.#account!, chain, i);
      list.push(a);
      this.#owners.set(hexOf(a), { chain, index: i });
    }
    return list[index];
  }

  /** Derives each chain up to its counter and GAP_LIMIT past the last used address. */
  #extend(): void {
    if (!this.#account) return;
    const need = [
      Math.max(this.#receiveNext, this.#used[0] + 1) + GAP_LIMIT,
      Math.max(this.#changeNext, this.#used[1] + 1) + GAP_LIMIT,
    ];
    for (const chain of [0, 1] as const) {
      if (this.#chains[chain].length < need[chain]) this.#addr(chain, need[chain] - 1);
    }
  }
}

/** The plaintext secrets of an encrypted document; WalletError("passphrase") when wrong. */
export function openSecrets(doc: WalletDoc, passphrase: string, source: string): WalletSecrets {
  if (!doc.encrypted) {
    if (!doc.secrets) throw new WalletError("invalid", `${source} holds no secrets`);
    return doc.secrets;
  }
  let plain: Uint8Array;
  try {
    plain = openBox(doc.encrypted, passphrase, WALLET_FORMAT_V2);
  } catch (e) {
    if (e instanceof BoxAuthError) {
      throw new WalletError("passphrase", `Wrong passphrase for ${source}`, { cause: e });
    }
    throw new WalletError("invalid", `Cannot decrypt ${source}: ${(e as Error).message}`, {
      cause: e,
    });
  }
  const j = JSON.parse(new TextDecoder().decode(plain));
  plain.fill(0);
  return Object.freeze({
    mnemonic: j.mnemonic ?? null,
    bip39Passphrase: j.bip39Passphrase ?? "",
    importedKeys: Object.freeze([...(j.importedKeys ?? [])]),
  });
}

/** The same document with its secrets sealed under `passphrase`. */
export function sealDoc(
  doc: WalletDoc,
  secrets: WalletSecrets,
  passphrase: string,
  kdf?: KdfParams,
): WalletDoc {
  const plain = new TextEncoder().encode(JSON.stringify(secrets));
  const box = sealBox(
    plain,
    passphrase,
    WALLET_FORMAT_V2,
    (n) => crypto.getRandomValues(new Uint8Array(n)),
    kdf,
  );
  plain.fill(0);
  return Object.freeze({ ...doc, version: 2, encrypted: box, secrets: null });
}

/** The same document with plaintext secrets (for `wallet decrypt`). */
export function plainDoc(doc: WalletDoc, secrets: WalletSecrets): WalletDoc {
  return Object.freeze({ ...doc, encrypted: null, secrets });
}

/**
 * A document for an HD wallet from `mnemonic`, keeping the imported keys, labels and note of
 * `base` (a version-1 wallet being upgraded) when given. Its secrets are plaintext.
 */
export function hdDoc(
  mnemonic: string,
  bip39Passphrase: string,
  base?: { doc: WalletDoc; secrets: WalletSecrets },
): WalletDoc {
  const xpub = accountKey(seedFromMnemonic(mnemonic, bip39Passphrase)).publicExtendedKey;
  return Object.freeze({
    version: 2,
    ...(base?.doc.note ? { note: base.doc.note } : {}),
    hd: Object.freeze({ path: ACCOUNT_PATH, xpub, receiveNext: 1, changeNext: 0 }),
    imported: base?.doc.imported ?? [],
    labels: base?.doc.labels ?? {},
    encrypted: null,
    secrets: Object.freeze({
      mnemonic,
      bip39Passphrase,
      importedKeys: base?.secrets.importedKeys ?? [],
    }),
  });
}
