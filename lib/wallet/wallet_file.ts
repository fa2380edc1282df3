/**
 * The wallet file, DATA/wallet.json, mode 0600, always written atomically
 * (lib/fs/atomic_write.ts): a crash or a full disk leaves the old file or the new one.
 *
 * Two formats are read:
 * - `crackcoin-wallet/1`: one raw key, `{ format, address, secretKey, note? }`, as written by
 *   earlier versions, `deno task genesis` and genesis/demo_wallet.json. It loads as a wallet
 *   with one imported (non-HD) key.
 * - `crackcoin-wallet/2`: an HD wallet and/or imported keys:
 *   `{ format, note?, address, hd: { path, xpub, receiveNext, changeNext } | null,
 *      imported: [address…], labels: { address: name },
 *      secrets: { mnemonic, bip39Passphrase, importedKeys: [hex…] } | encrypted: SealedBox }`.
 *   With encryption, the secrets exist only as ciphertext (lib/wallet/secret_box.ts); the
 *   account xpub, counters, imported addresses and labels stay readable so a node can show
 *   balances and receive without the passphrase (docs/PROTOCOL.md §11; README "Your wallet").
 * @module
 */
import { addressFromPublicKey, decodeAddress } from "../core/address.ts";
import { fromHex, toHex } from "../core/hash.ts";
import { type KeyPair, keyPairFromSecret } from "../core/keys.ts";
import { atomicWriteFile } from "../fs/atomic_write.ts";
import { osReason, WalletError } from "./errors.ts";
import { ACCOUNT_PATH, accountFromXpub } from "./hd.ts";
import { boxFromJson, type SealedBox } from "./secret_box.ts";

/** Format tag of single-key wallet files (version 1). */
export const WALLET_FORMAT = "crackcoin-wallet/1";
/** Format tag of HD wallet files (version 2). */
export const WALLET_FORMAT_V2 = "crackcoin-wallet/2";

/** Longest label kept, in UTF-16 code units. */
export const MAX_LABEL_LENGTH = 64;

/** The secret part of a wallet: plaintext in memory only, ciphertext on disk when encrypted. */
export interface WalletSecrets {
  /** The BIP 39 words, single-spaced; null for a wallet of imported keys only. */
  readonly mnemonic: string | null;
  /** The optional BIP 39 passphrase ("" when none). */
  readonly bip39Passphrase: string;
  /** Imported raw keys, hex, in the order of `WalletDoc.imported`. */
  readonly importedKeys: readonly string[];
}

/** The HD part of a wallet: public data only. */
export interface HdInfo {
  /** BIP 32 account path (ACCOUNT_PATH). */
  readonly path: string;
  /** The account's public extended key. */
  readonly xpub: string;
  /** Receive addresses handed out so far (the current one is receiveNext - 1). */
  readonly receiveNext: number;
  /** Change addresses used so far. */
  readonly changeNext: number;
}

/** A parsed wallet file. */
export interface WalletDoc {
  /** 1 for a single-key file; 2 otherwise. */
  readonly version: 1 | 2;
  readonly note?: string;
  readonly hd: HdInfo | null;
  /** Addresses of imported keys. */
  readonly imported: readonly string[];
  readonly labels: Readonly<Record<string, string>>;
  /** The sealed secrets when encrypted, else null. */
  readonly encrypted: SealedBox | null;
  /** The plaintext secrets when not encrypted, else null. */
  readonly secrets: WalletSecrets | null;
}

/** A single-key wallet as the genesis tool and older code see it. */
export interface KeyWallet {
  readonly keys: KeyPair;
  readonly address: string;
  readonly note?: string;
}

/** The JSON text of a version-1 (single-key) wallet file. */
export function walletToJson(keys: KeyPair, note?: string): string {
  return JSON.stringify(
    {
      format: WALLET_FORMAT,
      address: addressFromPublicKey(keys.publicKey),
      secretKey: toHex(keys.secretKey),
      ...(note ? { note } : {}),
    },
    null,
    2,
  ) + "\n";
}

