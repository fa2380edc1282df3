/// <reference no-default-lib="true" />
/// <reference lib="deno.worker" />
/**
 * The genesis worker script. It runs one job until the main thread terminates it:
 * - `vanity`: random secret keys (crypto.getRandomValues) until an address starts with the
 *   prefix, posting the secret key of the first match;
 * - `pow`: nonces high·2^32 + lo for its own high words, until SHA-256(txid ‖ nonce) has the
 *   wanted leading zero bits (docs/PROTOCOL.md §6), with the miners' fast kernel
 *   (lib/mining/sha256_pow.ts).
 * Both post `progress` counts and yield to the event loop every SLICE_MS. The main thread re-checks every
 * result with the reference code, so a fault here cannot produce a wrong genesis.
 * @module
 */
import { createECDH } from "node:crypto";
import * as secp from "@noble/secp256k1";
import { ADDRESS_VERSION, addressFromPublicKey } from "../lib/core/address.ts";
import { hash160 } from "../lib/core/hash.ts";
import { createPowSearch } from "../lib/mining/sha256_pow.ts";

/** A job for one worker. */
export type WorkerJob =
  | {
    readonly kind: "vanity";
    /** Lead character plus prefix, e.g. "Cab": the full address must start with it. */
    readonly start: string;
    /** First 21 bytes of the lowest and highest matching address numbers. */
    readonly low: Uint8Array;
    readonly high: Uint8Array;
  }
  | {
    readonly kind: "pow";
    readonly txid: Uint8Array;
    readonly bits: number;
    /** First high nonce word, and the step to the next one (the worker count). */
    readonly first: number;
    readonly stride: number;
  };

/** What a worker posts back. */
export type WorkerReport =
  | { readonly type: "progress"; readonly tried: number }
  | { readonly type: "key"; readonly secretKey: Uint8Array }
  | { readonly type: "nonce"; readonly nonce: string }
  | { readonly type: "error"; readonly message: string };

/** How long a worker computes before it reports its count and yields to its event loop. */
export const SLICE_MS = 200;

const KEY_BATCH = 64;
/** Nonces per call of the PoW kernel (a few milliseconds). */
const POW_CHUNK = 1 << 14;

function post(r: WorkerReport): void {
  self.postMessage(r);
}

/**
 * Returns to the event loop. Deno 2.9 does not interrupt a worker that never leaves a
 * synchronous loop, so `terminate()` takes effect only here.
 */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/** Compressed public key of a secret key: native node:crypto when present (about 2x noble). */
function publicKeyDeriver(): (sk: Uint8Array) => Uint8Array | undefined {
  try {
    const ecdh = createECDH("secp256k1");
    return (sk) => {
      try {
        ecdh.setPrivateKey(sk);
        return new Uint8Array(ecdh.getPublicKey(null, "compressed"));
      } catch {
        return undefined; // zero or ≥ n: not a secret key
      }
    };
  } catch {
    return (sk) => secp.utils.isValidSecretKey(sk) ? secp.getPublicKey(sk, true) : undefined;
  }
}

/** Lexicographic comparison of the 21-byte version ‖ hash with a bound. */
function compare21(version: number, hash: Uint8Array, bound: Uint8Array): number {
  if (version !== bound[0]) return version - bound[0];
  for (let i = 0; i < 20; i++) if (hash[i] !== bound[i + 1]) return hash[i] - bound[i + 1];
  return 0;
}

async function runVanity(job: Extract<WorkerJob, { kind: "vanity" }>): Promise<void> {
  const derive = publicKeyDeriver();
  const pool = new Uint8Array(32 * KEY_BATCH);
  for (;;) {
    let tried = 0;
    const sliceEnd = performance.now() + SLICE_MS;
    while (performance.now() < sliceEnd) {
      crypto.getRandomValues(pool);
      for (let k = 0; k < KEY_BATCH; k++) {
        const sk = pool.subarray(32 * k, 32 * k + 32);
        const pk = derive(sk);
        if (pk === undefined) continue;
        tried++;
        const h = hash160(pk);
        // Base58 order is numeric order, so a range test on the leading bytes skips the
        // Base58 encoding for all but the rare candidates.
        if (
          compare21(ADDRESS_VERSION, h, job.low) >= 0 &&
          compare21(ADDRESS_VERSION, h, job.high) <= 0 &&
          addressFromPublicKey(pk).startsWith(job.start)
        ) {
          post({ type: "progress", tried });
          post({ type: "key", secretKey: Uint8Array.from(sk) });
          return;
        }
      }
    }
    post({ type: "progress", tried });
    await yieldToEventLoop();
  }
}

async function runPow(job: Extract<WorkerJob, { kind: "pow" }>): Promise<void> {
  const search = createPowSearch(job.txid);
  for (let high = job.first; high <= 0xffffffff; high += job.stride) {
    let lo = 0;
    while (lo <= 0xffffffff) {
      let tried = 0;
      const sliceEnd = performance.now() + SLICE_MS;
      while (lo <= 0xffffffff && performance.now() < sliceEnd) {
        const count = Math.min(POW_CHUNK, 0x100000000 - lo);
        const hit = search(high, lo, count, job.bits);
        if (hit !== null) {
          post({ type: "progress", tried: tried + hit.nonceLo - lo + 1 });
          post({ type: "nonce", nonce: ((BigInt(high) << 32n) | BigInt(hit.nonceLo)).toString() });
          return;
        }
        tried += count;
        lo += count;
      }
      post({ type: "progress", tried });
      await yieldToEventLoop();
    }
  }
  post({ type: "error", message: "nonce space exhausted" });
}

self.onmessage = async (e: MessageEvent<WorkerJob>) => {
  try {
    if (e.data.kind === "vanity") await runVanity(e.data);
    else await runPow(e.data);
  } catch (err) {
    post({ type: "error", message: (err as Error).message ?? String(err) });
  }
};
