/**
 * The signature-verification backend, chosen once at start: libsecp256k1 (the Node-API addon)
 * wherever it loads, node:crypto otherwise. Both run the project's range, low-S and key-prefix
 * checks first (core/verify_native.ts) and give the same answers as noble on every input
 * (tests/verify/backend_test.ts); they differ only in speed (docs/BENCHMARKS.md "Core").
 * @module
 */
import type { VerifyFn } from "../core/validate.ts";
import { verifyMessageNative } from "../core/verify_native.ts";
import { loadSecp256k1Addon } from "./secp256k1_addon.ts";

/** The backends, by the names the CLI, the log and the bench print. */
export type VerifyBackendName = "libsecp256k1" | "node:crypto";

/** A chosen backend. */
export interface VerifyBackend {
  readonly name: VerifyBackendName;
  /** The project's verify path on this backend; never throws. */
  readonly verify: VerifyFn;
  /** Where it came from, or why libsecp256k1 could not be used (for the log). */
  readonly detail: string;
}

/** The node:crypto backend, always available. */
export const NODE_CRYPTO_BACKEND: VerifyBackend = Object.freeze({
  name: "node:crypto",
  verify: verifyMessageNative,
  detail: "the runtime's node:crypto",
});

/** Options of {@linkcode selectVerifyBackend}. */
export interface SelectOptions {
  /** "node:crypto" skips the addon. Default: libsecp256k1 when it loads. */
  readonly prefer?: VerifyBackendName;
  /** Package folder to load the addon from (default: CRACKCOIN_SECP256K1_DIR, else the package). */
  readonly addonDir?: string;
}

/**
 * Chooses the backend: libsecp256k1 when its addon loads and passes its self-test, else
 * node:crypto with `detail` saying why. Never throws.
 *
 * @example
 * ```ts
 * import { selectVerifyBackend } from "./backend.ts";
 * const backend = await selectVerifyBackend();
 * console.log(`verifying with ${backend.name}: ${backend.detail}`);
 * ```
 */
export async function selectVerifyBackend(opts: SelectOptions = {}): Promise<VerifyBackend> {
  if (opts.prefer === "node:crypto") return NODE_CRYPTO_BACKEND;
  try {
    const addon = await loadSecp256k1Addon(opts.addonDir);
    return Object.freeze({ name: "libsecp256k1", verify: addon.verify, detail: addon.file });
  } catch (e) {
    return Object.freeze({
      ...NODE_CRYPTO_BACKEND,
      detail: `libsecp256k1 unavailable: ${(e as Error).message}`,
    });
  }
}