function fail(source: string, why: string, cause?: unknown): never {
  throw new WalletError("invalid", `Invalid wallet file ${source}: ${why}`, { cause });
}

function counter(v: unknown, what: string, source: string): number {
  if (!Number.isSafeInteger(v) || (v as number) < 0 || (v as number) > 1_000_000) {
    fail(source, `${what} must be a whole number from 0 to 1000000`);
  }
  return v as number;
}

/** Checks a label: one line of printable text, at most MAX_LABEL_LENGTH long. */
export function checkLabel(name: string): string {
  const t = name.trim();
  // deno-lint-ignore no-control-regex
  if (t.length === 0 || t.length > MAX_LABEL_LENGTH || /[\u0000-\u001f\u007f-\u009f]/.test(t)) {
    throw new WalletError(
      "usage",
      `A label must be 1 to ${MAX_LABEL_LENGTH} printable characters`,
    );
  }
  return t;
}

function parseSecrets(j: unknown, source: string): WalletSecrets {
  const s = j as Record<string, unknown>;
  if (typeof s !== "object" || s === null) fail(source, "secrets: expected an object");
  if (s.mnemonic !== null && typeof s.mnemonic !== "string") {
    fail(source, "secrets.mnemonic: expected words or null");
  }
  if (typeof (s.bip39Passphrase ?? "") !== "string") {
    fail(source, "secrets.bip39Passphrase: expected a string");
  }
  const keys = s.importedKeys ?? [];
  if (
    !Array.isArray(keys) || keys.some((k) => typeof k !== "string" || !/^[0-9a-f]{64}$/.test(k))
  ) {
    fail(source, "secrets.importedKeys: expected 64-hex-digit keys");
  }
  return Object.freeze({
    mnemonic: (s.mnemonic as string | null) ?? null,
    bip39Passphrase: (s.bip39Passphrase as string | undefined) ?? "",
    importedKeys: Object.freeze([...(keys as string[])]),
  });
}

/**
 * Parses a wallet file's text (either format). Throws WalletError("invalid") naming `source`
 * and what is wrong; the message never quotes a secret field.
 */
