/**
 * The libsecp256k1 backend: Bitcoin Core's ECDSA library, through the npm `secp256k1` package's
 * Node-API addon (prebuilt `.node` files inside the package, found by its own `node-gyp-build`).
 *
 * It loads the addon exactly as the package's `bindings.js` does (node-gyp-build, then the
 * package's `lib/` wrapper around `new addon.Secp256k1()`), never through the package's
 * `index.js`, which would silently fall back to the pure-JS `elliptic`. Anything that goes
 * wrong (no prebuilt file for this platform, no `--allow-ffi` for it, a load error, a failed
 * self-test) is an {@linkcode AddonUnavailable} error naming the cause, and the caller falls
 * back to node:crypto.
 *
 * Deno needs `--allow-ffi` to load a Node-API addon. The permission is queried for the exact
 * file first, so that a missing grant never turns into an interactive prompt.
 * @module
 */
import type { VerifyFn } from "../core/validate.ts";
import { fromHex, sha256 } from "../core/hash.ts";
import { passesVerifyPrechecks } from "../core/verify_native.ts";

/** Points the loader at another package folder; a folder without the addon makes it fail. */
export const ADDON_DIR_ENV = "CRACKCOIN_SECP256K1_DIR";

/** The addon could not be used; `message` says why, for the log. */
export class AddonUnavailable extends Error {
  override name = "AddonUnavailable";
}

/** The part of the package's `lib/index.js` wrapper that we call. */
interface Secp256k1Lib {
  /** Throws on a signature or key that does not parse; false when it does not verify. */
  ecdsaVerify(signature: Uint8Array, msg32: Uint8Array, publicKey: Uint8Array): boolean;
}

interface NodeGypBuild {
  (dir: string): { Secp256k1: new () => unknown };
  resolve(dir: string): string;
}

/** The loaded addon. */
export interface Secp256k1Addon {
  /** The `.node` file that was loaded. */
  readonly file: string;
  /** The backend alone: ECDSA over a 32-byte digest, none of the project's checks. */
  readonly ecdsaVerify: (
    signature: Uint8Array,
    digest: Uint8Array,
    publicKey: Uint8Array,
  ) => boolean;
  /** The project's verify path on libsecp256k1: prechecks, SHA-256 of the message, verify. */
  readonly verify: VerifyFn;
}

// A signature made by noble (secret key 0x11…11, RFC 6979) over the 32-byte ASCII message:
// the addon must accept it and refuse it with one bit flipped before it is trusted.
const SELF_TEST = {
  message: new TextEncoder().encode("crackcoin libsecp256k1 self-test"),
  publicKey: fromHex("034f355bdcb7cc0af728ef3cceb9615d90684bb5b2ca5f859ab0f0b704075871aa"),
  signature: fromHex(
    "36d635fdbea871d8ed28aff5f2cad3f210e50e17336e55e087d4d7777ad1f33e" +
      "5ce90f202d2fc558817069cd4f9e2744763897e41ff1e508f9b0e938806b3849",
  ),
};

/** The installed package's folder (where `prebuilds/` is). */
function packageDir(): string {
  const lib = new URL("./", import.meta.resolve("secp256k1/lib/index.js"));
  return decodeURIComponent(new URL("../", lib).pathname).replace(/^\/([A-Za-z]:)/, "$1");
}

function envDir(): string | undefined {
  try {
    return Deno.env.get(ADDON_DIR_ENV) || undefined;
  } catch {
    return undefined; // no --allow-env: use the package
  }
}

/**
 * Loads libsecp256k1 from the npm package (or from `dir`, or from the folder named by
 * CRACKCOIN_SECP256K1_DIR). Throws {@linkcode AddonUnavailable} with the reason when it cannot.
 */
export async function loadSecp256k1Addon(dir?: string): Promise<Secp256k1Addon> {
  const where = dir ?? envDir() ?? packageDir();
  let file: string;
  let lib: Secp256k1Lib;
  try {
    const gyp = (await import("node-gyp-build")).default as unknown as NodeGypBuild;
    try {
      file = gyp.resolve(where);
    } catch (e) {
      throw new AddonUnavailable(`no prebuilt addon in ${where}: ${firstLine(e)}`);
    }
    const ffi = Deno.permissions.querySync({ name: "ffi", path: file });
    if (ffi.state !== "granted") {
      throw new AddonUnavailable(`loading ${file} needs --allow-ffi for it`);
    }
    const addon = gyp(where);
    const wrap = (await import("secp256k1/lib/index.js")).default as unknown as (
      a: unknown,
    ) => Secp256k1Lib;
    lib = wrap(new addon.Secp256k1());
  } catch (e) {
    if (e instanceof AddonUnavailable) throw e;
    throw new AddonUnavailable(`cannot load libsecp256k1 from ${where}: ${firstLine(e)}`, {
      cause: e,
    });
  }
  const ecdsaVerify = (signature: Uint8Array, digest: Uint8Array, publicKey: Uint8Array) => {
    try {
      return lib.ecdsaVerify(signature, digest, publicKey);
    } catch {
      return false; // the signature or the key does not parse
    }
  };
  const verify: VerifyFn = (signature, message, publicKey) =>
    passesVerifyPrechecks(signature, publicKey) && message instanceof Uint8Array &&
    ecdsaVerify(signature, sha256(message), publicKey);
  const t = SELF_TEST;
  const flipped = Uint8Array.from(t.signature);
  flipped[40] ^= 1;
  if (!verify(t.signature, t.message, t.publicKey) || verify(flipped, t.message, t.publicKey)) {
    throw new AddonUnavailable(`libsecp256k1 from ${file} failed its self-test`);
  }
  return { file, ecdsaVerify, verify };
}

function firstLine(e: unknown): string {
  return String(e instanceof Error ? e.message : e).split("\n")[0];
}
