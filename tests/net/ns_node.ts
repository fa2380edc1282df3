/**
 * A test node in a process of its own, for measurements that the test process would blur:
 * a NetNode on 127.0.0.1 (broadcasting only to 127.255.255.255) over an in-memory ledger
 * holding the fuzz fixture (`populatedLedger`). Run it with `--v8-flags=--expose-gc` so that
 * `stats` can report the live heap after a full collection.
 *
 *   deno run --allow-all --v8-flags=--expose-gc tests/net/ns_node.ts --port N --txs 300
 *
 * It prints one JSON line when it listens ({ port, unicastPort }), then answers each stdin
 * line: `stats` prints a JSON line (counters, ledger summary, sizes of bounded structures,
 * memory); `quit` stops it.
 * @module
 */
import { parseArgs } from "node:util";
import { toHex } from "../../lib/core/hash.ts";
import { NetNode } from "../../lib/net/node.ts";
import { netLedgerOf } from "../../lib/cli/net_ledger.ts";
import { RateLimiter } from "../../lib/net/rate_limit.ts";
import { testKeys } from "../helpers/fixtures.ts";
import { testGenesis } from "../helpers/ledger_fixtures.ts";
import { LOOPBACK_BROADCAST } from "../helpers/net_fixtures.ts";
import { populatedLedger } from "./fuzz_test.ts";

/** What `stats` prints. */
export interface NodeStats {
  counters: NetNode["counters"];
  count: number;
  digest: string;
  supplyOk: boolean;
  statuses: Record<string, number>;
  peers: number;
  orphans: number;
  sources: number;
  /** Bytes, from Deno.memoryUsage() after two full collections when gc is exposed. */
  rss: number;
  heapUsed: number;
  external: number;
  gc: boolean;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: Deno.args,
    options: { port: { type: "string" }, txs: { type: "string", default: "300" } },
  });
  const genesis = testGenesis(testKeys(0));
  const { ledger } = await populatedLedger(genesis, Number(values.txs));
  const limiter = new RateLimiter();
  const net = new NetNode({
    ledger: netLedgerOf(ledger),
    nodeId: crypto.getRandomValues(new Uint8Array(8)),
    port: Number(values.port),
    bind: "0.0.0.0",
    broadcast: LOOPBACK_BROADCAST,
    summaryIntervalMs: 1000,
    rateLimiter: limiter,
    // This harness measures the decoder and the ledger under hostile input (fuzz test, net
    // bench); bans would drop nearly all of it unread. tests/net/hostile_peers_test.ts shows
    // the bans.
    bans: false,
  });
  net.start();
  const out = (o: unknown) => console.log(JSON.stringify(o));
  out({ port: Number(values.port), unicastPort: net.unicastPort });
  const gc = (globalThis as { gc?: () => void }).gc;
  let buf = "";
  for await (const chunk of Deno.stdin.readable.pipeThrough(new TextDecoderStream())) {
    buf += chunk;
    let i;
    while ((i = buf.indexOf("\n")) >= 0) {
      const line = buf.slice(0, i).trim();
      buf = buf.slice(i + 1);
      if (line === "quit") {
        await net.stop();
        ledger.close();
        return;
      }
      if (line === "stats") {
        gc?.();
        gc?.();
        const m = Deno.memoryUsage();
        const s = ledger.summary();
        const stats: NodeStats = {
          counters: net.counters,
          count: s.count,
          digest: toHex(s.digest),
          supplyOk: ledger.supply().ok,
          statuses: { ...ledger.statusCounts(), orphan: 0 },
          peers: net.peers().length,
          orphans: ledger.orphans.size,
          sources: limiter.size,
          rss: m.rss,
          heapUsed: m.heapUsed,
          external: m.external,
          gc: gc !== undefined,
        };
        out(stats);
      }
    }
  }
  await net.stop();
  ledger.close();
}

if (import.meta.main) await main();
