/**
 * The "set_digest" bench section: what MuHash3072 (lib/core/set_digest.ts) costs the ledger
 * per stored transaction and per better confirmation, beside the v1 XOR digest it replaces,
 * and what a summary (finalize) and the persisted state cost. Each stored item costs a fixed
 * number of 3072-bit multiplications: the state never grows.
 * @module
 */
import { sha256 } from "../../lib/core/hash.ts";
import { MuHash3072, MUHASH_STATE_BYTES } from "../../lib/core/set_digest.ts";
import { type BenchSection, fmtRate, rate } from "./section.ts";

/** Measuring window per figure (after `rate`'s own 50-call warmup). */
const MEASURE_MS = 1000;
/** Elements inserted before the "large set" figure, to show the cost does not grow. */
const LARGE_SET = 20_000;

/** A 34-byte summary entry (txid ‖ work u16) that changes on every call. */
function entryMaker(): () => Uint8Array {
  const e = new Uint8Array(34);
  let i = 0;
  return () => {
    i++;
    e[0] = i & 0xff;
    e[1] = (i >> 8) & 0xff;
    e[2] = (i >> 16) & 0xff;
    e[3] = (i >> 24) & 0xff;
    return e;
  };
}

/** Measures the section; prints each figure as it is taken. */
export function bench(): Promise<BenchSection> {
  const load = Deno.loadavg()[0];
  const rows: [string, number][] = [];
  const take = (label: string, fn: () => void) => {
    const r = rate(fn, MEASURE_MS);
    rows.push([label, r]);
    console.log(`set_digest: ${label}: ${fmtRate(r)}/s`);
    return r;
  };

  const acc = new Uint8Array(32);
  const nextV1 = entryMaker();
  take("v1 XOR digest: SHA-256 of one entry, XORed in", () => {
    const h = sha256(nextV1());
    for (let i = 0; i < 32; i++) acc[i] ^= h[i];
  });

  const small = new MuHash3072();
  const nextIns = entryMaker();
  const insertRate = take("MuHash3072 insert (one stored transaction)", () => {
    small.insert(nextIns());
  });

  const large = new MuHash3072();
  const fill = entryMaker();
  for (let i = 0; i < LARGE_SET; i++) large.insert(fill());
  const nextLarge = entryMaker();
  const largeRate = take(`MuHash3072 insert, after ${fmtRate(LARGE_SET)} inserts`, () => {
    large.insert(nextLarge());
  });

  const nextRem = entryMaker();
  take("MuHash3072 remove", () => {
    small.remove(nextRem());
  });

  const oldE = entryMaker(), newE = entryMaker();
  take("MuHash3072 remove + insert (a better confirmation)", () => {
    small.remove(oldE()).insert(newE());
  });

  // finalize() folds the denominator into the numerator (one inverse) only when something was
  // removed since the last call; after inserts alone it is one SHA-256 of the state.
  const nextF = entryMaker();
  const finalizeRate = take("MuHash3072 insert + finalize (no inverse)", () => {
    small.insert(nextF()).finalize();
  });
  const nextFR = entryMaker();
  const inverseRate = take("MuHash3072 remove + finalize (one inverse)", () => {
    small.remove(nextFR()).finalize();
  });

  take(`MuHash3072 toBytes + fromBytes (${MUHASH_STATE_BYTES} bytes)`, () => {
    MuHash3072.fromBytes(small.toBytes());
  });

  const markdown = [
    "| operation | per second (one core) |",
    "|---|---:|",
    ...rows.map(([label, r]) => `| ${label} | ${fmtRate(r)} |`),
    "",
    `- Per stored transaction: ${(1e6 / insertRate).toFixed(1)} µs (SHA-256, 384 bytes of ` +
    "ChaCha20, one 3072-bit modular multiplication). After " +
    `${fmtRate(LARGE_SET)} inserts: ${(1e6 / largeRate).toFixed(1)} µs ` +
    `(rate on a fresh state / rate after them: ${
      (insertRate / largeRate).toFixed(2)
    }): O(1), the state is ${MUHASH_STATE_BYTES} ` +
    "bytes whatever the set size.",
    `- A summary (finalize) costs about ${(1000 / finalizeRate).toFixed(3)} ms after inserts ` +
    `only, and ${(1000 / inverseRate).toFixed(2)} ms after a removal (the one modular ` +
    "inverse, which also folds the denominator into the numerator, so the next summary needs " +
    "none); it is cached until the next change, and summaries go out every 3 s.",
    `- Each figure: ${MEASURE_MS} ms measured after 50 warmup calls, in one process ` +
    `(1-minute load average at the start: ${load.toFixed(2)}).`,
  ].join("\n");
  return Promise.resolve({ title: "Set digest: MuHash3072", markdown });
}
