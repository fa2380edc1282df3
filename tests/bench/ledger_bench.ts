/**
 * The "ledger" bench section: ingest throughput (decode + validate + store of valid
 * transactions, batched as sync does) with 10,000 and 100,000 transactions already in the
 * ledger, on each verification backend (node:crypto, the old path, and libsecp256k1 where it
 * loads), against the verify-only rate measured in the same run. Targets: ingest ≥ 0.8×
 * verify-only; pipelined ingest ≥ 12,000 tx/s (verification issue).
 * @module
 */
import { hash160 } from "../../lib/core/hash.ts";
import { encodeTx, sighashMessage, type Tx, txid } from "../../lib/core/tx.ts";
import { openLedger } from "../../lib/ledger/ledger.ts";
import { openVerifier, type Verifier, VERIFY_CHUNK } from "../../lib/ledger/verifier.ts";
import { NODE_CRYPTO_BACKEND, selectVerifyBackend } from "../../lib/verify/backend.ts";
import type { Genesis } from "../../lib/core/genesis.ts";
import { pay, T0, testKeys } from "../helpers/fixtures.ts";
import { testGenesis } from "../helpers/ledger_fixtures.ts";
import { batchesOf, checkAccepted, ingestPipelined } from "./pipeline.ts";
import { mineWithKernel } from "../helpers/netns.ts";
import { type BenchSection, fmtRate } from "./section.ts";

const MEASURED = 6000;
/** testKeys index of the first measured payer (past the fixtures' named keys). */
const PAYER_KEYS = 100;
const TRIALS = 5;
/** One commit's worth: a node commits what it received once SYNC_BATCH (160) wait, or more. */
const BATCH = 256;
const VERIFY_WORKERS = 1; // about one datagram of simple payments
/** Earlier runs of this section (docs/BENCHMARKS.md as committed then), shown beside this one. */
const BEFORE =
  "2026-11-30 03:24 UTC, the first run on schema 6 (code of commit 10015c1): pipelined " +
  "14,849 / 15,360 tx/s, worker only 13,220 / 12,555 tx/s, ledger thread's own 29.9 / 34.6 " +
  "µs per transaction, store only 63 / 63 µs. " +
  "2026-11-30 02:03 UTC, the last run before schema 6 (code of commit e445176, " +
  "schema 5, the CHECK on txs.status an IN list): pipelined 12,037 / 11,282 tx/s, worker only " +
  "12,018 / 10,815 tx/s, ledger thread's own 41.2 / 45.0 µs per transaction, store only 71 / " +
  "85 µs. 00:57 UTC, the last run before schema 5 (code of commit f9b3cfa, " +
  "schema 4: an SQLite index on the first 8 bytes of the txid; a slower machine): pipelined " +
  "12,173 / 12,712 tx/s, worker only 11,842 / 11,788 tx/s, ledger thread's own 43.3 / 45.5 µs " +
  "per transaction, store only 80 / 92 µs. 00:11 UTC, the last run before schema 4 (code of commit 1946159, " +
  "the UNIQUE index on all 32 bytes of the txid): pipelined 14,159 / 13,911 tx/s, worker only " +
  "11,861 / 12,428 tx/s, ledger thread's own 37.7 / 42.6 µs per transaction, store only 71 / " +
  "81 µs. 2026-11-29 22:47 UTC (code of commit " +
  "b1fc81e, distinct payer keys, work stealing; the machine about 25% slower than at 22:22): " +
  "pipelined 13,889 / 11,218 tx/s, worker only 12,141 / 10,192 tx/s, ledger thread's own " +
  "43.2 / 63.1 µs per transaction, at 10,000 / 100,000 transactions in the ledger; the 22:22 " +
  "run of the same day (without the forced collections): pipelined 14,713 / 11,946 tx/s, own " +
  "37.1 / 43.6 µs. The previous round's last run (20:46 UTC, code of commit ea7fef3, one payer " +
  "key for every transaction, no work stealing): pipelined 11,443 / 11,837 tx/s, ledger thread " +
  "52.3 / 49.0 µs. Earlier, 2026-11-26 run (before libsecp256k1; node:crypto behind the noble " +
  "point check and a key cache): verify-only 5,977 / 6,141 /s, pipelined 5,610 / 5,734 tx/s, " +
  "store only 71 / 84 µs";

function chainTx(prev: Uint8Array, index: number, amount: bigint, i: number): Tx {
  // Fill transactions: well-formed and owned, with a placeholder (in-range, low-S) signature;
  // the fill phase runs with signature checks off, so only the measured phase pays for them.
  const alice = testKeys(0);
  const sig = new Uint8Array(64);
  sig[31] = 1;
  sig[63] = 1;
  return {
    version: 1,
    timestamp: T0 + i,
    inputs: [{ txid: prev, index, publicKey: alice.publicKey, signature: sig }],
    outputs: [
      { amount: 1n, address: hash160(testKeys(1).publicKey) },
      { amount: amount - 1n, address: hash160(alice.publicKey) },
    ],
  };
}