export function parseWalletDoc(text: string, source: string): WalletDoc {
  let j: Record<string, unknown>;
  try {
    j = JSON.parse(text);
  } catch (e) {
    fail(source, `not JSON (${(e as Error).message.replace(/ in JSON.*$/, "")})`, e);
  }
  if (typeof j !== "object" || j === null) fail(source, "expected a JSON object");
  const note = typeof j.note === "string" ? j.note : undefined;
  if (j.format === WALLET_FORMAT) {
    let keys: KeyPair;
    try {
      keys = keyPairFromSecret(fromHex(String(j.secretKey)));
    } catch (e) {
      fail(source, "secretKey is not a valid 32-byte secp256k1 key in hex", e);
    }
    const address = addressFromPublicKey(keys.publicKey);
    if (j.address !== undefined && j.address !== address) {
      fail(source, `address ${j.address} does not match the key (${address})`);
    }
    return Object.freeze({
      version: 1,
      ...(note ? { note } : {}),
      hd: null,
      imported: Object.freeze([address]),
      labels: Object.freeze({}),
      encrypted: null,
      secrets: Object.freeze({
        mnemonic: null,
        bip39Passphrase: "",
        importedKeys: Object.freeze([toHex(keys.secretKey)]),
      }),
    });
  }
  if (j.format !== WALLET_FORMAT_V2) {
    fail(source, `expected format "${WALLET_FORMAT_V2}" or "${WALLET_FORMAT}"`);
  }
  let hd: HdInfo | null = null;
  if (j.hd !== null && j.hd !== undefined) {
    const h = j.hd as Record<string, unknown>;
    if (h.path !== ACCOUNT_PATH) fail(source, `hd.path must be ${ACCOUNT_PATH}`);
    if (typeof h.xpub !== "string") fail(source, "hd.xpub: expected a string");
    try {
      accountFromXpub(h.xpub);
    } catch (e) {
      fail(source, `hd.xpub: ${(e as Error).message}`, e);
    }
    hd = Object.freeze({
      path: ACCOUNT_PATH,
      xpub: h.xpub,
      receiveNext: Math.max(1, counter(h.receiveNext, "hd.receiveNext", source)),
      changeNext: counter(h.changeNext, "hd.changeNext", source),
    });
  }
  const imported = j.imported ?? [];
  if (!Array.isArray(imported)) fail(source, "imported: expected a list of addresses");
  for (const a of imported) {
    try {
      decodeAddress(String(a));
    } catch (e) {
      fail(source, `imported: ${(e as Error).message}`, e);
    }
  }
  const labels: Record<string, string> = {};
  const lj = (j.labels ?? {}) as Record<string, unknown>;
  if (typeof lj !== "object" || lj === null || Array.isArray(lj)) {
    fail(source, "labels: expected an object");
  }
  for (const [a, n] of Object.entries(lj)) {
    if (typeof n !== "string") fail(source, `labels.${a}: expected a string`);
    labels[a] = n;
  }
  let encrypted: SealedBox | null = null;
  let secrets: WalletSecrets | null = null;
  if (j.encrypted !== undefined && j.encrypted !== null) {
    try {
      encrypted = boxFromJson(j.encrypted);
    } catch (e) {
      fail(source, (e as Error).message, e);
    }
  } else {
    secrets = parseSecrets(j.secrets, source);
    if (secrets.importedKeys.length !== imported.length) {
      fail(source, "imported and secrets.importedKeys differ in length");
    }
    secrets.importedKeys.forEach((k, i) => {
      if (addressFromPublicKey(keyPairFromSecret(fromHex(k)).publicKey) !== imported[i]) {
        fail(source, `imported key ${i + 1} does not match address ${imported[i]}`);
      }
    });
    if ((secrets.mnemonic === null) !== (hd === null)) {
      fail(source, "hd and secrets.mnemonic must be present together");
    }
  }
  if (hd === null && imported.length === 0) fail(source, "it holds no key");
  return Object.freeze({
    version: 2,
    ...(note ? { note } : {}),
    hd,
    imported: Object.freeze(imported.map(String)),
    labels: Object.freeze(labels),
    encrypted,
    secrets,
  });
}

/**
 * The JSON text of a wallet document. A version-1 document with nothing new in it is written
 * back in version 1, so older tools keep reading it; anything else is version 2.
 * `address` is the current receive address, written for people and scripts reading the file.
 */
export function walletDocToJson(doc: WalletDoc, address: string): string {
  const plainV1 = doc.hd === null && doc.imported.length === 1 && doc.secrets !== null &&
    Object.keys(doc.labels).length === 0;
  if (plainV1 && doc.version === 1) {
    return walletToJson(keyPairFromSecret(fromHex(doc.secrets!.importedKeys[0])), doc.note);
  }
  return JSON.stringify(
    {
      format: WALLET_FORMAT_V2,
      ...(doc.note ? { note: doc.note } : {}),
      address,
      hd: doc.hd,
      imported: doc.imported,
      labels: doc.labels,
      ...(doc.encrypted ? { encrypted: doc.encrypted } : { secrets: doc.secrets }),
    },
    null,
    2,
  ) + "\n";
}

/** What {@linkcode readWalletFile} found. */
export type WalletFileRead =
  | { readonly kind: "ok"; readonly doc: WalletDoc; readonly warnings: readonly string[] }
  | { readonly kind: "missing" }
  /** A 0-byte (or blank) file, as a crash of an earlier, non-atomic version could leave. */
  | { readonly kind: "empty" };

/**
 * Reads and parses the wallet file at `path`. A file readable or writable by group or others
 * loads with a warning naming the fix. Throws WalletError: "io" (one line naming the path
 * and the OS reason) or "invalid".
 */
