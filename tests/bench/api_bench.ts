/**
 * The "api" bench section: on a ledger of 100,000 transactions, the API's requests per second
 * for `balance` (and `info`, and the wallet's history page), and the web page's first load
 * in Debian's chromium: until the balance shows, and until the explorer has drawn its window
 * (the last 100, never the whole DAG).
 * @module
 */
import { hash160 } from "../../lib/core/hash.ts";
import { encodeTx, type Tx, txid } from "../../lib/core/tx.ts";
import { loadDefaultGenesis } from "../../lib/ledger/genesis_file.ts";
import { openLedger } from "../../lib/ledger/ledger.ts";
import { loadWallet } from "../../lib/wallet/wallet_file.ts";
import { testKeys } from "../helpers/fixtures.ts";
import { freeUdpPort } from "../helpers/net_fixtures.ts";
import { CHROMIUM, CHROMIUM_ARGS, ensureChromium, loadChromium } from "../http/chromium.ts";
import {
  DEMO_WALLET,
  type HttpNode,
  importDemoWallet,
  startHttpNode,
} from "../http/http_fixtures.ts";
import { type BenchSection, fmtRate } from "./section.ts";

/** Transactions in the measured ledger (the genesis included). */
const LEDGER_TXS = 100_000;
/** Concurrent client loops. */
const CLIENTS = 4;
/** Length of one rate measurement, ms. */
const RUN_MS = 3000;

/**
 * Fills `path` with a chain of LEDGER_TXS - 1 payments from the demo wallet (1 unit each to
 * another key, change back), so the node's wallet has 100,000 outputs in its history. Filled
 * with signature checks off and placeholder low-S signatures, as tests/bench/ledger_bench.ts
 * does: stored transactions are never verified again, and this section measures reads.
 */
export async function buildLedger(path: string): Promise<void> {
  const genesis = await loadDefaultGenesis();
  const owner = (await loadWallet(DEMO_WALLET)).keys;
  const payee = hash160(testKeys(1).publicKey);
  const sig = new Uint8Array(64);
  sig[31] = 1;
  sig[63] = 1;
  const ledger = await openLedger(path, { genesis, verify: () => true });
  try {
    let prev = genesis.txid, index = 0, amount = genesis.supply;
    let batch: Uint8Array[] = [];
    for (let i = 1; i < LEDGER_TXS; i++) {
      const t: Tx = {
        version: 1,
        timestamp: genesis.tx.timestamp + i,
        inputs: [{ txid: prev, index, publicKey: owner.publicKey, signature: sig }],
        outputs: [
          { amount: 1n, address: payee },
          { amount: amount - 1n, address: hash160(owner.publicKey) },
        ],
      };
      batch.push(encodeTx(t));
      prev = txid(t);
      index = 1;
      amount -= 1n;
      if (batch.length === 1000) {
        for (const r of ledger.addTxs(batch)) if (r.kind !== "accepted") throw new Error(r.kind);
        batch = [];
      }
    }
    for (const r of ledger.addTxs(batch)) if (r.kind !== "accepted") throw new Error(r.kind);
    if (ledger.count !== LEDGER_TXS) throw new Error(`ledger holds ${ledger.count}`);
  } finally {
    ledger.close();
  }
}

/**
 * GET /api/v1/<path>: the first answer's latency (nothing cached: the node has just started
 * and the ledger has not changed since), then requests per second with CLIENTS loops for
 * RUN_MS while the ledger does not change.
 */
async function rps(node: HttpNode, path: string): Promise<{ coldMs: number; rate: number }> {
  const headers = { authorization: `Bearer ${node.token}` };
  const url = `${node.base}/api/v1/${path}`;
  const c0 = performance.now();
  await (await fetch(url, { headers })).arrayBuffer();
  const coldMs = performance.now() - c0;
  for (let i = 0; i < 20; i++) await (await fetch(url, { headers })).arrayBuffer();
  let n = 0;
  const t0 = performance.now();
  const end = t0 + RUN_MS;
  await Promise.all(Array.from({ length: CLIENTS }, async () => {
    while (performance.now() < end) {
      const r = await fetch(url, { headers });
      await r.arrayBuffer();
      if (!r.ok) throw new Error(`${path}: HTTP ${r.status}`);
      n++;
    }
  }));
  return { coldMs, rate: (n * 1000) / (performance.now() - t0) };
}

