/**
 * The membership key of a private network: `--network-key FILE`, else `DATA/network.key` when
 * present (written by `deno task genesis --private`). The default public network has none.
 * @module
 */
import { Membership } from "../net/membership.ts";
import { osReason, WalletError } from "../wallet/errors.ts";
import { networkKeyId } from "../wire/sealed.ts";
import { NETWORK_KEY_FILE, parseNetworkKey } from "../wallet/network_key_file.ts";
import type { Logger } from "./log.ts";

/**
 * Reads the membership key: from `flag` when given (a missing file is an error), else from
 * `DIR/network.key` when it exists, else null. A key file readable by others is used with a
 * warning. Errors are WalletError("io" | "invalid") naming the file.
 */
export async function loadNetworkKey(
  flag: string | null,
  dir: string,
  log?: Logger,
): Promise<Uint8Array | null> {
  const path = flag ?? `${dir}/${NETWORK_KEY_FILE}`;
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch (e) {
    if (flag === null && e instanceof Deno.errors.NotFound) return null;
    throw new WalletError("io", `Cannot read network key ${path}: ${osReason(e)}`, { cause: e });
  }
  let key: Uint8Array;
  try {
    key = parseNetworkKey(bytes);
  } catch (e) {
    throw new WalletError("invalid", `Invalid network key ${path}: ${(e as Error).message}`);
  }
  if (Deno.build.os !== "windows") {
    const mode = (await Deno.stat(path)).mode;
    if (mode !== null && (mode & 0o077) !== 0) {
      log?.("warn", `Network key ${path} is readable by other users; run: chmod 600 ${path}`);
    }
  }
  return key;
}

/** The Membership of a key, with a fresh random session, and its id for the log. */
export function membershipOf(key: Uint8Array): { membership: Membership; id: string } {
  const id = Array.from(networkKeyId(key), (b) => b.toString(16).padStart(2, "0")).join("");
  return {
    membership: new Membership(key, (n) => crypto.getRandomValues(new Uint8Array(n))),
    id,
  };
}
