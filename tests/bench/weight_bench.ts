/**
 * The "weight" bench section (protocol v2, docs/PROTOCOL.md §6, §11, §14):
 * 1. Confirmation ingest with 10,000 and 100,000 transactions stored: each confirmation is
 *    stored in its own commit, as a miner's find is, with refs to the current tips; new
 *    payments keep arriving meanwhile. Target: the two within 1.5× (cost independent of N).
 * 2. Reversal cost: a real miner pool (the default worker count) hardens a payment in a real
 *    ledger; W = 5, 30 and 120 s after the payment is confirmed, its cumulative weight (pure
 *    rule over every confirmation found) and what reversing it costs, at the pool's hash rate
 *    measured in the same run.
 * @module
 */
import { canonicalRefs, checkConfirmation } from "../../lib/core/confirmation.ts";
import { hash160, toHex } from "../../lib/core/hash.ts";
import { computeState, type StateConf } from "../../lib/core/state.ts";
import { encodeTx, type Tx, txid } from "../../lib/core/tx.ts";
import { weightLog2 } from "../../lib/core/weight.ts";
import { openLedger } from "../../lib/ledger/ledger.ts";
import { type FoundConfirmation, MinerPool } from "../../lib/mining/pool.ts";
import { mineConf } from "../helpers/dag.ts";
import { pay, T0, testKeys } from "../helpers/fixtures.ts";
import { testGenesis } from "../helpers/ledger_fixtures.ts";
import type { BenchSection } from "./section.ts";

const CONFS = 1500;
const NEW_TX_EVERY = 5;
const CONFIRM_BITS = 8;
const CONF_BITS = 3;

