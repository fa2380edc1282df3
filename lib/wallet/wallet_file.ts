/**
 * The wallet file: one secp256k1 key in the data directory, created with mode 0600.
 * Not encrypted (docs/PROTOCOL.md §11 says so). Format:
 * `{ "format": "crackcoin-wallet/1", "address": "C…", "secretKey": "<64 hex>" }`.
 * @module
 */
import { addressFromPublicKey } from "../core/address.ts";
import { fromHex, toHex } from "../core/hash.ts";
import { type KeyPair, keyPairFromSecret, randomKeyPair } from "../core/keys.ts";
import { LedgerError } from "../ledger/errors.ts";

/** Format tag of wallet files. */
export const WALLET_FORMAT = "crackcoin-wallet/1";

/** A loaded wallet. */
export interface Wallet {
  readonly keys: KeyPair;
  readonly address: string;
}

/** The JSON text of a wallet file. */
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

/**
 * Parses wallet JSON (`walletToJson`'s format); throws LedgerError naming `source` when it is
 * not a valid wallet.
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
export function walletFromJson(text: string, source: string): Wallet {
  let keys: KeyPair;
  try {
    const j = JSON.parse(text);
    if (j.format !== WALLET_FORMAT) throw new Error(`expected format "${WALLET_FORMAT}"`);
    keys = keyPairFromSecret(fromHex(String(j.secretKey)));
    const address = addressFromPublicKey(keys.publicKey);
    if (j.address !== undefined && j.address !== address) {
      throw new Error(`address ${j.address} does not match the key (${address})`);
    }
    return Object.freeze({ keys, address });
  } catch (e) {
    throw new LedgerError(`Invalid wallet file ${source}: ${(e as Error).message}`, { cause: e });
  }
}

/** Reads a wallet file. */
export async function loadWallet(path: string): Promise<Wallet> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (e) {
    throw new LedgerError(`Cannot read wallet file ${path}: ${(e as Error).message}`, {
      cause: e,
    });
  }
  return walletFromJson(text, path);
}

/**
 * Writes a wallet file with mode 0600, never replacing an existing file (createNew), and
 * syncs it to disk before returning.
 */
export async function writeWallet(path: string, keys: KeyPair, note?: string): Promise<void> {
  let f: Deno.FsFile;
  try {
    f = await Deno.open(path, { write: true, createNew: true, mode: 0o600 });
  } catch (e) {
    if (e instanceof Deno.errors.AlreadyExists) {
      throw new LedgerError(`Refusing to overwrite the existing wallet file ${path}`, { cause: e });
    }
    throw new LedgerError(`Cannot create wallet file ${path}: ${(e as Error).message}`, {
      cause: e,
    });
  }
  try {
    await f.write(new TextEncoder().encode(walletToJson(keys, note)));
    await f.sync();
  } finally {
    f.close();
  }
  if (Deno.build.os !== "windows") await Deno.chmod(path, 0o600);
}

/** Loads the wallet at `path`, creating a new random one when the file does not exist. */
export async function loadOrCreateWallet(
  path: string,
): Promise<{ wallet: Wallet; created: boolean }> {
  try {
    return { wallet: await loadWallet(path), created: false };
  } catch (e) {
    if (!(e instanceof LedgerError && e.cause instanceof Deno.errors.NotFound)) throw e;
  }
  const keys = randomKeyPair((n) => crypto.getRandomValues(new Uint8Array(n)));
  await writeWallet(path, keys);
  return { wallet: { keys, address: addressFromPublicKey(keys.publicKey) }, created: true };
}