export async function readWalletFile(path: string): Promise<WalletFileRead> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return { kind: "missing" };
    if (e instanceof Deno.errors.IsADirectory) {
      throw new WalletError("io", `Cannot read wallet file ${path}: it is a directory`, {
        cause: e,
      });
    }
    throw new WalletError("io", `Cannot read wallet file ${path}: ${osReason(e)}`, { cause: e });
  }
  if (text.trim() === "") return { kind: "empty" };
  const doc = parseWalletDoc(text, path);
  const warnings: string[] = [];
  if (Deno.build.os !== "windows") {
    try {
      const mode = (await Deno.stat(path)).mode;
      if (mode !== null && (mode & 0o077) !== 0) {
        warnings.push(
          `Wallet file ${path} is readable by other users (mode ` +
            `${(mode & 0o777).toString(8).padStart(4, "0")}); run: chmod 600 ${path}`,
        );
      }
    } catch { /* the read succeeded; a failed stat only loses the warning */ }
  }
  return { kind: "ok", doc, warnings };
}

/**
 * Writes a wallet file atomically with mode 0600. With `createNew`, an existing file is never
 * replaced (WalletError "exists"). Other failures: WalletError("io") naming the path and the
 * OS reason (read-only directory, full disk); the old file, if any, is left as it was.
 */
export async function writeWalletText(
  path: string,
  text: string,
  options: { createNew?: boolean } = {},
): Promise<void> {
  try {
    await atomicWriteFile(path, text, { mode: 0o600, createNew: options.createNew });
  } catch (e) {
    if (e instanceof Deno.errors.AlreadyExists) {
      throw new WalletError("exists", `Refusing to overwrite the existing wallet file ${path}`, {
        cause: e,
      });
    }
    throw new WalletError("io", `Cannot write wallet file ${path}: ${osReason(e)}`, { cause: e });
  }
}

/**
 * Writes a version-1 (single-key) wallet file with mode 0600, never replacing an existing
 * one. Used by `deno task genesis`.
 */
export async function writeWallet(path: string, keys: KeyPair, note?: string): Promise<void> {
  await writeWalletText(path, walletToJson(keys, note), { createNew: true });
}

/**
 * Reads a single-key wallet (version 1, or unencrypted imported keys only) with its key, for
 * the genesis tool and tools that need the raw key. Throws WalletError("missing") when there
 * is none and WalletError("usage") for an HD or encrypted wallet.
 */
export async function loadWallet(path: string): Promise<KeyWallet> {
  const r = await readWalletFile(path);
  if (r.kind !== "ok") {
    throw new WalletError("missing", `No wallet in ${path}${r.kind === "empty" ? " (empty)" : ""}`);
  }
  const d = r.doc;
  if (d.hd || !d.secrets) {
    throw new WalletError("usage", `Wallet ${path} is not an unencrypted single-key wallet`);
  }
  const keys = keyPairFromSecret(fromHex(d.secrets.importedKeys[0]));
  return Object.freeze({ keys, address: d.imported[0], ...(d.note ? { note: d.note } : {}) });
}

/**
 * Parses a single-key (version-1) wallet's JSON, for tools that need the key itself. Throws
 * WalletError("invalid") naming `source` when it is not such a wallet.
 *
 * @example
 * ```ts
 * import { walletFromJson, walletToJson } from "./wallet_file.ts";
 * import { keyPairFromSecret } from "../core/keys.ts";
 * const keys = keyPairFromSecret(new Uint8Array(32).fill(3));
 * const wallet = walletFromJson(walletToJson(keys), "example");
 * if (!wallet.address.startsWith("C")) throw new Error("address");
 * ```
 */
export function walletFromJson(text: string, source: string): KeyWallet {
  const d = parseWalletDoc(text, source);
  if (d.version !== 1 || !d.secrets) fail(source, `expected format "${WALLET_FORMAT}"`);
  const keys = keyPairFromSecret(fromHex(d.secrets.importedKeys[0]));
  return Object.freeze({ keys, address: d.imported[0], ...(d.note ? { note: d.note } : {}) });
}