function chainTx(prev: Uint8Array, index: number, amount: bigint, i: number): Tx {
  // Placeholder signatures: the fill runs with signature checks off.
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

/** µs per stored confirmation with `size` transactions already stored (and confirmed). */
async function confIngestUs(size: number): Promise<{ us: number; fillS: number }> {
  const genesis = testGenesis(testKeys(0), 10_000_000_000n);
  const dir = await Deno.makeTempDir({ prefix: "crackcoin-weight-bench-" });
  const ledger = await openLedger(`${dir}/ledger.db`, {
    genesis,
    verify: () => true,
    clock: () => T0 + 1e9,
    confirmWork: CONFIRM_BITS,
    minConfBits: 1,
  });
  try {
    const f0 = performance.now();
    let prev = genesis.txid, index = 0, amount = genesis.supply;
    let batch: Uint8Array[] = [];
    let i = 0;
    const next = () => {
      const t = chainTx(prev, index, amount, i++);
      prev = txid(t);
      index = 1;
      amount -= 1n;
      return t;
    };
    for (let k = 0; k < size; k++) {
      batch.push(encodeTx(next()));
      if (batch.length === 1000) {
        ledger.addTxs(batch);
        batch = [];
      }
    }
    ledger.addTxs(batch);
    // Everything stored so far confirmed, as on a node that has been mining all along.
    ledger.addConfirmation(mineConf(prev, CONFIRM_BITS));
    const fillS = (performance.now() - f0) / 1000;
    let ms = 0;
    for (let k = 0; k < CONFS; k++) {
      if (k % NEW_TX_EVERY === 0) ledger.addTx(next());
      const t = ledger.mineTemplate()!;
      const conf = mineConf(t.txid, CONF_BITS, t.refs, BigInt(k) << 32n);
      const t0 = performance.now();
      const r = ledger.addConfirmation(conf);
      ms += performance.now() - t0;
      if (r.kind !== "stored") throw new Error(`bench confirmation ${r.kind}`);
    }
    if (!ledger.supply().ok) throw new Error("supply");
    return { us: (ms * 1000) / CONFS, fillS };
  } finally {
    ledger.close();
    await Deno.remove(dir, { recursive: true });
  }
}

interface Sample {
  readonly waitS: number;
  readonly weight: bigint;
}

/** A payment hardened by a real pool; its weight W s after it is confirmed. */
async function reversal(
  waits: readonly number[],
): Promise<{ samples: Sample[]; rate: number; workers: number }> {
  const alice = testKeys(0), bob = testKeys(1);
  const genesis = testGenesis(alice, 1_000_000n);
  const ledger = await openLedger(":memory:", { genesis });
  const workers = Math.max(1, navigator.hardwareConcurrency - 1);
  const found: FoundConfirmation[] = [];
  const pool = new MinerPool({
    workers,
    capBits: 26,
    pickTarget: () => ledger.mineTemplate(),
    onFound: (c) => {
      checkConfirmation(c.conf);
      if (ledger.addConfirmation(c.conf).kind === "stored") found.push(c);
    },
  });
  const tx = pay(
    [{ txid: genesis.txid, index: 0, amount: genesis.supply, keys: alice }],
    [{ to: bob, amount: 100n }],
    Date.now(),
  );
  const id = toHex(txid(tx));
  const weightNow = (): bigint => {
    const confs: StateConf[] = found.map((c) => ({
      id: toHex(c.id),
      txid: toHex(c.conf.txid),
      bits: c.conf.bits,
      refs: canonicalRefs(c.conf.refs).map(toHex),
    }));
    const s = computeState(
      [
        { txid: toHex(genesis.txid), tx: genesis.tx, baseWeight: 1n << BigInt(genesis.work) },
        { txid: id, tx },
      ],
      confs,
    );
    return s.weight.get(id) ?? 0n;
  };
  pool.start();
  try {
    if (ledger.addTx(tx).kind !== "accepted") throw new Error("payment refused");
    pool.poke();
    const t0 = performance.now();
    while (ledger.getTx(id)?.status !== "confirmed") {
      if (performance.now() - t0 > 120_000) throw new Error("the payment was not confirmed");
      await new Promise((r) => setTimeout(r, 50));
    }
    const confirmedAt = performance.now();
    const h0 = pool.stats().totalHashes;
    const samples: Sample[] = [];
    for (const w of waits) {
      const due = confirmedAt + w * 1000;
      await new Promise((r) => setTimeout(r, Math.max(0, due - performance.now())));
      samples.push({ waitS: w, weight: weightNow() });
    }
    const rate = (pool.stats().totalHashes - h0) / ((performance.now() - confirmedAt) / 1000);
    return { samples, rate, workers };
  } finally {
    await pool.stop();
    ledger.close();
  }
}

/** The section. */
export async function bench(): Promise<BenchSection> {
  console.log("  confirmation ingest at 10,000 stored transactions");
  const small = await confIngestUs(10_000);
  console.log(`    ${small.us.toFixed(1)} µs per confirmation (fill ${small.fillS.toFixed(1)} s)`);
  console.log("  confirmation ingest at 100,000 stored transactions");
  const large = await confIngestUs(100_000);
  console.log(`    ${large.us.toFixed(1)} µs per confirmation (fill ${large.fillS.toFixed(1)} s)`);
  const ratio = large.us / small.us;
  console.log("  reversal cost: a pool hardens a payment for 120 s");
  const rev = await reversal([5, 30, 120]);
  const perWorker = rev.rate / rev.workers;
  const rows = rev.samples.map((s) => {
    const log = weightLog2(s.weight);
    const oneWorkerS = Number(s.weight) / perWorker;
    return `| ${s.waitS} s | ${log.toFixed(2)} | 2^${log.toFixed(2)} = ${
      Number(s.weight).toExponential(2)
    } | ${oneWorkerS.toFixed(0)} s |`;
  });
  const markdown = `
Command: \`deno task bench weight\`. Protocol v2 (docs/PROTOCOL.md §6, §11, §14).

**Confirmation ingest** (one commit per confirmation, refs to the current tips from
\`Ledger.mineTemplate\`, a new payment every ${NEW_TX_EVERY} confirmations, ${CONFS} confirmations
measured; every earlier transaction confirmed):

| stored transactions | µs per confirmation |
| ------------------: | ------------------: |
|              10,000 | ${small.us.toFixed(1)} |
|             100,000 | ${large.us.toFixed(1)} |

Ratio 100,000 / 10,000: **${ratio.toFixed(2)}×** (target ≤ 1.5×): a confirmation costs
O(refs + the watched transactions it approves), not O(N).

**Reversal cost.** A real pool of ${rev.workers} worker(s) mined a real ledger; honest rate
measured in the same run: ${(rev.rate / 1e6).toFixed(1)} M hashes/s
(${(perWorker / 1e6).toFixed(1)} M per worker). W seconds after the payment was confirmed, its
cumulative weight (the pure rule over every confirmation found) and the expected hashes a
conflicting spend must do to outweigh it, which is at least that weight (§14), also given as the
time one worker of the same kernel needs if honest mining stopped; with honest mining going on,
an attacker below half the hash rate falls further behind (§14's catch-up table).

| W | weight (log2 hashes) | hashes to reverse (≥) | one worker, honest mining stopped |
| -: | -: | -: | -: |
${rows.join("\n")}
`;
  return { title: "Weight (protocol v2)", markdown };
}
