/**
 * The "mining" bench section: the PoW kernels on one thread, then the real MinerPool with
 * one worker and with one per logical core, against `openssl speed -evp sha256 -bytes 40`
 * on one core, all in one run. Targets (mining issue): 1 worker ≥ 1.0× OpenSSL's one-core
 * rate; all cores ≥ 1.9× one worker on 2 cores.
 * @module
 */
import process from "node:process";
import { sha256 } from "@noble/hashes/sha2.js";
import { powMessage } from "../../lib/core/pow.ts";
import { createPowSearch, type PowKernel, simdAvailable } from "../../lib/mining/sha256_pow.ts";
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

/** A rate by the wall clock and per second of CPU time of this process; cores busy meanwhile. */
interface Rate {
  readonly wall: number;
  readonly cpu: number;
  readonly cores: number;
}

/** CPU seconds (user + system, all threads) of this process since `since`. */
function cpuSeconds(since: NodeJS.CpuUsage): number {
  const u = process.cpuUsage(since);
  return (u.user + u.system) / 1e6;
}

function timeLoop(warmupMs: number, measureMs: number, step: () => number): Rate {
  const warm = performance.now();
  while (performance.now() - warm < warmupMs) step();
  let n = 0;
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < measureMs) {
    n += step();
    t = performance.now();
  }
  const cpu = cpuSeconds(c0);
  return { wall: (n * 1000) / (t - t0), cpu: n / cpu, cores: cpu / ((t - t0) / 1000) };
}

/** One thread, no workers: the search function itself, 2^18 nonces per call. */
function kernelRate(kernel: PowKernel): Rate {
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
function nobleRate(): Rate {
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
async function poolRate(workers: number): Promise<Rate> {
  const pool = new MinerPool({
    workers,
    capBits: 64,
    minBits: 64,
    pickTarget: () => ({ txid: TXID, refs: [] }),
    onFound: () => {},
  });
  pool.start();
  try {
    await new Promise((r) => setTimeout(r, POOL_WARMUP_MS));
    const h0 = pool.stats().totalHashes, t0 = performance.now(), c0 = process.cpuUsage();
    await new Promise((r) => setTimeout(r, POOL_MEASURE_MS));
    const h1 = pool.stats().totalHashes, t1 = performance.now();
    const cpu = cpuSeconds(c0);
    return {
      wall: ((h1 - h0) * 1000) / (t1 - t0),
      cpu: (h1 - h0) / cpu,
      cores: cpu / ((t1 - t0) / 1000),
    };
  } finally {
    await pool.stop();
  }
}

const ratio = (a: number, b: number | null) => b === null ? "n/a" : `${(a / b).toFixed(2)}x`;

/** Runs the section. */
export async function bench(): Promise<BenchSection> {
  const cores = navigator.hardwareConcurrency;
  const openssl = await opensslRate();
  const simd = simdAvailable() ? kernelRate("simd") : null;
  const scalar = kernelRate("scalar");
  const noble = nobleRate();
  const pools: { workers: number; rate: Rate }[] = [];
  for (const workers of new Set([1, cores])) {
    const rate = await poolRate(workers);
    pools.push({ workers, rate });
    console.log(
      `mining: ${workers} workers ${Math.round(rate.wall)} H/s, ${
        openssl === null ? "n/a" : (rate.wall / openssl).toFixed(2)
      } x openssl-1core`,
    );
  }
  const row = (name: string, r: Rate | null) =>
    r === null
      ? `| ${name} | not available | | | | |`
      : `| ${name} | ${fmtRate(r.wall)} | ${fmtRate(r.cpu)} | ${ratio(r.wall, openssl)} | ${
        ratio(r.cpu, openssl)
      } | ${r.cores.toFixed(2)} |`;
  const rows = [
    `| \`openssl speed -evp sha256 -bytes 40\`, one process | | ${
      openssl === null ? "not available" : fmtRate(openssl)
    } | | 1.00x | |`,
    row("kernel, WebAssembly SIMD (4 lanes), one thread", simd),
    row("kernel, scalar TypeScript, one thread", scalar),
    row("@noble/hashes sha256, one call per nonce", noble),
    ...pools.map((p) => row(`MinerPool, ${p.workers} worker${p.workers === 1 ? "" : "s"}`, p.rate)),
  ];
  const one = pools[0].rate.wall;
  const all = pools[pools.length - 1];
  const met = (ok: boolean) => ok ? "met" : "**not met**";
  const notes = [
    `- Kernel speed-up over noble (per CPU-second): ${
      simd === null ? "" : `${ratio(simd.cpu, noble.cpu)} SIMD, `
    }${ratio(scalar.cpu, noble.cpu)} scalar.`,
    `- Target 1 worker ≥ 1.0x OpenSSL one core (wall clock): ${
      openssl === null ? "not measured (no openssl)" : met(one >= openssl)
    }.`,
  ];
  if (all.workers > 1) {
    notes.push(
      `- ${all.workers} workers / 1 worker (wall clock): ${ratio(all.rate.wall, one)}` +
        (all.workers === 2 ? ` (target ≥ 1.9x: ${met(all.rate.wall >= 1.9 * one)}).` : "."),
    );
  }
  notes.push(
    `- Pool figures: ${POOL_WARMUP_MS} ms warmup, then ${POOL_MEASURE_MS} ms counted from the ` +
      `workers' progress reports, on a target that cannot be finished. Kernel figures: ` +
      `${KERNEL_WARMUP_MS} ms warmup, then ${KERNEL_MEASURE_MS} ms. OpenSSL: ${OPENSSL_SECONDS} s.`,
    "- `openssl speed` divides by CPU user time, not the wall clock, so its figure does not drop " +
      'when other processes share the cores. "Per CPU-second" divides our hashes by the CPU ' +
      "time of the whole process (main thread and workers), the like-for-like comparison on a " +
      'busy machine; on an idle one the two columns agree. "Cores busy" is that CPU time ' +
      "over the wall time: below the worker count, other processes held the cores.",
    `- Load average at the end: ${Deno.loadavg().map((l) => l.toFixed(1)).join(", ")}.`,
  );
  return {
    title: "Mining: PoW hashing",
    markdown: [
      "| hasher (SHA-256 of the 40-byte txid ‖ nonce) | hashes/s | per CPU-second | " +
      "x OpenSSL | x OpenSSL per CPU-second | cores busy |",
      "|---|---:|---:|---:|---:|---:|",
      ...rows,
      "",
      ...notes,
    ].join("\n"),
  };
}