/** Page timings in chromium: ms until the balance shows and until the explorer is drawn. */
async function pageTimes(
  node: HttpNode,
  profile: string,
): Promise<{ balance: number; load: number; explorer: number } | string> {
  const why = await ensureChromium();
  if (why) return why;
  const ctx = await (await loadChromium()).launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    args: CHROMIUM_ARGS,
    headless: true,
  });
  try {
    const page = await ctx.newPage();
    const t0 = performance.now();
    await page.goto(`${node.base}/#token=${node.token}`);
    await page.getByTestId("balance-confirmed").waitFor();
    const balance = performance.now() - t0;
    const load = await page.evaluate(() => {
      // In the page: a PerformanceNavigationTiming (not in Deno's types).
      const nav = performance.getEntriesByType("navigation")[0] as unknown as {
        loadEventEnd: number;
        startTime: number;
      };
      return nav.loadEventEnd - nav.startTime;
    });
    const t1 = performance.now();
    await page.getByTestId("tab-explorer").click();
    await page.getByTestId("graph-info").filter({ hasText: `100 of ${LEDGER_TXS} ` }).waitFor({
      timeout: 30_000,
    });
    const explorer = performance.now() - t1;
    return { balance, load, explorer };
  } finally {
    await ctx.close();
  }
}

/** Runs the section. */
export async function bench(): Promise<BenchSection> {
  const dir = await Deno.makeTempDir({ prefix: "crackcoin-api-bench-" });
  let node: HttpNode | undefined;
  try {
    await importDemoWallet(`${dir}/a`);
    const t0 = performance.now();
    await buildLedger(`${dir}/a/ledger.db`);
    console.log(
      `api: built a ledger of ${LEDGER_TXS} txs in ${Math.round(performance.now() - t0)} ms`,
    );
    node = await startHttpNode(`${dir}/a`, freeUdpPort());
    const balance = await rps(node, "balance");
    const info = await rps(node, "info");
    const history = await rps(node, `history?limit=50&address=${node.address}`);
    const page = await pageTimes(node, `${dir}/profile`);
    const pageLine = typeof page === "string"
      ? `page: skipped (${page})`
      : `page first load ${Math.round(page.balance)} ms to the balance (load event ${
        Math.round(page.load)
      } ms), explorer drawn in ${Math.round(page.explorer)} ms`;
    const line = `api: ${LEDGER_TXS} txs, balance ${fmtRate(balance.rate)} req/s (first ${
      Math.round(balance.coldMs)
    } ms), info ${fmtRate(info.rate)} req/s, wallet history ${fmtRate(history.rate)} req/s (first ${
      Math.round(history.coldMs)
    } ms); ${pageLine}`;
    console.log(line);
    const load = Deno.loadavg().map((x) => x.toFixed(2)).join(", ");
    return {
      title: "API and web page",
      markdown: `A node (\`--miners 0\`, \`--http 127.0.0.1:0\`) on a ledger of ${
        LEDGER_TXS.toLocaleString("en-US")
      } transactions: a chain
of payments from its own wallet, so the wallet has ${
        (LEDGER_TXS - 1).toLocaleString("en-US")
      } spent outputs in its history. Requests per
second with ${CLIENTS} concurrent keep-alive clients in this process for ${RUN_MS / 1000} s each
(the client shares the machine's cores with the node). The page is timed in Debian's chromium
(headless, a fresh profile): from \`goto\` until the balance is on screen, the navigation's load
event, and from the click on the explorer tab until its graph of the last 100 transactions is
drawn (it never draws the whole DAG). The node keeps answers until the ledger changes (the
next commit with events); the first answer after a change pays the ledger's query, which for
\`balance\` reads every output the address ever had.

| request | first answer | then, while the ledger does not change |
|---|---:|---:|
| \`GET /api/v1/balance\` | ${Math.round(balance.coldMs)} ms | ${fmtRate(balance.rate)} req/s |
| \`GET /api/v1/info\` | ${Math.round(info.coldMs)} ms | ${fmtRate(info.rate)} req/s |
| \`GET /api/v1/history?limit=50&address=<wallet>\` | ${Math.round(history.coldMs)} ms | ${
        fmtRate(history.rate)
      } req/s |

| page | result |
|---|---:|
| page: first load until the balance shows | ${
        typeof page === "string" ? "skipped" : `${Math.round(page.balance)} ms`
      } |
| page: load event | ${typeof page === "string" ? "skipped" : `${Math.round(page.load)} ms`} |
| explorer: last 100 of ${LEDGER_TXS.toLocaleString("en-US")} drawn | ${
        typeof page === "string" ? "skipped" : `${Math.round(page.explorer)} ms`
      } |

${
        typeof page === "string"
          ? `The page was not timed: ${page}.\n\n`
          : ""
      }Load average at the end: ${load}.
`,
    };
  } finally {
    if (node) await node.proc.kill("SIGTERM");
    await Deno.remove(dir, { recursive: true });
  }
}
