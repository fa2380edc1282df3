/**
 * The membership key file of a private network (docs/PROTOCOL.md §9.6): 32 random bytes
 * written as 64 hex digits and a newline, mode 0600, atomically and never over an existing
 * file. Written by `deno task genesis --private`, read by the node (lib/cli/network_key.ts).
 * @module
 */
import { atomicWriteFile } from "../fs/atomic_write.ts";

/** File name of the key in a data directory or a genesis output directory. */
export const NETWORK_KEY_FILE = "network.key";

/** Bytes of a membership key. */
export const NETWORK_KEY_LENGTH = 32;

/**
 * Parses a key file's content: 64 hex digits (whitespace around ignored) or exactly 32 raw
 * bytes. Throws RangeError otherwise.
 *
 * @example
 * ```ts
 * import { parseNetworkKey } from "./network_key_file.ts";
 * const key = parseNetworkKey(new TextEncoder().encode("ab".repeat(32) + "\n"));
 * if (key.length !== 32 || key[0] !== 0xab) throw new Error("parse");
 * ```
 */
export function parseNetworkKey(content: Uint8Array): Uint8Array {
  const text = new TextDecoder().decode(content).trim();
  if (/^[0-9a-fA-F]{64}$/.test(text)) {
    const k = new Uint8Array(NETWORK_KEY_LENGTH);
    for (let i = 0; i < NETWORK_KEY_LENGTH; i++) {
      k[i] = parseInt(text.slice(2 * i, 2 * i + 2), 16);
    }
    return k;
  }
  if (content.length === NETWORK_KEY_LENGTH) return content.slice();
  throw new RangeError("expected 64 hex digits (a 32-byte key)");
}

/**
 * Writes a new random key from the platform's CSPRNG to `path` (mode 0600), refusing an
 * existing file (`Deno.errors.AlreadyExists`); other failures are the OS's error, unchanged.
 */
export async function writeNewNetworkKey(path: string): Promise<void> {
  const key = crypto.getRandomValues(new Uint8Array(NETWORK_KEY_LENGTH));
  const hex = Array.from(key, (b) => b.toString(16).padStart(2, "0")).join("");
  await atomicWriteFile(path, hex + "\n", { mode: 0o600, createNew: true });
  key.fill(0);
}
