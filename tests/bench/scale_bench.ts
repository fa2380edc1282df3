/**
 * Scale benchmark (`deno task bench scale`, issue 16): N hosts in network namespaces on one
 * bridge (tests/helpers/netns.ts), two of them mining (`--miners 1 --mine-cap 20`), four of
 * them making payments through their command loops. For N = 5, 10, 20, 40 (60 with
 * SCALE_MAX=60), with and without 10% random inbound loss on every host, it reports per
 * payment: datagrams sent and received per node by message type (nftables counters in each
 * namespace, taken before the loss rule), the bridge total, each node's own `p` counters
 * (datagrams read, kernel drops), CPU per non-mining node (/proc), and the convergence time
 * after the last payment; then the fitted growth (least squares on log N).
 *
 * Every namespace gets permanent neighbour entries for every other host: the kernel's
 * neighbour table is shared by all namespaces (1,024 entries here) and overflows past about
 * 30 hosts otherwise. Namespaces are prefixed `cc-` and deleted in `finally`; nothing is sent
 * from the machine's own namespace.
 *
 * Environment: SCALE_NS (comma-separated N, default "5,10,20,40"), SCALE_MAX (largest N, 60
 * adds 60), SCALE_LOSS ("0,10" by default), SCALE_PAYMENTS (default 50), SCALE_MINE_CAP (default
 * 20), SCALE_UNTIL (an ISO time after which no cell starts).
 * @module
 */
import {
  createLan,
  ensureNft,
  type Host,
  type Lan,
  must,
  netnsUnavailable,
  NsNode,
  poll,
  run,
} from "../helpers/netns.ts";
import { parseUdpDropsAll } from "../../lib/net/kernel_drops.ts";
import { paymentPlan } from "../lan/scenario.ts";
import { MESSAGE_TYPES } from "../../lib/wire/constants.ts";
import type { BenchSection } from "./section.ts";

const REPO = new URL("../..", import.meta.url).pathname;
/** Offset of the message type byte from the start of the UDP header, in bits (8 + 21 bytes). */
const TYPE_BIT_OFFSET = (8 + 21) * 8;
/** Message type codes counted one by one (v2 may add codes past 7: 8-10 are counted too). */
const CODES = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
const PAYERS = 4;
const MINERS = 2;
/** After convergence, traffic and CPU are measured per second over this long (miners on). */
const BACKGROUND_MS = 10_000;
/** Then every node's digest is compared, every 250 ms, for at most this long. */
const SETTLE_MS = 30_000;

/** One run's measurements. */
export interface ScaleResult {
  readonly hosts: number;
  readonly lossPercent: number;
  readonly payments: number;
  /** Per payment, averaged over nodes: datagrams sent, by type name. */
  readonly sentPerNode: Record<string, number>;
  /** Per payment, averaged over nodes: datagrams that reached the node (before loss). */
  readonly recvPerNode: Record<string, number>;
  /** Per payment: deliveries on the bridge (sum of every host's arrivals). */
  readonly bridge: number;
  /** Per payment, averaged over nodes: datagrams the node read (its `p` counter). */
  readonly readPerNode: number;
  /** Kernel receive-buffer drops, all nodes, whole run (from `p`; NaN where it cannot read). */
  readonly kernelDrops: number;
  /** The same, read by the bench from each namespace's /proc/net/udp. */
  readonly kernelDropsNs: number;
  /** Datagrams dropped by the loss rule, all hosts. */
  readonly lossDropped: number;
  /** CPU ms per payment per non-mining node (average). */
  readonly cpuMsPerNode: number;
  /** CPU ms per payment per node that neither mines nor pays (hosts 5 and up). */
  readonly cpuMsPerReceiver: number;
  /** Ms from the last payment until every node holds every transaction. */
  readonly convergenceMs: number;
  /**
   * Ms from the last payment until every node's summary digest agrees (every confirmation
   * too) at one look, or -1 when it did not within SETTLE_MS after the background window.
   */
  readonly settleMs: number;
  /** Ms from the first payment to the last one's reply. */
  readonly paymentsMs: number;
  /** After convergence, with the miners still at work: datagrams received per node per second. */
  readonly bgRecvPerNodeS: number;
  /** The same window: CPU ms per non-mining node per second. */
  readonly bgCpuMsPerNodeS: number;
  readonly load: string;
  /** Per payment, each `p` counter averaged over the non-mining nodes, then the miners. */
  readonly plainCounts: Record<string, number>;
  readonly minerCounts: Record<string, number>;
}

