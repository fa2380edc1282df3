/**
 * LAN benchmark (`deno task bench lan`): the system scenario of tests/lan/ (issue 9) with 10
 * hosts instead of 5: 10% inbound loss on two hosts, 50 payments, a partition of hosts 7-10
 * with double spends on both sides, then the heal. It measures the time from the heal until
 * every node's export agrees (target ≤ 30 s). Needs root for the network namespaces; without
 * it the section says why it was skipped.
 * @module
 */
import { type LanResult, lanUnavailable, runLanScenario } from "../lan/scenario.ts";
import type { BenchSection } from "./section.ts";

/** Hosts on the LAN. */
const HOSTS = 10;
/** Target for the convergence after the heal. */
const TARGET_MS = 30_000;
/** Runs measured; the figure is their median. */
const RUNS = Number(Deno.env.get("LAN_BENCH_RUNS") ?? 3);

function loadAverage(): string {
  return Deno.loadavg().map((x) => x.toFixed(1)).join(", ");
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

function markdown(runs: readonly LanResult[], loads: readonly string[]): string {
  const s = (ms: number) => (ms / 1000).toFixed(1);
  const times = runs.map((r) => r.convergenceMs);
  const med = median(times);
  const met = Math.max(...times) <= TARGET_MS ? "met by every run" : "**not met**";
  const r = runs[0];
  const rounds = Math.round(runs.reduce((t, x) => t + x.roundMs, 0) / runs.length);
  const rows = runs.map((x, i) => {
    const loss = Object.entries(x.loss)
      .map(([h, l]) => `${h} ${(100 * l.dropped / Math.max(1, l.seen)).toFixed(1)}%`)
      .join(", ");
    const pairs = x.pairs.map((p) =>
      `${p.winner === "a" ? "A" : "B"} (${p.workA} vs ${p.workB}${p.flipped ? ", flipped" : ""})`
    ).join(", ");
    return `| ${i + 1} | **${s(x.convergenceMs)} s** | ${s(x.phases.confirmed)} s | ${
      s(x.totalMs)
    } s | ${loss} | ${pairs} | ${loads[i]} |`;
  });
  return `| run | convergence after the heal | mining to confirmation before the cut | whole run | loss measured | winners (work A vs B) | load average |
|---:|---:|---:|---:|---|---|---|
${rows.join("\n")}

- Convergence after the heal, ${r.hosts} hosts (${r.nodes} nodes, ${r.transactions} transactions, ${r.pairs.length} double spends): median **${
    s(med)
  } s** over ${runs.length} runs, range ${s(Math.min(...times))}-${s(Math.max(...times))} s.
- Target ≤ ${TARGET_MS / 1000} s after the heal: ${met}.
- Scenario (tests/lan/scenario.ts): ${r.hosts} hosts in network namespaces on one bridge, 10% random
  inbound UDP loss on two of them (nftables), a fresh network from \`deno task genesis\`, 50 payments
  through the command loops, then hosts 7-10 moved to a second bridge; host 1 and a second node with
  host 1's wallet on host 7 spend the same coins within one second, twice; two miners per side (one
  worker each, cap 22 bits); then the heal.
- Convergence: from the heal to the end of the first round in which every one of the ${r.nodes}
  nodes (every host plus the second host-7 node) lists the same status for every transaction
  through its command loop (\`l\`), with each double spend resolved (one confirmed, one
  conflicted), provided the round of \`export\` that follows agrees too (every status and balance,
  no other conflicts, the supply check on every node). A round of \`l\` took ${rounds} ms on average
  and rounds start 50 ms apart, so each figure is exact to about 0.1 s.
- After the heal nothing crosses the healed link until some node's periodic summary (each node
  sends one every 3 s) is heard on the other side; the difference then starts sync sessions that
  fetch the other side's transactions and confirmations. \`CRACKCOIN_LAN_WATCH=1\` shows when each
  session ends (docs/TESTING.md).
- Set LAN_BENCH_RUNS to change the number of runs (default ${RUNS}).`;
}

/** Runs the 10-host scenario RUNS times. */
export async function bench(): Promise<BenchSection> {
  const title = "LAN: convergence after a partition with double spends (10 hosts)";
  const skip = await lanUnavailable();
  if (skip) return { title, markdown: `Skipped: ${skip}.` };
  const runs: LanResult[] = [], loads: string[] = [];
  for (let i = 0; i < RUNS; i++) {
    loads.push(loadAverage());
    const r = await runLanScenario({ hosts: HOSTS });
    console.log(`lan: run ${i + 1}: ${HOSTS} hosts converged ${r.convergenceMs} ms after the heal`);
    runs.push(r);
  }
  return { title, markdown: markdown(runs, loads) };
}

if (import.meta.main) console.log((await bench()).markdown);
