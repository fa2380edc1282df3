/**
 * docs/PROTOCOL.md §10.6: every network counter appears in `p` and reaches the JSON log
 * (issue #15, outsider item 5). Every counter is given a value of its own, so a counter that
 * `p` or the log leaves out is caught by name.
 * @module
 */
import { assert, assertEquals } from "../helpers/assert.ts";
import { CommandLoop } from "../../lib/cli/loop.ts";
import { makeLogger } from "../../lib/cli/log.ts";
import { Output } from "../../lib/cli/output.ts";
import type { Node } from "../../lib/cli/run_node.ts";
import { netLedgerOf } from "../../lib/cli/net_ledger.ts";
import { openLedger } from "../../lib/ledger/ledger.ts";
import { newCounters } from "../../lib/net/counters.ts";
import { NetNode } from "../../lib/net/node.ts";
import { T0, testKeys } from "../helpers/fixtures.ts";
import { TEST_CONFIRM_WORK, testGenesis } from "../helpers/ledger_fixtures.ts";
import { freeUdpPort, LOOPBACK_BROADCAST, waitFor } from "../helpers/net_fixtures.ts";

async function withNode(
  fn: (net: NetNode, lines: string[]) => Promise<void>,
): Promise<void> {
  const genesis = testGenesis(testKeys(0));
  const ledger = await openLedger(":memory:", {
    genesis,
    confirmWork: TEST_CONFIRM_WORK,
    clock: () => T0 + 3_600_000,
  });
  const lines: string[] = [];
  const net = new NetNode({
    ledger: netLedgerOf(ledger),
    nodeId: crypto.getRandomValues(new Uint8Array(8)),
    port: freeUdpPort(),
    bind: "127.0.0.1",
    broadcast: LOOPBACK_BROADCAST,
    summaryIntervalMs: 60_000,
    syncOnStart: false,
    countersLogIntervalMs: 50,
    log: makeLogger((l) => lines.push(l), { quiet: false, json: true }),
  });
  net.start();
  try {
    await fn(net, lines);
  } finally {
    await net.stop();
    ledger.close();
  }
}

/** Gives every counter a distinct value; returns the value of each, by name. */
function distinctValues(net: NetNode): Map<string, number> {
  const values = new Map<string, number>();
  let v = 900_001;
  const c = net.counters as unknown as Record<string, number | Record<string, number>>;
  for (const k of Object.keys(newCounters())) {
    if (typeof c[k] === "number") c[k] = v;
    else c[k] = { [`reason-${k}`]: v };
    values.set(k, v);
    v += 7;
  }
  return values;
}

Deno.test("p shows every network counter", async () => {
  await withNode(async (net) => {
    const values = distinctValues(net);
    let text = "";
    const out = new Output((t) => (text += t), { interactive: false, colour: false });
    const node = { net, onWalletEvent() {} } as unknown as Node;
    async function* lines() {
      yield "p";
    }
    await new CommandLoop(node, out, lines()).run();
    for (const [name, v] of values) assert(text.includes(String(v)), `p omits ${name}:\n${text}`);
    assert(/kernel drops (\d+|unknown)/.test(text), "p shows kernel drops");
  });
});

Deno.test("every network counter reaches the JSON log", async () => {
  await withNode(async (net, lines) => {
    const values = distinctValues(net);
    await waitFor(() => lines.some((l) => l.includes('"network counters"')), 3000, "the line");
    const line = JSON.parse(lines.find((l) => l.includes('"network counters"'))!);
    assertEquals(line.level, "info");
    for (const [name, v] of values) {
      const got = line.counters[name];
      assert(
        got === v || (typeof got === "object" && Object.values(got).includes(v)),
        `the log omits ${name}`,
      );
    }
  });
});
