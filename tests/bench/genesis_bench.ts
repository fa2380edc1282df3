/**
 * Benchmark of `deno task genesis`: vanity keys/s and genesis-mining hashes/s on the real
 * worker pool (genesis/search.ts), with one worker and with every core.
 * @module
 */
import { addressFromPublicKey } from "../../lib/core/address.ts";
import { randomKeyPair } from "../../lib/core/keys.ts";
import { planPrefix } from "../../genesis/prefix.ts";
import { findVanityKey, mineNonce, type SearchOptions } from "../../genesis/search.ts";
import { type BenchSection, fmtRate, rate } from "./section.ts";

const WARMUP_MS = 1500;
const MEASURE_MS = 4000;

/** Runs a search that will not finish, and returns its rate after the warmup. */
async function measure(
  run: (opts: SearchOptions) => Promise<unknown>,
  workers: number,
): Promise<number> {
  const ac = new AbortController();
  let start: { tried: number; ms: number } | undefined;
  let end: { tried: number; ms: number } | undefined;
  const timer = setTimeout(() => ac.abort(new Error("bench over")), WARMUP_MS + MEASURE_MS);
  try {
    await run({
      workers,
      progressMs: 100,
      signal: ac.signal,
      onProgress: (p) => {
        if (p.elapsedMs < WARMUP_MS) return;
        start ??= { tried: p.tried, ms: p.elapsedMs };
        end = { tried: p.tried, ms: p.elapsedMs };
      },
    });
    throw new Error("the benchmark search finished unexpectedly");
  } catch (e) {
    if ((e as Error).message !== "bench over") throw e;
  } finally {
    clearTimeout(timer);
  }
  if (!start || !end || end.ms <= start.ms) throw new Error("no progress reported");
  return ((end.tried - start.tried) * 1000) / (end.ms - start.ms);
}

/** The "genesis" section of docs/BENCHMARKS.md. */
export async function bench(): Promise<BenchSection> {
  const cores = navigator.hardwareConcurrency;
  const plan = planPrefix("abcdefgh"); // about 10^14 keys: never found in a benchmark
  const vanity = (w: number) => measure((o) => findVanityKey(plan, o), w);
  const txid = crypto.getRandomValues(new Uint8Array(32));
  const pow = (w: number) => measure((o) => mineNonce(txid, 40, o), w);

  const random = (n: number) => crypto.getRandomValues(new Uint8Array(n));
  const mainThread = rate(() => addressFromPublicKey(randomKeyPair(random).publicKey), 1500);
  const v1 = await vanity(1);
  const vN = await vanity(cores);
  const p1 = await pow(1);
  const pN = await pow(cores);
  const load = Deno.loadavg().map((x) => x.toFixed(1)).join(", ");
  const hours = (tries: number) => (tries / vN / 3600).toFixed(tries / vN < 36000 ? 2 : 0);

  const markdown = `
| search | 1 worker | ${cores} workers (all cores) |
|---|---:|---:|
| vanity keys/s (random key, node:crypto secp256k1, HASH160, range test) | ${fmtRate(v1)} | ${
    fmtRate(vN)
  } |
| genesis confirmation hashes/s (SHA-256 of txid ‖ nonce, lib/mining/sha256_pow.ts kernel) | ${
    fmtRate(p1)
  } | ${fmtRate(pN)} |

- For comparison, one key and address per call with noble on the main thread: ${
    fmtRate(mainThread)
  } keys/s.
- Each figure: a real worker pool (genesis/search.ts) with a search that cannot finish, ${
    WARMUP_MS / 1000
  } s warmup, then ${MEASURE_MS / 1000} s measured from the workers' progress counts.
- At the all-core rate, a 4-character prefix (about ${
    fmtRate(planPrefix("abcd").expectedTries)
  } keys) takes ${hours(planPrefix("abcd").expectedTries)} h on average, 5 characters ${
    hours(planPrefix("abcde").expectedTries)
  } h.
- Load average while measuring: ${load} (other work shares this machine, so all-core figures
  are lower bounds).
`;
  return { title: "Genesis: vanity search and genesis mining", markdown };
}