function typeName(code: number): string {
  return MESSAGE_TYPES[code] ?? `type${code}`;
}

/** Counting rules in a host namespace, before the loss rule (priority -10 < 0). */
async function installCounters(lan: Lan, h: Host): Promise<void> {
  const rules = (dir: string) =>
    CODES.map((c) =>
      `    meta l4proto udp @th,${TYPE_BIT_OFFSET},8 ${c} counter comment "${dir} ${c}"`
    ).join("\n");
  const text = `table inet ccscale {
  chain cin {
    type filter hook input priority -10; policy accept;
${rules("in")}
  }
  chain cout {
    type filter hook output priority -10; policy accept;
${rules("out")}
  }
}
`;
  await lan.exec(h, "nft", ["-f", "-"], text);
}

async function readCounters(lan: Lan, h: Host): Promise<{ in: number[]; out: number[] }> {
  const out = await lan.exec(h, "nft", ["list", "table", "inet", "ccscale"]);
  const r = { in: CODES.map(() => 0), out: CODES.map(() => 0) };
  for (const m of out.matchAll(/counter packets (\d+) bytes \d+ comment "(in|out) (\d+)"/g)) {
    r[m[2] as "in" | "out"][CODES.indexOf(Number(m[3]))] = Number(m[1]);
  }
  return r;
}

/**
 * Permanent neighbour entries for every other host in each namespace, so the kernel's
 * shared neighbour table never has to hold (or garbage-collect) learned entries.
 */
async function pinNeighbours(lan: Lan): Promise<void> {
  const macs = await Promise.all(lan.hosts.map(async (h) => {
    const out = await must("ip", ["-n", h.ns, "-br", "link", "show", "dev", h.dev]);
    const m = out.match(/([0-9a-f]{2}(:[0-9a-f]{2}){5})/);
    if (!m) throw new Error(`no MAC address for ${h.ns}: ${out}`);
    return m[1];
  }));
  for (const h of lan.hosts) {
    const lines = lan.hosts.filter((o) => o !== h).map((o) =>
      `neigh replace ${o.ip} lladdr ${macs[lan.hosts.indexOf(o)]} dev ${h.dev} nud permanent`
    );
    await must("ip", ["-n", h.ns, "-batch", "-"], lines.join("\n") + "\n");
  }
}

/**
 * utime + stime of a process, in ms (clock ticks of 10 ms). Read with `cat`: Deno 2.9.6 reads
 * nothing under /proc without --allow-all, which `deno task bench` does not grant.
 */
async function cpuMs(pid: number): Promise<number> {
  const r = await run("cat", [`/proc/${pid}/stat`]);
  if (r.code !== 0) throw new Error(`Cannot read /proc/${pid}/stat: ${r.stderr.trim()}`);
  const f = r.stdout.slice(r.stdout.lastIndexOf(")") + 2).split(" ");
  return (Number(f[11]) + Number(f[12])) * 10;
}

/**
 * Kernel receive-buffer drops of every UDP socket in a host's namespace (only its node's), from
 * that namespace's /proc/net/udp: measured by the bench whatever the node itself may read.
 */
async function namespaceDrops(lan: Lan, h: Host): Promise<number> {
  return parseUdpDropsAll(await lan.exec(h, "cat", ["/proc/net/udp"]));
}

/** What a node's `p` shows: datagrams read, kernel drops, and its other counters by name. */
interface PView {
  readonly read: number;
  readonly drops: number;
  /** Counters of the Txs, Confirmations, Suppression and Sync lines, by "line word". */
  readonly counts: Record<string, number>;
}

