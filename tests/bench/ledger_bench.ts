/**
 * The "ledger" bench section: ingest throughput (decode + validate + store of valid
 * transactions, batched as sync does) with 10,000 and 100,000 transactions already in the
 * ledger, against the verify-only rate measured in the same run. Target: ≥ 0.8×.
 * @module
 */
import { hash160 } from "../../lib/core/hash.ts";
import { encodeTx, sighashMessage, type Tx, txid } from "../../lib/core/tx.ts";
import { openLedger } from "../../lib/ledger/ledger.ts";
import { openVerifier, type Verifier } from "../../lib/ledger/verifier.ts";
import type { Genesis } from "../../lib/core/genesis.ts";
import { pay, T0, testKeys } from "../helpers/fixtures.ts";
import { testGenesis } from "../helpers/ledger_fixtures.ts";
import { batchesOf, checkAccepted, ingestPipelined } from "./pipeline.ts";
import { type BenchSection, fmtRate } from "./section.ts";

const MEASURED = 6000;
const TRIALS = 5;
const BATCH = 256; // a sync burst; the net layer commits up to 1,024 received txs at once
const VERIFY_WORKERS = 1; // about one datagram of simple payments

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
 * "pipelined" as the node does it (`ingestPipelined`).
 */
async function ingestMs(
  dir: string,
  path: string,
  genesis: Genesis,
  raws: readonly Uint8Array[],
  mode: "store" | "sequential" | "pipelined",
  verifier: Verifier,
): Promise<number> {
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
    const t0 = performance.now();
    if (mode === "pipelined") await ingestPipelined(ledger, batches, verifier);
    else for (const b of batches) checkAccepted(ledger.addTxs(b));
    const ms = performance.now() - t0;
    if (ledger.count !== before + raws.length || !ledger.supply().ok) throw new Error("bad ledger");
    return ms;
  } finally {
    ledger.close();
    for (const ext of ["", "-wal", "-shm"]) await Deno.remove(copy + ext).catch(() => {});
  }
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function measure(
  size: number,
  verifier: Verifier,
): Promise<{ verify: number; ingest: number; pipelined: number; storeUs: number }> {
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
    fill.close();
    // The measured transactions: really signed, continuing the chain.
    const raws: Uint8Array[] = [];
    const txs: Tx[] = [];
    for (let i = 0; i < MEASURED; i++) {
      const t = pay(
        [{ txid: prev, index, amount, keys: alice }],
        [{ to: bob, amount: 1n }],
        T0 + size + i,
      );
      txs.push(t);
      raws.push(encodeTx(t));
      prev = txid(t);
      index = 1;
      amount -= 1n;
    }
    // Each figure is the median of TRIALS runs, interleaved, each on a fresh copy of the
    // ledger: the machine is noisy and one run of a mode takes under a second.
    const msgs = txs.map((t) => sighashMessage(t));
    const runs = {
      verify: [] as number[],
      store: [] as number[],
      seq: [] as number[],
      piped: [] as number[],
    };
    {
      // A node's verifier lives as long as the node: start the worker and load its modules.
      const warm = await openLedger(":memory:", { genesis });
      await warm.prepareTxs([raws[0]], verifier, { requested: true });
      warm.close();
      for (let trial = 0; trial < TRIALS; trial++) {
        runs.verify.push(verifyOnlyMs(txs, msgs, verifier));
        runs.store.push(await ingestMs(dir, path, genesis, raws, "store", verifier));
        runs.seq.push(await ingestMs(dir, path, genesis, raws, "sequential", verifier));
        runs.piped.push(await ingestMs(dir, path, genesis, raws, "pipelined", verifier));
      }
    }
    const rate = (ms: number[]) => MEASURED / (median(ms) / 1000);
    return {
      verify: rate(runs.verify),
      ingest: rate(runs.seq),
      pipelined: rate(runs.piped),
      storeUs: median(runs.store) * 1000 / MEASURED,
    };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Runs the section. */
export async function bench(): Promise<BenchSection> {
  const rows: string[] = [];
  // The node's verifier: the backend chosen at start and VERIFY_WORKERS worker(s).
  const verifier = await openVerifier({ workers: VERIFY_WORKERS });
  console.log(`ledger: verifying with ${verifier.backend}`);
  for (const size of [10_000, 100_000]) {
    const { verify, ingest, pipelined, storeUs } = await measure(size, verifier).catch((e) => {
      verifier.close();
      throw e;
    });
    const line = `ledger: ${size} txs in ledger, verify-only ${fmtRate(verify)}/s, ingest ${
      fmtRate(ingest)
    } tx/s (${(ingest / verify).toFixed(2)} x), pipelined ${fmtRate(pipelined)} tx/s (${
      (pipelined / verify).toFixed(2)
    } x verify), store only ${storeUs.toFixed(0)} us/tx`;
    console.log(line);
    rows.push(
      `| ${size.toLocaleString("en-US")} | ${fmtRate(verify)} | ${fmtRate(ingest)} | ${
        (ingest / verify).toFixed(2)
      } | ${fmtRate(pipelined)} | ${(pipelined / verify).toFixed(2)} | ${storeUs.toFixed(0)} µs |`,
    );
  }
  verifier.close();
  const load = Deno.loadavg().map((x) => x.toFixed(2)).join(", ");
  return {
    title: "Ledger ingest",
    markdown:
      `Ingest = decode + sanity + context checks (one signature verification per transaction) +
store, for ${
        MEASURED.toLocaleString("en-US")
      } signed one-input payments offered in batches of ${BATCH}
(one commit per batch), into a file ledger (WAL) that already holds the given number of
transactions. Verify-only is the node's verify path (backend: ${verifier.backend}) over the same transactions on one thread, in
the same run. "Sequential" does everything on the ledger's thread (\`Ledger.addTxs\`); "pipelined"
is how a node ingests received transactions: the \`Verifier\` (${VERIFY_WORKERS} worker) verifies batch k+1's
signatures while the ledger thread decodes, hashes, validates and stores batch k
(\`Ledger.prepareTxs\` / \`commitTxs\`, at most two batches in flight). Each figure is the median of
${TRIALS} interleaved trials, each on a fresh copy of the ledger. Target: ingest ≥ 0.8 × verify-only.

| transactions in ledger | verify-only /s | sequential tx/s | ratio | pipelined tx/s | ratio | store only |
|---:|---:|---:|---:|---:|---:|---:|
${rows.join("\n")}

"Store only" is the sequential run with signature checks switched off: decode, txid, sighash,
every other rule and the SQLite writes, per transaction. Load average at the end: ${load}.
`,
  };
}
