/**
 * The "mining" bench section: the PoW kernels on one thread, then the real MinerPool with
 * one worker and with one per logical core, against `openssl speed -evp sha256 -bytes 40`
 * on one core, all in one run. Targets (mining issue): 1 worker ≥ 1.0× OpenSSL's one-core
 * rate; all cores ≥ 1.9× one worker on 2 cores.
 * @module
 */
import { sha256 } from "@noble/hashes/sha2.js";
import { powMessage } from "../../lib/core/pow.ts";
import { createPowSearch, type PowKernel, simdAvailable } from "../../lib/core/sha256_pow.ts";
import { MinerPool } from "../../lib/mining/pool.ts";
import { type BenchSection, fmtRate } from "./section.ts";

/** Seconds OpenSSL measures for. */
const OPENSSL_SECONDS = 3;
/** Pool warmup (worker start, module load, JIT tiers) and measuring window. */
const POOL_WARMUP_MS = 1500;
const POOL_MEASURE_MS = 4000;
/** Single-thread kernel window per figure, after warmup. */
const KERNEL_WARMUP_MS = 300;
const KERNEL_MEASURE_MS = 2000;

const TXID = Uint8Array.from({ length: 32 }, (_, i) => (i * 37 + 11) & 0xff);

/** OpenSSL's one-core rate of 40-byte SHA-256 digests, or null without openssl. */
async function opensslRate(): Promise<number | null> {
  let out: Deno.CommandOutput;
  try {
    out = await new Deno.Command("openssl", {
      args: ["speed", "-evp", "sha256", "-bytes", "40", "-seconds", String(OPENSSL_SECONDS)],
      stdout: "piped",
      stderr: "null",
    }).output();
  } catch {
    return null;
  }
  // Last line: "sha256   226466.35k" (thousands of bytes per second).
  const text = new TextDecoder().decode(out.stdout);
  const m = /^sha256\s+([\d.]+)k\s*$/m.exec(text);
  return out.success && m !== null ? (Number(m[1]) * 1000) / 40 : null;
}

function timeLoop(warmupMs: number, measureMs: number, step: () => number): number {
  const warm = performance.now();
  while (performance.now() - warm < warmupMs) step();
  let n = 0;
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < measureMs) {
    n += step();
    t = performance.now();
  }
  return (n * 1000) / (t - t0);
}

/** One thread, no workers: the search function itself, 2^18 nonces per call. */
function kernelRate(kernel: PowKernel): number {
  const search = createPowSearch(TXID, { kernel });
  const chunk = 1 << 18;
  let lo = 0;
  return timeLoop(KERNEL_WARMUP_MS, KERNEL_MEASURE_MS, () => {
    // A target of 256 bits is never met, so every call hashes the whole chunk.
    search(1, lo, chunk, 256);
    lo = (lo + chunk) % 2 ** 31;
    return chunk;
  });
}

/** @noble/hashes sha256 of the 40-byte message, one call per nonce. */
function nobleRate(): number {
  const msg = powMessage(TXID, 0n);
  let i = 0;
  return timeLoop(KERNEL_WARMUP_MS, KERNEL_MEASURE_MS, () => {
    for (let k = 0; k < 1000; k++) {
      msg[39] = i++;
      sha256(msg);
    }
    return 1000;
  });
}

/** The real pool on a target it cannot finish: hashes/s from the workers' own reports. */
async function poolRate(workers: number): Promise<number> {
  const pool = new MinerPool({
    workers,
    capBits: 256,
    pickTarget: () => ({ txid: TXID, work: 200 }),
    onFound: () => {},
  });
  pool.start();
  try {
    await new Promise((r) => setTimeout(r, POOL_WARMUP_MS));
    const h0 = pool.stats().totalHashes, t0 = performance.now();
    await new Promise((r) => setTimeout(r, POOL_MEASURE_MS));
    const h1 = pool.stats().totalHashes, t1 = performance.now();
    return ((h1 - h0) * 1000) / (t1 - t0);
  } finally {
    await pool.stop();
  }
}

const ratio = (a: number, b: number | null) => b === null ? "n/a" : (a / b).toFixed(2);

/** Runs the section. */
export async function bench(): Promise<BenchSection> {
  const cores = navigator.hardwareConcurrency;
  const openssl = await opensslRate();
  const simd = simdAvailable() ? kernelRate("simd") : null;
  const scalar = kernelRate("scalar");
  const noble = nobleRate();
  const settings = [...new Set([1, cores])];
  const pools: { workers: number; rate: number }[] = [];
  for (const workers of settings) {
    const rate = await poolRate(workers);
    pools.push({ workers, rate });
    console.log(
      `mining: ${workers} workers ${Math.round(rate)} H/s, ${ratio(rate, openssl)} x openssl-1core`,
    );
  }
  const one = pools[0].rate;
  const all = pools[pools.length - 1];
  const rows = [
    `| \`openssl speed -evp sha256 -bytes 40\`, one process | ${
      openssl === null ? "not available" : fmtRate(openssl)
    } | 1.00x |`,
    `| kernel, WebAssembly SIMD (4 lanes), one thread | ${
      simd === null ? "not available" : fmtRate(simd)
    } | ${simd === null ? "n/a" : ratio(simd, openssl)}x |`,
    `| kernel, scalar TypeScript, one thread | ${fmtRate(scalar)} | ${ratio(scalar, openssl)}x |`,
    `| @noble/hashes sha256, one call per nonce | ${fmtRate(noble)} | ${ratio(noble, openssl)}x |`,
    ...pools.map((p) =>
      `| MinerPool, ${p.workers} worker${p.workers === 1 ? "" : "s"} | ${fmtRate(p.rate)} | ${
        ratio(p.rate, openssl)
      }x |`
    ),
  ];
  const met = (ok: boolean) => ok ? "met" : "**not met**";
  const notes = [
    `- Kernel speed-up over noble: ${ratio(simd ?? scalar, noble)}x (${
      simd === null ? "scalar" : "SIMD"
    }), ${ratio(scalar, noble)}x (scalar).`,
    `- Pool figures: ${POOL_WARMUP_MS} ms warmup, then ${POOL_MEASURE_MS} ms measured from the ` +
    `workers' progress reports, on a target that cannot be finished; kernel figures: ` +
    `${KERNEL_WARMUP_MS} ms warmup, then ${KERNEL_MEASURE_MS} ms; OpenSSL: ${OPENSSL_SECONDS} s.`,
    `- Target 1 worker ≥ 1.0x OpenSSL one core: ${
      openssl === null ? "not measured (no openssl)" : met(one >= openssl)
    }.`,
  ];
  if (all.workers > 1) {
    notes.push(
      `- ${all.workers} workers / 1 worker: ${ratio(all.rate, one)}x` +
        (all.workers === 2 ? ` (target ≥ 1.9x: ${met(all.rate >= 1.9 * one)}).` : "."),
    );
  }
  notes.push(
    "- Other processes on the machine take cycles from every figure alike; the ratios are " +
      "the figures to compare.",
  );
  return {
    title: "Mining: PoW hashing",
    markdown: [
      "| hasher (SHA-256 of the 40-byte txid ‖ nonce) | hashes/s | x OpenSSL 1 core |",
      "|---|---:|---:|",
      ...rows,
      "",
      ...notes,
    ].join("\n"),
  };
}