async function pCounters(n: NsNode): Promise<PView> {
  const from = n.lines.length;
  const m = await n.ask("p", /^Datagrams: (\d+) in.*?(?:kernel drops (\d+|unknown).*)?$/, 30_000);
  await n.waitFor(/^Sync: /, 30_000, from);
  const counts: Record<string, number> = {};
  for (const line of n.lines.slice(from)) {
    const head = line.match(/^(Txs|Confirmations|Suppression|Sync): /);
    if (!head) continue;
    for (const c of line.matchAll(/(\d+) ([a-z][a-z ]*?)(?=[,;]|$)/g)) {
      counts[`${head[1]} ${c[2]}`] = Number(c[1]);
    }
  }
  // "unknown": the node cannot read /proc/net/udp with its permissions; counted as NaN.
  return { read: Number(m[1]), drops: m[2] === undefined ? NaN : Number(m[2]), counts };
}

/** Per payment, averaged over `who`: each `p` counter's growth from `base` to `end`. */
function countsPer(
  base: readonly PView[],
  end: readonly PView[],
  who: readonly number[],
  payments: number,
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const i of who) {
    for (const [k, v] of Object.entries(end[i].counts)) {
      out[k] = (out[k] ?? 0) + (v - (base[i].counts[k] ?? 0)) / who.length / payments;
    }
  }
  for (const k of Object.keys(out)) out[k] = Math.round(out[k] * 100) / 100;
  return out;
}

async function spendable(n: NsNode): Promise<bigint> {
  const r = await n.ask("i", /^Balance:\s+(\d+) spendable .*, (\d+) incoming pending$/, 30_000);
  return BigInt(r[1]) + BigInt(r[2]);
}

async function pay(n: NsNode, to: string, amount: bigint): Promise<string> {
  const from = n.lines.length;
  await n.send(`t ${to} ${amount}`);
  const t0 = Date.now();
  for (;;) {
    for (let i = from; i < n.lines.length; i++) {
      const ok = n.lines[i].match(/^txid ([0-9a-f]{64})/);
      if (ok) return ok[1];
      if (/^(Insufficient|Invalid|This payment|Command failed|The payment)/.test(n.lines[i])) {
        throw new Error(`t ${to} ${amount}: ${n.lines[i]}`);
      }
    }
    if (Date.now() - t0 > 30_000) throw new Error("no reply to t");
    await new Promise((r) => setTimeout(r, 10));
  }
}

function loadAverage(): string {
  return Deno.loadavg().map((x) => x.toFixed(1)).join(", ");
}

