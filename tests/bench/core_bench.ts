/**
 * The "core" bench section: signing and verification rates on one core, measured in one run
 * so the native/noble ratio compares like with like. Target (verification issue): at least
 * 8,000 native verifications per second.
 * @module
 */
import { createPublicKey, verify as nodeVerify } from "node:crypto";
import { Buffer } from "node:buffer";
import { fromHex, sha256 } from "../../lib/core/hash.ts";
import { type KeyPair, randomKeyPair } from "../../lib/core/keys.ts";
import { initSigning, signMessage, signTx, verifyMessageNoble } from "../../lib/core/sign.ts";
import { verifyMessageNative } from "../../lib/core/verify_native.ts";
import { type BenchSection, fmtRate, rate } from "./section.ts";

initSigning();

/** Measuring window per figure, after warmup. */
const MEASURE_MS = 1500;
/** Warmup per figure, so the JIT has compiled the hot path before we time it. */
const WARMUP_MS = 300;
/** Distinct keys for the verify figures; above verify_native's 4096-entry key cache. */
const DISTINCT_KEYS = 6000;
/** Keys for the repeated-key native figure; all stay in the key cache. */
const REPEATED_KEYS = 64;
/** The per-second target from the verification issue. */
const NATIVE_TARGET = 8000;

/** Deterministic bytes so runs are comparable (SHA-256 in counter mode). */
function seeded(seed: string): (n: number) => Uint8Array {
  const prefix = new TextEncoder().encode(seed);
  let counter = 0;
  return (n) => {
    const out = new Uint8Array(n);
    for (let off = 0; off < n; off += 32) {
      const block = Uint8Array.of(...prefix, ...new Uint8Array(4));
      new DataView(block.buffer).setUint32(prefix.length, counter++);
      out.set(sha256(block).subarray(0, Math.min(32, n - off)), off);
    }
    return out;
  };
}

interface Signed {
  readonly sig: Uint8Array;
  readonly msg: Uint8Array;
  readonly pk: Uint8Array;
}

function makeSigned(count: number, rand: (n: number) => Uint8Array): Signed[] {
  return Array.from({ length: count }, () => {
    const keys = randomKeyPair(rand);
    const msg = rand(32); // a sighash message is 32 bytes
    return { sig: signMessage(msg, keys.secretKey), msg, pk: keys.publicKey };
  });
}

/** SPKI DER header for a compressed secp256k1 key (RFC 5480 id-ecPublicKey, secp256k1). */
const SPKI_SECP256K1 = fromHex("3036301006072a8648ce3d020106052b8104000a032200");

/**
 * The runtime's own ECDSA verify with prebuilt key objects and no checks of ours: the ceiling
 * for verifyMessageNative, which adds range, low-S and public-key checks and a key cache.
 */
function rawNodeVerifier(items: readonly Signed[]): () => void {
  const prepared = items.map((it) => ({
    ...it,
    key: createPublicKey({
      key: Buffer.from(Uint8Array.of(...SPKI_SECP256K1, ...it.pk)),
      format: "der",
      type: "spki",
    }),
  }));
  let i = 0;
  return () => {
    const it = prepared[i];
    i = (i + 1) % prepared.length;
    const ok = nodeVerify("sha256", it.msg, { key: it.key, dsaEncoding: "ieee-p1363" }, it.sig);
    if (!ok) throw new Error("node:crypto: a valid signature failed");
  };
}

/** A verify loop over `items` in turn; throws if any verification fails (a broken path). */
function verifier(
  items: readonly Signed[],
  verify: (sig: Uint8Array, msg: Uint8Array, pk: Uint8Array) => boolean,
  name: string,
): () => void {
  let i = 0;
  return () => {
    const it = items[i];
    i = (i + 1) % items.length;
    if (!verify(it.sig, it.msg, it.pk)) throw new Error(`${name}: a valid signature failed`);
  };
}

/** Warm up, then measure for MEASURE_MS; returns operations per second. */
function measure(fn: () => void): number {
  rate(fn, WARMUP_MS);
  return rate(fn, MEASURE_MS);
}

/** Runs the core section and returns its markdown. */
export async function bench(): Promise<BenchSection> {
  // Other processes on the machine lower every figure; record how busy it was.
  const load = Deno.loadavg()[0];
  const rand = seeded("crackcoin core bench v1");
  console.log(`core: preparing ${DISTINCT_KEYS} signed messages...`);
  const distinct = makeSigned(DISTINCT_KEYS, rand);
  const repeated = makeSigned(REPEATED_KEYS, rand);

  const payer: KeyPair = randomKeyPair(rand);
  const prevTxid = rand(32);
  const outputs = [
    { amount: 5n, address: rand(20) },
    { amount: 7n, address: rand(20) },
  ];
  let ts = 1_700_000_000_000;
  // Each call signs a fresh 1-in-2-out transaction (the timestamp varies the digest).
  const signOne = () => {
    signTx([{ txid: prevTxid, index: 0, keys: payer }], outputs, ts++);
  };

  const rows: [string, number][] = [];
  const run = async (label: string, fn: () => void) => {
    const r = measure(fn);
    rows.push([label, r]);
    console.log(`core: ${label}: ${fmtRate(r)}/s`);
    // Yield between figures so the event loop (and any output) can make progress.
    await new Promise((resolve) => setTimeout(resolve, 0));
    return r;
  };

  await run("signTx, 1 input 2 outputs (noble, RFC 6979)", signOne);
  const noble = await run(
    "verify, noble (verifyMessageNoble)",
    verifier(distinct, verifyMessageNoble, "noble"),
  );
  const native = await run(
    "verify, native (verifyMessageNative), distinct keys",
    verifier(distinct, verifyMessageNative, "native"),
  );
  const cached = await run(
    "verify, native, repeated keys (key cache hit)",
    verifier(repeated, verifyMessageNative, "native cached"),
  );
  await run("verify, node:crypto alone (prebuilt keys, no checks)", rawNodeVerifier(repeated));

  const ratio = native / noble;
  const meets = native >= NATIVE_TARGET;
  console.log(`core: native/noble verify ratio: ${ratio.toFixed(2)}x`);
  console.log(
    `core: native target ${fmtRate(NATIVE_TARGET)}/s: ${meets ? "met" : "NOT met"} ` +
      `(${fmtRate(native)}/s distinct keys, ${fmtRate(cached)}/s cached)`,
  );

  const table = [
    "| operation | per second (one core) |",
    "|---|---:|",
    ...rows.map(([label, r]) => `| ${label} | ${fmtRate(r)} |`),
    `| ratio native / noble (distinct keys) | ${ratio.toFixed(2)}x |`,
  ].join("\n");
  const notes = [
    `Each figure: ${WARMUP_MS} ms warmup, then ${MEASURE_MS} ms measured, in one process ` +
    `(1-minute load average at the start: ${load.toFixed(2)}).`,
    `Verification cycles through ${DISTINCT_KEYS} distinct keys (more than the native key ` +
    `cache holds) and 32-byte messages; the cached row uses ${REPEATED_KEYS} keys.`,
    `Target: at least ${fmtRate(NATIVE_TARGET)} native verifications/s on one core: ` +
    `${meets ? "met" : "**not met**"}.`,
  ].map((line) => `- ${line}`).join("\n");
  return { title: "Core: signatures", markdown: `${table}\n\n${notes}\n` };
}