/** Verify-only: one signature per transaction over its sighash message, this thread (ms). */
function verifyOnlyMs(
  txs: readonly Tx[],
  msgs: readonly Uint8Array[],
  verifier: Verifier,
): number {
  const verify = verifier.verifySignature;
  const t0 = performance.now();
  for (let i = 0; i < txs.length; i++) {
    if (!verify(txs[i].inputs[0].signature, msgs[i], txs[i].inputs[0].publicKey)) {
      throw new Error("bench fixture does not verify");
    }
  }
  return performance.now() - t0;
}

/**
 * Ingests `raws` into a fresh copy of the ledger at `path` (ms), in batches of BATCH:
 * "store" with signature checks off, "sequential" all on this thread (`addTxs`),
 * "pipelined" as the node does it (`ingestPipelined`), "worker-only" the same without work
 * stealing (the worker verifies everything: the ledger thread's CPU time is then its own cost).
 */
async function ingestMs(
  dir: string,
  path: string,
  genesis: Genesis,
  raws: readonly Uint8Array[],
  mode: "store" | "sequential" | "pipelined" | "worker-only",
  verifier: Verifier,
): Promise<{ ms: number; threadMs: number; workerMs: number; localMs: number }> {
  const copy = `${dir}/${mode}.db`;
  await Deno.copyFile(path, copy);
  const ledger = await openLedger(copy, {
    genesis,
    clock: () => T0 + 1e9,
    verify: mode === "store" ? () => true : verifier.verifySignature,
  });
  try {
    const batches = batchesOf(raws, BATCH);
    const before = ledger.count;
    // Each measured run starts from a collected heap (the bench task exposes gc), so that the
    // garbage of the run before (another mode, or node:crypto's key objects) is not collected
    // inside this one.
    (globalThis as { gc?: () => void }).gc?.();
    const t0 = performance.now();
    if (mode === "pipelined" || mode === "worker-only") {
      const r = await ingestPipelined(ledger, batches, verifier, mode === "pipelined");
      const ms = performance.now() - t0;
      if (ledger.count !== before + raws.length) throw new Error("bad ledger");
      // Thread CPU time where /proc can be read (it counts everything the threads did, and
      // nothing they waited for); else the busy time and the workers' own report.
      return {
        ms,
        threadMs: r.cpu?.main ?? r.busyMs,
        workerMs: r.cpu?.workers ?? r.workerMs,
        localMs: r.localMs,
      };
    }
    for (const b of batches) checkAccepted(ledger.addTxs(b));
    const ms = performance.now() - t0;
    if (ledger.count !== before + raws.length || !ledger.supply().ok) throw new Error("bad ledger");
    return { ms, threadMs: ms, workerMs: 0, localMs: 0 };
  } finally {
    ledger.close();
    for (const ext of ["", "-wal", "-shm"]) await Deno.remove(copy + ext).catch(() => {});
  }
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** One backend's figures at one ledger size (per second). */
interface BackendFigures {
  readonly verify: number;
  readonly ingest: number;
  readonly pipelined: number;
  /** Pipelined without work stealing (the worker verifies everything). */
  readonly workerOnly: number;
  /** µs per tx: the ledger thread's CPU time in the runs without stealing (its own cost). */
  readonly ownUs: number;
  /**
   * µs per tx in the pipelined runs: the ledger thread's CPU time, the wall time it spent on
   * chunks it took over, and the worker's CPU time.
   */
  readonly threadUs: number;
  readonly localUs: number;
  readonly workerUs: number;
}

async function measure(
  size: number,
  verifiers: readonly Verifier[],
): Promise<{ figures: BackendFigures[]; storeUs: number }> {
  const alice = testKeys(0);
  const bob = testKeys(1);
  const genesis = testGenesis(alice, 10_000_000_000n);
  const dir = await Deno.makeTempDir({ prefix: "crackcoin-bench-" });
  try {
    const path = `${dir}/ledger.db`;
    const fill = await openLedger(path, { genesis, verify: () => true, clock: () => T0 + 1e9 });
    let prev = genesis.txid, index = 0, amount = genesis.supply;
    let batch: Uint8Array[] = [];
    for (let i = 0; i < size; i++) {
      const t = chainTx(prev, index, amount, i);
      batch.push(encodeTx(t));
      prev = txid(t);
      index = 1;
      amount -= 1n;
      if (batch.length === 1000) {
        fill.addTxs(batch);
        batch = [];
      }
    }
    fill.addTxs(batch);
    // As on a node, the history is confirmed: one 24-bit confirmation of the last fill
    // transaction approves the whole chain, so the fill is no longer watched (exact weights
    // are kept only for transactions below the threshold, PROTOCOL.md §11).
    if (fill.addConfirmation(mineWithKernel(prev, 24)).kind !== "stored") {
      throw new Error("bench fixture: the fill's confirmation was refused");
    }
    fill.close();
    // The measured transactions: really signed, continuing the chain, each from its own key
    // (it pays 1 to bob and the rest to the next key), as a ledger sees distinct payers.
    const raws: Uint8Array[] = [];
    const txs: Tx[] = [];
    let payer = alice;
    for (let i = 0; i < MEASURED; i++) {
      const next = testKeys(PAYER_KEYS + i);
      const t = pay(
        [{ txid: prev, index, amount, keys: payer }],
        [{ to: bob, amount: 1n }, { to: next, amount: amount - 1n }],
        T0 + size + i,
      );
      txs.push(t);
      raws.push(encodeTx(t));
      prev = txid(t);
      index = 1;
      amount -= 1n;
      payer = next;
    }
    // Each figure is the median of TRIALS runs, interleaved, each on a fresh copy of the
    // ledger: the machine is noisy and one run of a mode takes under a second.
    const msgs = txs.map((t) => sighashMessage(t));
    const store: number[] = [];
    const runs = verifiers.map(() => ({
      verify: [] as number[],
      seq: [] as number[],
      piped: [] as number[],
      only: [] as number[],
      own: [] as number[],
      thread: [] as number[],
      local: [] as number[],
      worker: [] as number[],
    }));
    // A node's verifier lives as long as the node: start the worker and load its modules.
    const warm = await openLedger(":memory:", { genesis });
    for (const v of verifiers) await warm.prepareTxs([raws[0]], v, { requested: true });
    warm.close();
    for (let trial = 0; trial < TRIALS; trial++) {
      store.push((await ingestMs(dir, path, genesis, raws, "store", verifiers[0])).ms);
      for (const [i, v] of verifiers.entries()) {
        runs[i].verify.push(verifyOnlyMs(txs, msgs, v));
        runs[i].seq.push((await ingestMs(dir, path, genesis, raws, "sequential", v)).ms);
        const p = await ingestMs(dir, path, genesis, raws, "pipelined", v);
        runs[i].piped.push(p.ms);
        runs[i].thread.push(p.threadMs);
        runs[i].local.push(p.localMs);
        runs[i].worker.push(p.workerMs);
        const o = await ingestMs(dir, path, genesis, raws, "worker-only", v);
        runs[i].only.push(o.ms);
        runs[i].own.push(o.threadMs);
      }
    }
    const rate = (ms: number[]) => MEASURED / (median(ms) / 1000);
    return {
      figures: runs.map((r) => ({
        verify: rate(r.verify),
        ingest: rate(r.seq),
        pipelined: rate(r.piped),
        workerOnly: rate(r.only),
        ownUs: median(r.own) * 1000 / MEASURED,
        threadUs: median(r.thread) * 1000 / MEASURED,
        localUs: median(r.local) * 1000 / MEASURED,
        workerUs: median(r.worker) * 1000 / MEASURED,
      })),
      storeUs: median(store) * 1000 / MEASURED,
    };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Runs the section. */
export async function bench(): Promise<BenchSection> {
  const loadStart = Deno.loadavg()[0];
  const rows: string[] = [];
  // The node's verifier (the backend chosen at start, VERIFY_WORKERS worker), and one on
  // node:crypto, the path before libsecp256k1, measured in the same run for comparison.
  const chosen = await selectVerifyBackend();
  const backends = chosen.name === "node:crypto" ? [chosen] : [NODE_CRYPTO_BACKEND, chosen];
  const verifiers: Verifier[] = [];
  for (const backend of backends) {
    verifiers.push(await openVerifier({ workers: VERIFY_WORKERS, backend }));
  }
  if (chosen.name === "node:crypto") console.log(`ledger: ${chosen.detail}`);
  // Targets, on the node's backend with 100,000 transactions in the ledger.
  let best = 0;
  let thread = Infinity;
  try {
    for (const size of [10_000, 100_000]) {
      const { figures, storeUs } = await measure(size, verifiers);
      figures.forEach((f, i) => {
        const name = verifiers[i].backend;
        if (name === chosen.name && size === 100_000) {
          best = f.pipelined;
          thread = f.ownUs;
        }
        console.log(
          `ledger: ${size} txs in ledger, ${name}: verify-only ${fmtRate(f.verify)}/s, ingest ${
            fmtRate(f.ingest)
          } tx/s (${(f.ingest / f.verify).toFixed(2)} x), pipelined ${fmtRate(f.pipelined)} tx/s (${
            (f.pipelined / f.verify).toFixed(2)
          } x verify; ledger thread ${f.threadUs.toFixed(1)} us/tx of which ${
            f.localUs.toFixed(1)
          } taken over, worker ${f.workerUs.toFixed(1)} us/tx), worker only ${
            fmtRate(f.workerOnly)
          } tx/s (ledger thread's own ${f.ownUs.toFixed(1)} us/tx), store only ${
            storeUs.toFixed(0)
          } us/tx`,
        );
        rows.push(
          `| ${size.toLocaleString("en-US")} | ${name} | ${fmtRate(f.verify)} | ${
            fmtRate(f.ingest)
          } | ${(f.ingest / f.verify).toFixed(2)} | ${fmtRate(f.pipelined)} | ${
            (f.pipelined / f.verify).toFixed(2)
          } | ${f.threadUs.toFixed(1)} µs (${f.localUs.toFixed(1)}) | ${
            f.workerUs.toFixed(1)
          } µs | ${fmtRate(f.workerOnly)} | ${f.ownUs.toFixed(1)} µs | ${storeUs.toFixed(0)} µs |`,
        );
      });
    }
  } finally {
    for (const v of verifiers) v.close();
  }
  const load = Deno.loadavg().map((x) => x.toFixed(2)).join(", ");
  const met = (ok: boolean) => ok ? "met" : "**not met**";
  return {
    title: "Ledger ingest",
    markdown:
      `Ingest = decode + sanity + context checks (one signature verification per transaction) +
store, for ${
        MEASURED.toLocaleString("en-US")
      } signed one-input payments, each from its own key, offered in batches of ${BATCH}
(one commit per batch), into a file ledger (WAL) that already holds the given number of
transactions, confirmed (a chain with one 24-bit confirmation at its end, so that, as on a node,
the history is settled and not watched), on each verification backend. Verify-only is the node's verify path on that backend
over the same transactions on one thread, in the same run. "Sequential" does everything on the
ledger's thread (\`Ledger.addTxs\`). "Pipelined" is how a node ingests received transactions
(\`Ledger.prepareTxs\` / \`commitTxs\`, at most two batches in flight): the ledger's thread
decodes batch k+1 and hands it to the \`Verifier\`'s worker (${VERIFY_WORKERS}), in chunks of
${VERIFY_CHUNK}, which verifies its signatures and also computes each transaction's sighash
message, its inputs' key hashes and the batch's MuHash3072 product (lib/ledger/batch_checks.ts),
while the ledger's thread checks the rules of batch k and stores it. Before storing a batch, the
ledger's thread checks the chunks of it the worker has not reached yet, one at a time, last
first, leaving the next one to the worker (work stealing, \`Verifier.helpOne\`, as a node does in
lib/cli/net_ledger.ts). Each figure is the median of ${TRIALS} interleaved trials, each on a
fresh copy of the ledger.

Targets (issue 19, on ${chosen.name} with 100,000 transactions in the ledger): pipelined ≥ 12,000
tx/s: ${met(best >= 12_000)} (${fmtRate(best)}); the ledger thread's own cost ≤ 40 µs per
transaction: ${met(thread <= 40)} (${thread.toFixed(1)} µs).

| transactions in ledger | backend | verify-only /s | sequential tx/s | ratio | pipelined tx/s | ratio | ledger thread (taken over) | worker | worker only, tx/s | ledger thread's own | store only |
|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|
${rows.join("\n")}

- "Ledger thread" and "worker" are the CPU time per transaction of the two threads in the
  pipelined runs (from /proc/self/task/*/schedstat, so they count what the threads did and
  nothing they waited for); in brackets, the wall time the ledger's thread spent on chunks it
  took over (timed by the Verifier). With work stealing the two threads share the verification,
  so the pipeline runs at the pace of their sum over two cores rather than of the slower one.
- "Worker only" is the same pipeline without work stealing: the worker verifies everything, and
  the ledger's thread's CPU time is then its own cost ("ledger thread's own", the target):
  decoding (and the txid), handing batches to the worker, taking its replies, each commit (rules
  and SQLite), and garbage collection.
- "Store only" is the sequential run with signature checks switched off: decode, txid, sighash,
  key hashes, the digest element, every other rule and the SQLite writes, all on one thread (what
  the ledger's thread did per transaction before the worker took the hashing).
- The measured payments form a chain, each spending the change of the one before, so every
  parent is among the recently stored transactions the ledger keeps in memory. Each is signed
  by a key no earlier one used: the ledger's thread no longer checks that a key is a curve point
  when a worker verified its signature (a cache of valid keys had hidden that cost with one
  payer key).
- 1-minute load average at the start: ${loadStart.toFixed(2)}; at the end: ${load}. Figures from a
  loaded machine understate the pipelined mode most: it needs both cores at once.

Before: ${BEFORE}.
`,
  };
}
