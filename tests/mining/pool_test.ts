/**
 * MinerPool and the mining worker, with real Web Workers (docs/PROTOCOL.md §12).
 * The ledger is a test double over a Map; it answers pickTarget as the ledger query does.
 * @module
 */
import process from "node:process";
import { confirmationWork } from "../../lib/core/pow.ts";
import { toHex } from "../../lib/core/hash.ts";
import { type FoundConfirmation, MinerPool } from "../../lib/mining/pool.ts";
import type { FromWorker, JobMessage } from "../../lib/mining/worker.ts";
import { assert, assertEquals, assertThrows } from "../helpers/assert.ts";

/** Winning transactions and their best work, as the ledger would report them. */
class FakeLedger {
  readonly works = new Map<string, { txid: Uint8Array; work: number }>();
  picks = 0;

  constructor(readonly capBits: number) {}

  add(fill: number, work: number): Uint8Array {
    const txid = new Uint8Array(32).fill(fill);
    this.works.set(toHex(txid), { txid, work });
    return txid;
  }

  workOf(txid: Uint8Array): number {
    return this.works.get(toHex(txid))!.work;
  }

  /** Least work below the cap; the lower txid breaks a tie. */
  least(): { txid: Uint8Array; work: number } | null {
    let best: { hex: string; txid: Uint8Array; work: number } | null = null;
    for (const [hex, e] of this.works) {
      if (e.work >= this.capBits) continue;
      if (best === null || e.work < best.work || (e.work === best.work && hex < best.hex)) {
        best = { hex, ...e };
      }
    }
    return best === null ? null : { txid: best.txid, work: best.work };
  }

  readonly pickTarget = () => {
    this.picks++;
    return this.least();
  };

  apply(c: FoundConfirmation): void {
    const e = this.works.get(toHex(c.txid))!;
    if (c.work > e.work) e.work = c.work;
  }
}

