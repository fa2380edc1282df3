/**
 * The API's credentials on disk, as bitcoind does it: a random token in `DATA/.cookie`
 * (mode 0600, new on every start, removed on a clean exit) and, next to it, `DATA/.http` with
 * the address the server listens on, so `crackcoin rpc` finds the node from the data
 * directory alone. Both go through atomicWriteFile.
 * @module
 */
import { atomicWriteFile } from "../fs/atomic_write.ts";
import { toHex } from "../core/hash.ts";

/** Name of the token file in the data directory. */
export const COOKIE_FILE = ".cookie";
/** Name of the file holding `HOST:PORT` of the running API server. */
export const HTTP_ADDRESS_FILE = ".http";
/** Random bytes in a token (hex-encoded: 64 characters). */
export const TOKEN_BYTES = 32;

/** Paths of the credential files of a data directory. */
export function credentialPaths(dir: string): { cookie: string; address: string } {
  return { cookie: `${dir}/${COOKIE_FILE}`, address: `${dir}/${HTTP_ADDRESS_FILE}` };
}

/** A fresh random token (64 lowercase hex digits). */
export function newToken(): string {
  return toHex(crypto.getRandomValues(new Uint8Array(TOKEN_BYTES)));
}

/** Writes the token and the listening address (both 0600). */
export async function writeCredentials(
  dir: string,
  token: string,
  hostPort: string,
): Promise<void> {
  const p = credentialPaths(dir);
  await atomicWriteFile(p.cookie, token, { mode: 0o600 });
  await atomicWriteFile(p.address, hostPort + "\n", { mode: 0o600 });
}

/** Removes both files; a missing file is not an error. */
export async function removeCredentials(dir: string): Promise<void> {
  const p = credentialPaths(dir);
  for (const path of [p.cookie, p.address]) {
    try {
      await Deno.remove(path);
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    }
  }
}

/**
 * Reads the token and the address; null when the node is not serving HTTP (no files).
 * Throws the OS error for anything else (such as PermissionDenied).
 */
export async function readCredentials(
  dir: string,
): Promise<{ token: string; hostPort: string } | null> {
  const p = credentialPaths(dir);
  try {
    const token = (await Deno.readTextFile(p.cookie)).trim();
    const hostPort = (await Deno.readTextFile(p.address)).trim();
    return { token, hostPort };
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return null;
    throw e;
  }
}