/** Runs the workload once on `hosts` hosts with `lossPercent`% inbound loss on each. */
export async function runScale(
  hosts: number,
  lossPercent: number,
  payments: number,
  say: (l: string) => void = (l) => console.log(`scale: ${l}`),
): Promise<ScaleResult> {
  await ensureNft();
  const load = loadAverage();
  const tmp = await Deno.makeTempDir({ prefix: "cc-scale-" });
  const lan = await createLan(hosts);
  const nodes: NsNode[] = [];
  try {
    await pinNeighbours(lan);
    for (const h of lan.hosts) {
      await installCounters(lan, h);
      if (lossPercent > 0) await lan.setInboundLoss(h, lossPercent);
    }
    const h1dir = `${tmp}/h1`;
    const prefix = "GHJKLMNPQRSTUVWXYZabcdef"[Math.floor(Math.random() * 24)];
    const g = await new Deno.Command(Deno.execPath(), {
      args: [
        "task",
        "genesis",
        "--prefix",
        prefix,
        "--workers",
        "1",
        "--work",
        "16",
        "--out",
        h1dir,
      ],
      cwd: REPO,
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (!g.success) throw new Error(`genesis failed: ${new TextDecoder().decode(g.stderr)}`);
    const genesisFile = `${h1dir}/genesis.json`;
    // Start in small groups: dozens of Deno processes at once time out on a loaded machine.
    for (let i = 0; i < hosts; i += 5) {
      const group = lan.hosts.slice(i, i + 5).map((h, j) =>
        NsNode.start(lan, h, i + j === 0 ? h1dir : `${tmp}/h${i + j + 1}`, {
          miners: i + j < MINERS ? 1 : 0,
          extra: ["--genesis", genesisFile, "--mine-cap", String(mineCap())],
        })
      );
      nodes.push(...await Promise.all(group));
    }
    const addresses = await Promise.all(nodes.slice(0, PAYERS).map((n) => n.address()));
    say(`${hosts} hosts, ${lossPercent}% loss, load ${load}: started`);

    const base = await Promise.all(lan.hosts.map((h) => readCounters(lan, h)));
    const baseP = await Promise.all(nodes.map(pCounters));
    const baseCpu = await Promise.all(nodes.map((n) => cpuMs(n.pid)));
    const t0 = performance.now();
    const plan = paymentPlan(PAYERS, payments);
    for (const p of plan) {
      await poll(async () => await spendable(nodes[p.from]) >= p.amount, 60_000, "funds", 100);
      await pay(nodes[p.from], addresses[p.to], p.amount);
    }
    const last = performance.now();
    say(`${payments} payments in ${((last - t0) / 1000).toFixed(1)} s`);
    const want = payments + 1;
    await poll(
      async () => (await Promise.all(nodes.map((n) => n.count()))).every((c) => c === want),
      180_000,
      `every node to hold ${want} transactions`,
      200,
    );
    const convergenceMs = Math.round(performance.now() - last);
    // Per payment: from the first payment until every node holds every transaction. Under
    // protocol v2 the miners never stop (nothing caps the weight), so there is no later moment
    // when all work is done; what flows afterwards is measured per second, below.
    const end = await Promise.all(lan.hosts.map((h) => readCounters(lan, h)));
    const endP = await Promise.all(nodes.map(pCounters));
    const endCpu = await Promise.all(nodes.map((n) => cpuMs(n.pid)));
    const tEnd = performance.now();
    await new Promise((r) => setTimeout(r, BACKGROUND_MS));
    const bg = await Promise.all(lan.hosts.map((h) => readCounters(lan, h)));
    const bgCpu = await Promise.all(nodes.map((n) => cpuMs(n.pid)));
    const bgSeconds = (performance.now() - tEnd) / 1000;
    let settleMs = -1;
    try {
      await poll(
        async () => new Set(await Promise.all(nodes.map((n) => n.digest()))).size === 1,
        SETTLE_MS,
        "every digest to agree",
        250,
      );
      settleMs = Math.round(performance.now() - last);
    } catch { /* confirmations still in flight somewhere at every look: reported as -1 */ }
    let lossDropped = 0;
    if (lossPercent > 0) {
      for (const h of lan.hosts) lossDropped += (await lan.lossCounters(h)).dropped;
    }
    const per = (x: number) => x / payments;
    const sentPerNode: Record<string, number> = {}, recvPerNode: Record<string, number> = {};
    let bridge = 0;
    CODES.forEach((c, k) => {
      let s = 0, r = 0;
      for (let i = 0; i < hosts; i++) {
        s += end[i].out[k] - base[i].out[k];
        r += end[i].in[k] - base[i].in[k];
      }
      bridge += r;
      if (s + r > 0) {
        sentPerNode[typeName(c)] = per(s / hosts);
        recvPerNode[typeName(c)] = per(r / hosts);
      }
    });
    const read = endP.reduce((t, p, i) => t + p.read - baseP[i].read, 0);
    const kernelDrops = endP.reduce((t, p) => t + p.drops, 0);
    const kernelDropsNs = (await Promise.all(lan.hosts.map((h) => namespaceDrops(lan, h))))
      .reduce((t, d) => t + d, 0);
    const plain = nodes.map((_, i) => i).filter((i) => i >= MINERS);
    const cpu = plain.reduce((t, i) => t + endCpu[i] - baseCpu[i], 0) / plain.length;
    // Hosts 3-4 pay as well: at N = 5 they are two of the three non-mining nodes, at N = 40
    // two of 38. The receivers alone (hosts 5+) show what a node pays for the others' payments.
    const receivers = nodes.map((_, i) => i).filter((i) => i >= PAYERS);
    const cpuReceivers = receivers.reduce((t, i) => t + endCpu[i] - baseCpu[i], 0) /
      receivers.length;
    let bgRecv = 0;
    for (let i = 0; i < hosts; i++) {
      for (let k = 0; k < CODES.length; k++) bgRecv += bg[i].in[k] - end[i].in[k];
    }
    const bgCpuMs = plain.reduce((t, i) => t + bgCpu[i] - endCpu[i], 0) / plain.length;
    const r: ScaleResult = {
      hosts,
      lossPercent,
      payments,
      sentPerNode,
      recvPerNode,
      bridge: per(bridge),
      readPerNode: per(read / hosts),
      kernelDrops,
      kernelDropsNs,
      lossDropped,
      cpuMsPerNode: per(cpu),
      cpuMsPerReceiver: per(cpuReceivers),
      convergenceMs,
      settleMs,
      paymentsMs: Math.round(last - t0),
      bgRecvPerNodeS: bgRecv / hosts / bgSeconds,
      bgCpuMsPerNodeS: bgCpuMs / bgSeconds,
      load,
      plainCounts: countsPer(baseP, endP, plain, payments),
      minerCounts: countsPer(
        baseP,
        endP,
        nodes.map((_, i) => i).filter((i) => i < MINERS),
        payments,
      ),
    };
    say(JSON.stringify(r));
    return r;
  } catch (e) {
    // Say which node ended, how, and what it printed last.
    for (const n of nodes.filter((n) => n.exited)) {
      const st = await n.child.status;
      say(
        `${n.label} exited (code ${st.code}, signal ${st.signal}): ` +
          `${n.errLines.slice(-8).join(" | ")} / ${n.lines.slice(-3).join(" | ")}`,
      );
    }
    throw e;
  } finally {
    await Promise.all(nodes.map((n) => n.stop(5_000).catch(() => {})));
    await lan.destroy();
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
  }
}

/** Slope of log y over log x (least squares): y ∝ x^slope. */
export function growthExponent(xs: readonly number[], ys: readonly number[]): number {
  const pts = xs.map((x, i) => [Math.log(x), Math.log(Math.max(ys[i], 1e-9))]);
  const mx = pts.reduce((t, p) => t + p[0], 0) / pts.length;
  const my = pts.reduce((t, p) => t + p[1], 0) / pts.length;
  let num = 0, den = 0;
  for (const [x, y] of pts) {
    num += (x - mx) * (y - my);
    den += (x - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

const sum = (o: Record<string, number>) => Object.values(o).reduce((t, x) => t + x, 0);
const f1 = (x: number) => x.toFixed(1);
const f2 = (x: number) => x.toFixed(2);
/** A `p` counter per payment, averaged over the non-mining nodes. */
const pc = (r: ScaleResult, name: string) => r.plainCounts[name] ?? 0;

/** The issue's targets, checked on one loss setting's runs (the smallest N is the base). */
export function goals(rs: readonly ScaleResult[]): string {
  if (rs.length < 2) return "";
  const base = rs[0];
  const lines = rs.slice(1).map((r) => {
    const recv = sum(r.recvPerNode) / sum(base.recvPerNode);
    const cpu = r.cpuMsPerNode / base.cpuMsPerNode;
    const cpuR = r.cpuMsPerReceiver / base.cpuMsPerReceiver;
    const limit = r.hosts >= 60 ? 5 : r.hosts >= 40 ? 3 : undefined;
    const conv = r.convergenceMs / 1000;
    return `- N = ${r.hosts}: received per node ${recv.toFixed(2)}× N = ${base.hosts} ` +
      `(target ≤ 3×: ${recv <= 3 ? "met" : "not met"}); CPU ${cpu.toFixed(2)}× ` +
      `(target ≤ 2×: ${cpu <= 2 ? "met" : "not met"}; neither mining nor paying ` +
      `${cpuR.toFixed(2)}×: ${cpuR <= 2 ? "met" : "not met"}); convergence ${conv.toFixed(2)} s` +
      (limit === undefined ? "" : ` (target ≤ ${limit} s: ${conv <= limit ? "met" : "not met"})`);
  });
  return lines.join("\n");
}

/** The table of one loss setting, rows as in issue 16. */
export function table(rs: readonly ScaleResult[]): string {
  const ns = rs.map((r) => r.hosts);
  const row = (name: string, ys: number[], fmt: (x: number) => string = f1) => {
    // A value that rounds to 0 has no logarithm worth fitting (0.00 to 0.04 reads as N^25).
    if (ys.some((y) => y < 0.01)) return `| ${name} | ${ys.map(fmt).join(" | ")} | (near 0) |`;
    const e = rs.length > 1 ? growthExponent(ns, ys) : 0;
    const kind = e < 0.25 ? "flat" : e < 0.75 ? "sublinear" : e < 1.5 ? "linear" : "quadratic";
    return `| ${name} | ${ys.map(fmt).join(" | ")} | N^${e.toFixed(2)} (${kind}) |`;
  };
  // Message types that matter (sync-req is a handful per run).
  const types = [...new Set(rs.flatMap((r) => Object.keys(r.recvPerNode)))]
    .filter((t) => rs.some((r) => (r.recvPerNode[t] ?? 0) >= 0.05));
  const lines = [
    `| per payment | ${ns.map((n) => `N=${n}`).join(" | ")} | growth |`,
    `|---|${ns.map(() => "--:").join("|")}|---|`,
    row("datagrams sent per node", rs.map((r) => sum(r.sentPerNode))),
    ...types.map((t) => row(`- of which ${t}`, rs.map((r) => r.sentPerNode[t] ?? 0))),
    row("**datagrams received per node**", rs.map((r) => sum(r.recvPerNode))),
    ...types.map((t) => row(`- of which ${t}`, rs.map((r) => r.recvPerNode[t] ?? 0))),
    row("datagrams read per node (`p`)", rs.map((r) => r.readPerNode)),
    row("deliveries on the bridge", rs.map((r) => r.bridge), (x) => x.toFixed(0)),
    row("**CPU ms per non-mining node**", rs.map((r) => r.cpuMsPerNode)),
    row("CPU ms per node that neither mines nor pays", rs.map((r) => r.cpuMsPerReceiver)),
    row("confirmations new to a node (`p`)", rs.map((r) => pc(r, "Confirmations improved"))),
    row("sync sessions per node (`p`)", rs.map((r) => pc(r, "Sync sessions")), f2),
    row(
      "own summaries kept off the LAN per node (`p`: covered + after a sync)",
      rs.map((r) => pc(r, "Suppression summaries") + pc(r, "Suppression summaries after a sync")),
      f2,
    ),
    row(
      "**convergence after the last payment (s)**",
      rs.map((r) => r.convergenceMs / 1000),
      f2,
    ),
    `| payments took (s) | ${rs.map((r) => (r.paymentsMs / 1000).toFixed(1)).join(" | ")} | |`,
    row(
      "after convergence, per second: received per node",
      rs.map((r) => r.bgRecvPerNodeS),
    ),
    row(
      "after convergence, per second: CPU ms per non-mining node",
      rs.map((r) => r.bgCpuMsPerNodeS),
    ),
    `| digests agree after the last payment (s) | ${
      rs.map((r) =>
        r.settleMs < 0
          ? `> ${((r.convergenceMs + BACKGROUND_MS + SETTLE_MS) / 1000).toFixed(0)}`
          : (r.settleMs / 1000).toFixed(1)
      ).join(" | ")
    } | |`,
    `| kernel receive drops, whole run (\`p\`) | ${
      rs.map((r) => Number.isNaN(r.kernelDrops) ? "unknown" : r.kernelDrops).join(" | ")
    } | |`,
    `| kernel receive drops, whole run (/proc/net/udp) | ${
      rs.map((r) => r.kernelDropsNs).join(" | ")
    } | |`,
    `| load average at start | ${rs.map((r) => r.load.split(",")[0]).join(" | ")} | |`,
  ];
  return lines.join("\n");
}

/** `--mine-cap` of the two miners: SCALE_MINE_CAP, 20 by default (the issue's workload). */
function mineCap(): number {
  return Number(Deno.env.get("SCALE_MINE_CAP") ?? 20);
}

function listEnv(name: string, dflt: string): number[] {
  return (Deno.env.get(name) ?? dflt).split(",").map((s) => Number(s.trim())).filter((x) =>
    x > 0 || x === 0
  );
}

/** Runs every N and loss setting once. */
export async function bench(): Promise<BenchSection> {
  const title = "Scale: per-node cost as the LAN grows (issue 16)";
  const skip = await netnsUnavailable();
  if (skip) return { title, markdown: `Skipped: ${skip}.` };
  const ns = listEnv("SCALE_NS", "5,10,20,40");
  // N = 60 comes after every other cell of both loss settings: it is the one left out when
  // the window (SCALE_UNTIL) runs out.
  const extra = Number(Deno.env.get("SCALE_MAX") ?? 0) >= 60 && !ns.includes(60) ? [60] : [];
  const losses = listEnv("SCALE_LOSS", "0,10");
  const payments = Number(Deno.env.get("SCALE_PAYMENTS") ?? 50);
  // A shared machine's benchmark window: cells not started by then are reported as not run.
  const until = Date.parse(Deno.env.get("SCALE_UNTIL") ?? "") || Infinity;
  const results = new Map<number, ScaleResult[]>(losses.map((l) => [l, []]));
  const failed = new Map<number, string[]>(losses.map((l) => [l, []]));
  const cells = [
    ...losses.flatMap((loss) => ns.map((n) => [loss, n])),
    ...losses.flatMap((loss) => extra.map((n) => [loss, n])),
  ];
  for (const [loss, n] of cells) {
    const fails = failed.get(loss)!;
    if (Date.now() > until) {
      fails.push(`- N = ${n} not run: SCALE_UNTIL (${new Date(until).toISOString()}) had passed`);
      continue;
    }
    // A cell that fails (a timeout on an overloaded machine, nodes stopped from outside) is
    // tried once more, then reported; either way the run goes on.
    for (let attempt = 1; attempt <= 2; attempt++) {
      try {
        results.get(loss)!.push(await runScale(n, loss, payments));
        if (attempt > 1) fails.push(`- N = ${n}: the first attempt failed; the second is shown`);
        break;
      } catch (e) {
        const why = (e as Error).message.split("\n")[0];
        console.log(`scale: ${n} hosts, ${loss}% loss, attempt ${attempt} failed: ${why}`);
        if (attempt === 2) fails.push(`- N = ${n} failed twice: ${why}`);
      }
    }
  }
  const parts = losses.map((loss) => {
    const rs = results.get(loss)!.sort((a, b) => a.hosts - b.hosts);
    const fails = failed.get(loss)!;
    return `### ${loss}% random inbound loss on every host\n\n${table(rs)}\n\n${goals(rs)}` +
      (fails.length > 0 ? `\n${fails.join("\n")}` : "");
  });
  return {
    title,
    markdown: `${parts.join("\n\n")}

- Workload: N hosts in network namespaces on one bridge; hosts 1-2 mine (\`--miners 1
  --mine-cap ${mineCap()}\`${
      mineCap() === 20
        ? ": every confirmation claims 20 bits, so a miner finds several a second"
        : ""
    }),
  hosts 1-4 make ${payments} payments through their command loops (host 1 funds 2-4, then they
  pay each other). Per payment: counters from the first payment until every node holds every
  transaction (under protocol v2 the miners never stop, so no later moment has all work done).
  Then, miners still at work, ${BACKGROUND_MS / 1000} s are measured per second, and the nodes'
  summary digests are compared every 0.25 s for up to ${SETTLE_MS / 1000} s more.
- Sent and received: nftables counters per message type in each namespace, ahead of the
  loss rule. Read: the node's own \`Datagrams: N in\` from \`p\` (after loss and kernel drops).
  Bridge: the sum of every host's arrivals. CPU: utime+stime from /proc of each non-mining node
  (hosts 3-4 of them pay too), and of the nodes that neither mine nor pay (hosts 5 and up).
- Convergence: from the reply to the last \`t\` until every node's \`l 0\` shows every
  transaction (polled every 0.2 s).
- Growth: least-squares slope of log(value) on log(N). Targets (issue 16) are checked
  against the smallest N of the run.
- Kernel drops: \`p\` (the node reads /proc/net/udp with \`cat\`, \`--allow-run=cat\`), and
  the bench's own read of each namespace's /proc/net/udp.
- Each namespace gets permanent neighbour (ARP) entries for every other host, so the
  kernel's shared neighbour table (1,024 entries) cannot overflow at 40+ hosts.
- The machine is shared (2 cores, other work running): the load average at each start is
  shown; CPU and timing figures move with it.`,
  };
}

if (import.meta.main) console.log((await bench()).markdown);
