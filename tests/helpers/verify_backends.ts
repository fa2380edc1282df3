/**
 * The verification backends a test cross-checks: noble (the reference), node:crypto and
 * libsecp256k1. The addon must load wherever the npm package ships a prebuilt binary for this
 * platform; elsewhere the libsecp256k1 checks are skipped, and say so.
 * @module
 */
import type { VerifyFn } from "../../lib/core/validate.ts";
import { initSigning, verifyMessageNoble } from "../../lib/core/sign.ts";
import { verifyMessageNative } from "../../lib/core/verify_native.ts";
import { loadSecp256k1Addon, type Secp256k1Addon } from "../../lib/verify/secp256k1_addon.ts";

initSigning(); // noble's hashes, for the reference verifier and the tests' signing

/** Platforms (Deno.build os-arch) for which secp256k1@5.0.2 ships a prebuilt addon. */
export const PREBUILT_PLATFORMS: readonly string[] = [
  "linux-x86_64",
  "darwin-aarch64",
  "windows-x86_64",
];

/** Whether this platform has a prebuilt addon in the package. */
export const HAS_PREBUILT = PREBUILT_PLATFORMS.includes(`${Deno.build.os}-${Deno.build.arch}`);

async function load(): Promise<Secp256k1Addon | null> {
  try {
    return await loadSecp256k1Addon();
  } catch (e) {
    // Where a prebuilt addon exists, failing to load it is a failure, not a skip.
    if (HAS_PREBUILT) throw e;
    console.log(`libsecp256k1 checks skipped on ${Deno.build.target}: ${(e as Error).message}`);
    return null;
  }
}

/** The loaded addon, or null on a platform without a prebuilt one. */
export const ADDON: Secp256k1Addon | null = await load();

/** Every verifier under test, by name. */
export const VERIFIERS: ReadonlyArray<readonly [string, VerifyFn]> = [
  ["noble", verifyMessageNoble],
  ["node:crypto", verifyMessageNative],
  ...(ADDON ? [["libsecp256k1", ADDON.verify] as const] : []),
];

/**
 * Runs every verifier on one input, asserts they all give noble's answer, and returns it.
 * `what` names the case in the failure message.
 */
export function verifyAll(
  signature: Uint8Array,
  message: Uint8Array,
  publicKey: Uint8Array,
  what: string,
): boolean {
  const expected = verifyMessageNoble(signature, message, publicKey);
  for (const [name, verify] of VERIFIERS) {
    const got = verify(signature, message, publicKey);
    if (got !== expected) throw new Error(`${what}: ${name} says ${got}, noble says ${expected}`);
  }
  return expected;
}