async function waitFor(what: string, cond: () => boolean, timeoutMs = 10_000): Promise<void> {
  const t0 = performance.now();
  while (!cond()) {
    if (performance.now() - t0 > timeoutMs) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Mining worker threads alive in this process (Deno names them worker-N), or null. */
function workerThreads(): number | null {
  try {
    let n = 0;
    for (const d of Deno.readDirSync("/proc/self/task")) {
      const comm = Deno.readTextFileSync(`/proc/self/task/${d.name}/comm`);
      if (comm.startsWith("worker-")) n++;
    }
    return n;
  } catch {
    return null;
  }
}

Deno.test("MinerPool mines the least-confirmed target up to the cap; finds verify", async () => {
  const ledger = new FakeLedger(12);
  const a = ledger.add(0xaa, 6);
  const b = ledger.add(0xbb, 2);
  ledger.add(0xcc, 9);
  const found: FoundConfirmation[] = [];
  const problems: string[] = [];
  const pool = new MinerPool({
    workers: 2,
    capBits: 12,
    pickTarget: ledger.pickTarget,
    onFound: (c) => {
      const least = ledger.least();
      if (least === null || toHex(least.txid) !== toHex(c.txid)) {
        problems.push(`mined ${toHex(c.txid)} while ${least && toHex(least.txid)} was least`);
      }
      if (confirmationWork(c.txid, c.nonce) !== c.work) problems.push(`bad work ${c.work}`);
      if (c.work <= ledger.workOf(c.txid)) problems.push(`no gain on ${toHex(c.txid)}`);
      found.push(c);
      ledger.apply(c);
    },
    onError: (e) => problems.push(String(e)),
  });
  try {
    pool.start();
    await waitFor("every tx to reach the cap", () => ledger.least() === null);
    await waitFor("the pool to go idle", () => pool.stats().target === null);
  } finally {
    await pool.stop();
  }
  assertEquals(problems, []);
  assertEquals(toHex(found[0].txid), toHex(b), "first find is for the least-confirmed tx");
  assert(found.some((c) => toHex(c.txid) === toHex(a)));
  for (const e of ledger.works.values()) assert(e.work >= 12);
  const s = pool.stats();
  assertEquals(s.found, found.length);
  assert(s.totalHashes > 0);
});

Deno.test("MinerPool.noteBetter() abandons a target that the network has beaten", async () => {
  const ledger = new FakeLedger(60);
  const a = ledger.add(0x01, 40);
  const b = ledger.add(0x02, 41);
  const pool = new MinerPool({
    workers: 1,
    capBits: 60,
    pickTarget: ledger.pickTarget,
    onFound: () => {
      throw new Error("unexpected find");
    },
  });
  try {
    pool.start();
    assertEquals(pool.stats().target, { txid: toHex(a), goalBits: 41 });
    await waitFor("hashes on the first job", () => pool.stats().totalHashes > 0);
    const jobs = pool.stats().jobs;
    pool.noteBetter(a, 35); // below the goal: keep going
    pool.noteBetter(b, 50); // not the target, but remembered
    assertEquals(pool.stats().jobs, jobs);
    ledger.works.get(toHex(a))!.work = 45;
    pool.noteBetter(a, 45);
    assertEquals(pool.stats().target, { txid: toHex(b), goalBits: 51 });
    assertEquals(pool.stats().jobs, jobs + 1);
    const hashes = pool.stats().totalHashes;
    await waitFor("hashes on the new job", () => pool.stats().totalHashes > hashes);
  } finally {
    await pool.stop();
  }
});

Deno.test("MinerPool.noteBetter() is remembered when the ledger lags", async () => {
  const ledger = new FakeLedger(60);
  const a = ledger.add(0x01, 40);
  const pool = new MinerPool({
    workers: 1,
    capBits: 60,
    pickTarget: ledger.pickTarget,
    onFound: () => {},
  });
  try {
    pool.start();
    pool.noteBetter(a, 44); // the ledger still says 40
    assertEquals(pool.stats().target, { txid: toHex(a), goalBits: 45 });
  } finally {
    await pool.stop();
  }
});

Deno.test("mining worker switches to a new job within one chunk", async () => {
  const worker = new Worker(new URL("../../lib/mining/worker.ts", import.meta.url), {
    type: "module",
  });
  try {
    const seen: FromWorker[] = [];
    worker.onmessage = (e: MessageEvent<FromWorker>) => seen.push(e.data);
    const signal = new Int32Array(new SharedArrayBuffer(4));
    const job = (id: number, goal: number): JobMessage => ({
      type: "job",
      seq: id,
      signal,
      id,
      txid: new Uint8Array(32).fill(id),
      nonceHi: 7,
      stride: 1,
      goal,
      chunk: 1 << 16,
    });
    worker.postMessage(job(1, 60));
    Atomics.store(signal, 0, 1);
    await waitFor("progress on job 1", () => seen.some((m) => m.type === "progress"));
    worker.postMessage(job(2, 10));
    Atomics.store(signal, 0, 2);
    await waitFor("a find on job 2", () => seen.some((m) => m.type === "found"));
    const hit = seen.find((m) => m.type === "found")!;
    assert(hit.type === "found");
    assertEquals(hit.id, 2);
    const nonce = (7n << 32n) | BigInt(hit.nonceLo);
    assertEquals(confirmationWork(new Uint8Array(32).fill(2), nonce), hit.work);
    assert(hit.work >= 10);
    // After a find the worker waits: no more reports.
    const count = seen.length;
    await sleep(100);
    assertEquals(seen.length, count);
  } finally {
    worker.terminate();
  }
});

Deno.test("MinerPool.stop() terminates every worker", async () => {
  const ledger = new FakeLedger(60);
  ledger.add(0x05, 50);
  let calls = 0;
  const pool = new MinerPool({
    workers: 3,
    capBits: 60,
    idlePollMs: 20,
    pickTarget: () => (calls++, ledger.least()),
    onFound: () => {},
  });
  pool.start();
  await waitFor("hashes", () => pool.stats().workerHashRates.every((r) => r > 0));
  if (workerThreads() !== null) assertEquals(workerThreads(), 3);
  await pool.stop();
  const s = pool.stats();
  assertEquals([s.running, s.workers, s.target], [false, 0, null]);
  if (workerThreads() !== null) {
    await waitFor("worker threads to exit", () => workerThreads() === 0);
  }
  const after = calls;
  await sleep(100);
  assertEquals(calls, after, "no ledger polling after stop()");
});

Deno.test("MinerPool with workers: 0 does nothing", async () => {
  const ledger = new FakeLedger(24);
  ledger.add(0x07, 0);
  const pool = new MinerPool({
    workers: 0,
    capBits: 24,
    pickTarget: ledger.pickTarget,
    onFound: () => {},
  });
  pool.start();
  pool.poke();
  const s = pool.stats();
  assertEquals([s.running, s.workers, s.target, ledger.picks], [false, 0, null, 0]);
  await pool.stop();
});

Deno.test("MinerPool idles without CPU when every transaction is at the cap", async () => {
  const ledger = new FakeLedger(16);
  const tx = ledger.add(0x09, 16);
  // A ledger double that ignores the cap: the pool must enforce it anyway.
  const pool = new MinerPool({
    workers: 2,
    capBits: 16,
    idlePollMs: 25,
    pickTarget: () => (ledger.picks++, { txid: tx, work: ledger.workOf(tx) }),
    onFound: () => {
      throw new Error("unexpected find");
    },
  });
  try {
    pool.start();
    await sleep(200); // workers start up
    const before = process.cpuUsage();
    const picks = ledger.picks;
    await sleep(1000);
    const used = process.cpuUsage(before);
    const s = pool.stats();
    assertEquals([s.workers, s.target, s.totalHashes, s.jobs], [2, null, 0, 0]);
    assert(ledger.picks - picks >= 10, "the ledger is polled while idle");
    const cpuMs = (used.user + used.system) / 1000;
    assert(cpuMs < 200, `idle pool used ${cpuMs} ms of CPU in 1 s`);
    // A new transaction below the cap: poke() starts a job at once.
    const fresh = ledger.add(0x0a, 3);
    const poked = new MinerPool({
      workers: 1,
      capBits: 16,
      idlePollMs: 60_000,
      pickTarget: ledger.pickTarget,
      onFound: (c) => ledger.apply(c),
    });
    try {
      poked.start();
      await waitFor("the fresh tx at the cap", () => ledger.workOf(fresh) >= 16);
      await waitFor("idle again", () => poked.stats().target === null);
    } finally {
      await poked.stop();
    }
  } finally {
    await pool.stop();
  }
});

Deno.test("MinerPool rejects a bad configuration", () => {
  const base = { capBits: 24, pickTarget: () => null, onFound: () => {} };
  assertThrows(() => new MinerPool({ ...base, workers: -1 }), RangeError, "workers");
  assertThrows(() => new MinerPool({ ...base, workers: 1.5 }), RangeError, "workers");
  assertThrows(() => new MinerPool({ ...base, workers: 1, capBits: 0 }), RangeError, "capBits");
  assertThrows(
    () => new MinerPool({ ...base, workers: 1, idlePollMs: 0 }),
    RangeError,
    "idlePollMs",
  );
});
