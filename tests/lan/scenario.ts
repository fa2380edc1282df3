/**
 * The LAN system scenario of issue 9, shared by tests/lan/lan_test.ts (5 hosts) and
 * tests/bench/lan_bench.ts (10 hosts). Everything runs the real program (main.ts) in Linux
 * network namespaces that this module creates and deletes (tests/helpers/netns.ts,
 * docs/ARCHITECTURE.md "Network on one machine"); no datagram leaves them.
 *
 * 1. A LAN of `hosts` namespaces on one bridge; two hosts (one on each future side) drop
 *    `lossPercent`% of their inbound UDP at random (nftables).
 * 2. A fresh network from `deno task genesis`; its output directory is host 1's data
 *    directory, so host 1 owns the supply. Plain nodes on the other hosts join with
 *    `--genesis`. Two hosts on each side mine (one worker each).
 * 3. `payments` payments through the nodes' command loops (`t ADDRESS AMOUNT`): host 1 funds
 *    every host, then every host pays others. All nodes must agree with everything confirmed.
 * 4. A second node with host 1's wallet (a copy of wallet.json and genesis.json in a fresh
 *    data directory, "twin") starts on the first host of side B and syncs.
 * 5. Partition: side B's bridge ports move to a second bridge, so side A and side B each
 *    keep a LAN of their own. Within one second host 1 and the twin spend the same coins
 *    to different recipients, `pairs` times; each side mines its own spends to confirmation.
 * 6. Heal: the ports move back. Convergence is the first moment every node's `export` agrees
 *    on every txid's status and on every balance, with each conflicting pair resolved (one
 *    confirmed, the others conflicted) and the supply check holding everywhere.
 *
 * Set CRACKCOIN_LAN_WATCH=1 to stream every node's log (JSON lines on stderr) and wallet
 * events with a host prefix while it runs.
 * @module
 */
import { isDeepStrictEqual } from "node:util";
import {
  createLan,
  ensureNft,
  type Host,
  type Lan,
  mainOneShot,
  must,
  netnsUnavailable,
  NsNode,
  poll,
} from "../helpers/netns.ts";

const REPO = new URL("../..", import.meta.url).pathname;

/** Environment variable that turns on per-host log streaming. */
export const WATCH_ENV = "CRACKCOIN_LAN_WATCH";

/** Parameters of one run. */
export interface LanOptions {
  /** Hosts on the LAN (at least 4). */
  readonly hosts: number;
  /** Payments before the partition. */
  readonly payments: number;
  /** Conflicting pairs made during the partition. */
  readonly pairs: number;
  /** Inbound loss of the two lossy hosts, in percent. */
  readonly lossPercent: number;
  /** Mining cap of the miners (--mine-cap), bits. */
  readonly mineCap: number;
  /** Longest wait for convergence after the heal. */
  readonly convergeMs: number;
  /** Progress lines (default: console.log with a "lan:" prefix). */
  readonly say?: (line: string) => void;
  /** Stream every host's log lines (default: the CRACKCOIN_LAN_WATCH variable). */
  readonly watch?: boolean;
}

/** Defaults of the 5-host system test (issue 9). */
export const DEFAULTS: LanOptions = {
  hosts: 5,
  payments: 50,
  pairs: 2,
  lossPercent: 10,
  mineCap: 22,
  convergeMs: 60_000,
};

/** One double spend: the txid made on side A (host 1) and on side B (the twin). */
export interface ConflictPair {
  readonly a: string;
  readonly b: string;
  /** Outpoints both spend, "txid:index". */
  readonly shared: readonly string[];
  /** Milliseconds between the two txid replies. */
  readonly gapMs: number;
  /** The one confirmed everywhere after the heal. */
  readonly winner: "a" | "b";
  /** The winner at rest differs from the winner at the first agreement. */
  readonly flipped: boolean;
  /** Work of each, as every node holds it after convergence. */
  readonly workA: number;
  readonly workB: number;
}

/** What a run measured. */
export interface LanResult {
  readonly hosts: number;
  /** Nodes compared (the hosts plus the twin). */
  readonly nodes: number;
  readonly transactions: number;
  /**
   * Milliseconds from the heal to the end of the first round of `l` on every node that agreed
   * (and whose following round of exports agreed too).
   */
  readonly convergenceMs: number;
  /** Average duration of one such round (all nodes asked in parallel). */
  readonly roundMs: number;
  /** Milliseconds of each phase, in order. */
  readonly phases: Readonly<Record<string, number>>;
  readonly pairs: readonly ConflictPair[];
  /** Datagrams seen and dropped by each lossy host's rule. */
  readonly loss: Readonly<Record<string, { seen: number; dropped: number }>>;
  /** Exit codes of the nodes after `q`, by label. */
  readonly exitCodes: Readonly<Record<string, number>>;
  readonly totalMs: number;
}

/** Why the scenario cannot run here (not root, no `ip`, not Linux), or null. */
export async function lanUnavailable(): Promise<string | null> {
  return await netnsUnavailable();
}

interface ExportTx {
  txid: string;
  status: string;
  work: number;
  inputs: { txid: string; index: number }[];
  outputs: { amount: string; address: string }[];
}

interface Export {
  network: string;
  transactions: ExportTx[];
  balances: Record<string, string>;
  supply: { genesis: string; unspent: string; ok: boolean };
}

/** A node of the scenario with its label ("h1".."hN", "twin") and data directory. */
interface Member {
  readonly label: string;
  readonly host: Host;
  readonly dir: string;
  readonly node: NsNode;
  address: string;
}

/** Spend of one conflicting pair, as `t` reported it. */
interface Sent {
  readonly txid: string;
  readonly at: number;
}

async function exportOf(dir: string, genesisFile: string): Promise<Export> {
  const e = JSON.parse(await mainOneShot(["export", "--data", dir, "--genesis", genesisFile]));
  e.transactions.sort((x: ExportTx, y: ExportTx) => x.txid < y.txid ? -1 : 1);
  return e as Export;
}

/** Groups of transactions spending the same outpoint (txids sorted), from one export. */
export function conflictGroups(e: { transactions: readonly ExportTx[] }): string[][] {
  const spenders = new Map<string, string[]>();
  for (const t of e.transactions) {
    for (const i of t.inputs) {
      const op = `${i.txid}:${i.index}`;
      const list = spenders.get(op);
      if (list) list.push(t.txid);
      else spenders.set(op, [t.txid]);
    }
  }
  const seen = new Set<string>();
  const out: string[][] = [];
  for (const list of spenders.values()) {
    if (list.length < 2) continue;
    const g = [...new Set(list)].sort();
    if (seen.has(g.join())) continue;
    seen.add(g.join());
    out.push(g);
  }
  return out;
}

/**
 * Null when every export agrees on each txid's status and on every balance, every conflict
 * group has exactly one confirmed member and the rest conflicted, and every supply check
 * holds; otherwise the first difference found, for the log.
 */
export function disagreement(
  labels: readonly string[],
  exports: readonly Export[],
): string | null {
  const ref = exports[0];
  const statuses = (e: Export) => e.transactions.map((t) => `${t.txid} ${t.status}`);
  for (let i = 0; i < exports.length; i++) {
    const e = exports[i];
    if (!e.supply.ok) return `${labels[i]}: supply check fails ${JSON.stringify(e.supply)}`;
    if (e.transactions.length !== ref.transactions.length) {
      return `${labels[i]} holds ${e.transactions.length} transactions, ${labels[0]} ` +
        `${ref.transactions.length}`;
    }
    const a = statuses(e), b = statuses(ref);
    const k = a.findIndex((s, j) => s !== b[j]);
    if (k >= 0) {
      const short = (x: string) => `${x.slice(0, 16)}${x.slice(64)}`;
      return `${labels[i]} has "${short(a[k])}", ${labels[0]} "${short(b[k])}"`;
    }
    if (!isDeepStrictEqual(e.balances, ref.balances)) {
      return `${labels[i]} and ${labels[0]} differ in balances`;
    }
  }
  const status = new Map(ref.transactions.map((t) => [t.txid, t.status]));
  for (const g of conflictGroups(ref)) {
    const s = g.map((id) => status.get(id));
    const confirmed = s.filter((x) => x === "confirmed").length;
    const conflicted = s.filter((x) => x === "conflicted").length;
    if (confirmed !== 1 || conflicted !== g.length - 1) {
      return `conflict ${g.map((id) => id.slice(0, 12)).join(" / ")} is ${s.join(" / ")}`;
    }
  }
  return null;
}

/** Deterministic payment plan: host 1 funds everyone, then everyone pays others. */
export function paymentPlan(
  hosts: number,
  payments: number,
): { from: number; to: number; amount: bigint }[] {
  const plan: { from: number; to: number; amount: bigint }[] = [];
  for (let k = 1; k < hosts && plan.length < payments; k++) {
    plan.push({ from: 0, to: k, amount: 1000n });
  }
  for (let i = 0; plan.length < payments; i++) {
    const from = i % hosts;
    const to = (from + 1 + ((i * 3) % (hosts - 1))) % hosts;
    plan.push({ from, to, amount: BigInt(1 + ((i * 7) % 20)) });
  }
  return plan;
}

/** Types `t ADDRESS AMOUNT`; returns the txid, or throws with what the node printed. */
async function pay(m: Member, to: string, amount: bigint): Promise<Sent> {
  const from = m.node.lines.length;
  await m.node.send(`t ${to} ${amount}`);
  const t0 = Date.now();
  for (;;) {
    for (let i = from; i < m.node.lines.length; i++) {
      const line = m.node.lines[i];
      const ok = line.match(/^txid ([0-9a-f]{64})/);
      if (ok) return { txid: ok[1], at: performance.now() };
      if (/^(Insufficient|Invalid|This payment|Command failed|The payment)/.test(line)) {
        throw new Error(`${m.label}: t ${to} ${amount}: ${line}`);
      }
    }
    if (Date.now() - t0 > 15_000) throw new Error(`${m.label}: no reply to t`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Spendable plus incoming pending balance of the node's wallet, from `i`. */
async function spendable(m: Member): Promise<bigint> {
  const r = await m.node.ask("i", /^Balance:\s+(\d+) spendable .*, (\d+) incoming pending$/);
  return BigInt(r[1]) + BigInt(r[2]);
}

/** Every transaction's short txid and status as the node's `l` command lists them, sorted. */
async function statusView(m: Member): Promise<string[]> {
  const from = m.node.lines.length;
  await m.node.send("l 1000");
  const t0 = Date.now();
  for (;;) {
    const lines = m.node.lines;
    for (let i = from; i < lines.length; i++) {
      if (!/^\d+ of \d+ transactions shown/.test(lines[i])) continue;
      const rows: string[] = [];
      for (const line of lines.slice(from, i)) {
        const r = line.match(/^([0-9a-f]{16})\s+(pending|confirmed|conflicted|orphan)\s/);
        if (r) rows.push(`${r[1]} ${r[2]}`);
      }
      return rows.sort();
    }
    if (Date.now() - t0 > 10_000) throw new Error(`${m.label}: no answer to l`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/**
 * Null when every view (from {@link statusView}) is the same and in each pair one member is
 * confirmed and the other conflicted; otherwise the first difference found.
 */
export function viewDisagreement(
  labels: readonly string[],
  views: readonly string[][],
  pairs: readonly (readonly [string, string])[],
): string | null {
  for (let i = 1; i < views.length; i++) {
    if (views[i].length !== views[0].length) {
      return `${labels[i]} lists ${views[i].length} transactions, ${labels[0]} ${views[0].length}`;
    }
    const k = views[i].findIndex((v, j) => v !== views[0][j]);
    if (k >= 0) return `${labels[i]} has "${views[i][k]}", ${labels[0]} "${views[0][k]}"`;
  }
  const status = new Map(views[0].map((v) => v.split(" ") as [string, string]));
  for (const [a, b] of pairs) {
    const sa = status.get(a.slice(0, 16)), sb = status.get(b.slice(0, 16));
    const ok = (sa === "confirmed" && sb === "conflicted") ||
      (sa === "conflicted" && sb === "confirmed");
    if (!ok) return `pair ${a.slice(0, 12)} / ${b.slice(0, 12)} is ${sa} / ${sb}`;
  }
  return null;
}

/** Streams new stdout events and stderr log lines of every member with a label prefix. */
class Watcher {
  #pos = new Map<Member, [number, number]>();
  #timer: ReturnType<typeof setInterval>;
  constructor(members: () => readonly Member[]) {
    this.#timer = setInterval(() => this.flush(members()), 200);
  }
  flush(members: readonly Member[]): void {
    for (const m of members) {
      const [o, e] = this.#pos.get(m) ?? [0, 0];
      const out = m.node.lines, err = m.node.errLines;
      for (let i = o; i < out.length; i++) {
        // Wallet events and payments; answers to the scenario's own polling are left out.
        if (/^(Payment|Your payment|Sent|txid [0-9a-f]{64}|Listening|Stopped)/.test(out[i])) {
          console.log(`${m.label.padEnd(4)} | ${out[i]}`);
        }
      }
      for (let i = e; i < err.length; i++) console.log(`${m.label.padEnd(4)} ! ${err[i]}`);
      this.#pos.set(m, [out.length, err.length]);
    }
  }
  stop(members: readonly Member[]): void {
    clearInterval(this.#timer);
    this.flush(members);
  }
}

/** Moves bridge ports of `hosts` to bridge `to` (in the bridge namespace). */
async function movePorts(lan: Lan, hosts: readonly Host[], to: string): Promise<void> {
  for (const h of hosts) {
    await must("ip", ["-n", lan.bridgeNs, "link", "set", "dev", h.port, "master", to]);
  }
}

/** Runs the scenario. Deletes every namespace and file it made, also when it fails. */
export async function runLanScenario(options: Partial<LanOptions> = {}): Promise<LanResult> {
  const o: LanOptions = { ...DEFAULTS, ...options };
  if (o.hosts < 4) throw new RangeError("the scenario needs at least 4 hosts");
  const say = o.say ?? ((l: string) => console.log(`lan: ${l}`));
  const watch = o.watch ?? Deno.env.get(WATCH_ENV) === "1";
  const t0 = performance.now();
  const phases: Record<string, number> = {};
  let mark = t0;
  const phase = (name: string) => {
    const now = performance.now();
    phases[name] = Math.round(now - mark);
    mark = now;
    say(`${name}: ${phases[name]} ms`);
  };

  await ensureNft();
  const tmp = await Deno.makeTempDir({ prefix: "cc-lan-" });
  const lan = await createLan(o.hosts);
  const members: Member[] = [];
  const watcher = watch ? new Watcher(() => members) : null;
  let failed = true;
  try {
    // Side B: the last 2/5 of the hosts (4-5 of 5, 7-10 of 10).
    const cut = o.hosts - Math.floor((o.hosts * 2) / 5);
    const sideA = lan.hosts.slice(0, cut), sideB = lan.hosts.slice(cut);
    const lossy = [lan.hosts[2 % cut], lan.hosts[o.hosts - 1]];
    const miners = new Set([lan.hosts[0], lan.hosts[1], sideB[0], sideB[1]]);
    for (const h of lossy) await lan.setInboundLoss(h, o.lossPercent);
    const label = (h: Host) => `h${lan.hosts.indexOf(h) + 1}`;
    say(
      `${o.hosts} hosts on ${lan.subnet}; side A ${sideA.map(label).join(",")}, side B ${
        sideB.map(label).join(",")
      }; ${o.lossPercent}% inbound loss on ${lossy.map(label).join(",")}; miners on ${
        [...miners].map(label).join(",")
      } (cap ${o.mineCap} bits)`,
    );

    // A fresh network; its output directory is host 1's data directory.
    const h1dir = `${tmp}/h1`;
    const prefix = "GHJKLMNPQRSTUVWXYZabcdef"[Math.floor(Math.random() * 24)];
    const g = await new Deno.Command(Deno.execPath(), {
      args: ["task", "genesis", "--prefix", prefix, "--workers", "1", "--work", "16"]
        .concat(["--out", h1dir]),
      cwd: REPO,
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (!g.success) {
      throw new Error(`deno task genesis failed: ${new TextDecoder().decode(g.stderr)}`);
    }
    const genesisFile = `${h1dir}/genesis.json`;
    const genesis = JSON.parse(await Deno.readTextFile(genesisFile));
    say(`genesis: network ${genesis.network}, owner ${genesis.address}`);
    phase("genesis");

    const start = async (h: Host, lbl: string, dir: string, mining: boolean) => {
      const node = await NsNode.start(lan, h, dir, {
        miners: mining ? 1 : 0,
        quiet: !watch,
        extra: ["--genesis", genesisFile, "--mine-cap", String(o.mineCap)]
          .concat(watch ? ["--json-log"] : []),
      });
      const m: Member = { label: lbl, host: h, dir, node, address: "" };
      members.push(m);
      m.address = await node.address();
      return m;
    };
    const hostNodes = await Promise.all(
      lan.hosts.map((h, i) =>
        start(h, `h${i + 1}`, i === 0 ? h1dir : `${tmp}/h${i + 1}`, miners.has(h))
      ),
    );
    members.sort((a, b) => hostNodes.indexOf(a) - hostNodes.indexOf(b));
    if (hostNodes[0].address !== genesis.address) {
      throw new Error(`host 1 runs ${hostNodes[0].address}, not the genesis owner`);
    }
    phase("start");

    // Payments through the command loops.
    const plan = paymentPlan(o.hosts, o.payments);
    const made: string[] = [];
    for (const p of plan) {
      const from = hostNodes[p.from], to = hostNodes[p.to];
      await poll(
        async () => await spendable(from) >= p.amount,
        30_000,
        `${from.label} to hold ${p.amount} to pay ${to.label}`,
        100,
      );
      made.push((await pay(from, to.address, p.amount)).txid);
    }
    say(`${made.length} payments made`);
    phase("payments");

    // The twin: host 1's wallet and genesis in a fresh data directory on side B's first host.
    const twinDir = `${tmp}/twin`;
    await Deno.mkdir(twinDir, { mode: 0o700 });
    await Deno.copyFile(`${h1dir}/wallet.json`, `${twinDir}/wallet.json`);
    await Deno.copyFile(genesisFile, `${twinDir}/genesis.json`);
    const twin = await start(sideB[0], "twin", twinDir, false);
    if (twin.address !== hostNodes[0].address) throw new Error("the twin has another wallet");

    // Everyone, the twin included, holds every payment, all confirmed, before the cut.
    const all = () => members.map((m) => exportOf(m.dir, genesisFile));
    await poll(
      async () => {
        const ex = await Promise.all(all());
        return disagreement(members.map((m) => m.label), ex) === null &&
          ex[0].transactions.length === made.length + 1 &&
          ex[0].transactions.every((t) => t.status === "confirmed");
      },
      120_000,
      "every node to hold every payment, all confirmed",
      500,
    );
    phase("confirmed");

    // Partition: side B's ports move to a bridge of their own.
    await must("ip", ["-n", lan.bridgeNs, "link", "add", "br1", "type", "bridge"]);
    await must("ip", ["-n", lan.bridgeNs, "link", "set", "dev", "br1", "up"]);
    await movePorts(lan, sideB, "br1");
    say(`partition: ${sideB.map(label).join(",")} cut off from ${sideA.map(label).join(",")}`);

    // Double spends: host 1 pays side A hosts, the twin pays side B hosts, the same coins.
    const sent: { a: Sent; b: Sent }[] = [];
    for (let k = 0; k < o.pairs; k++) {
      const toA = hostNodes[1 + (k % (cut - 1))],
        toB = hostNodes[cut + 1 + (k % (sideB.length - 1))];
      const amount = BigInt(k === 0 ? 7 : 1);
      const [a, b] = await Promise.all([
        pay(hostNodes[0], toA.address, amount),
        pay(twin, toB.address, amount),
      ]);
      sent.push({ a, b });
      say(
        `double spend ${k + 1}: ${a.txid.slice(0, 12)} (h1 -> ${toA.label}) / ${
          b.txid.slice(0, 12)
        } (twin -> ${toB.label}), ${Math.round(Math.abs(a.at - b.at))} ms apart`,
      );
    }
    const [ea, eb] = await Promise.all([
      exportOf(h1dir, genesisFile),
      exportOf(twinDir, genesisFile),
    ]);
    const inputsOf = (e: Export, id: string) =>
      e.transactions.find((t) => t.txid === id)!.inputs.map((i) => `${i.txid}:${i.index}`);
    const shared = sent.map(({ a, b }) => {
      const ia = inputsOf(ea, a.txid), ib = new Set(inputsOf(eb, b.txid));
      const s = ia.filter((x) => ib.has(x));
      if (s.length === 0) throw new Error(`${a.txid} and ${b.txid} spend different coins`);
      return s;
    });

    // Each side confirms its own spends and never sees the other side's.
    const sideMembers = (side: readonly Host[]) => members.filter((m) => side.includes(m.host));
    await poll(
      async () => {
        for (const [side, mine, theirs] of [[sideA, "a", "b"], [sideB, "b", "a"]] as const) {
          for (const m of sideMembers(side)) {
            const e = await exportOf(m.dir, genesisFile);
            const st = new Map(e.transactions.map((t) => [t.txid, t.status]));
            for (const s of sent) {
              if (st.has(s[theirs].txid)) {
                throw new Error(`${m.label} holds ${s[theirs].txid}: the partition leaks`);
              }
              if (st.get(s[mine].txid) !== "confirmed") return false;
            }
          }
        }
        return true;
      },
      60_000,
      "each side to confirm its own double spends",
      500,
    );
    phase("partition");

    // Heal.
    await movePorts(lan, sideB, "br0");
    const healed = performance.now();
    say(`healed at ${new Date().toISOString()}`);
    // Each round first asks every node for its statuses through the command loop (`l`, cheap
    // and immediate); only when those agree and every pair is resolved does it run `export` on
    // every node, which checks balances, supply and conflict groups too. Convergence is the
    // end of the first probe round whose export round then agrees.
    const labels = members.map((m) => m.label);
    let last = "";
    let rounds = 0, roundTotal = 0, agreedAt = 0;
    let final: Export[] = [];
    await poll(
      async () => {
        rounds++;
        const r0 = performance.now();
        const views = await Promise.all(members.map(statusView));
        const r1 = performance.now();
        roundTotal += r1 - r0;
        let why = viewDisagreement(labels, views, sent.map((p) => [p.a.txid, p.b.txid]));
        if (why === null) {
          final = await Promise.all(all());
          const d = disagreement(labels, final);
          const groups = d === null ? conflictGroups(final[0]).length : 0;
          if (d === null && groups === o.pairs) {
            agreedAt = r1;
            return true;
          }
          why = `export: ${d ?? `${groups} conflict groups, ${o.pairs} expected`}`;
        }
        if (why !== last) say(`  ${((performance.now() - healed) / 1000).toFixed(1)} s: ${why}`);
        last = why;
        return false;
      },
      o.convergeMs,
      `convergence within ${o.convergeMs} ms of the heal`,
      50,
    );
    const convergenceMs = agreedAt - healed;
    const roundMs = Math.round(roundTotal / rounds);
    say(
      `converged ${Math.round(convergenceMs)} ms after the heal (${rounds} rounds of \`l\` on ` +
        `every node, ${roundMs} ms each on average; the exports agree)`,
    );
    phase("converge");

    const winnersOf = (e: Export) => {
      const st = new Map(e.transactions.map((t) => [t.txid, t.status]));
      return sent.map(({ a }) => st.get(a.txid) === "confirmed" ? "a" : "b");
    };
    const firstWinners = winnersOf(final[0]);

    // Stability: one summary interval later the nodes still agree.
    await new Promise((r) => setTimeout(r, 3000));
    await poll(
      async () => {
        final = await Promise.all(all());
        return disagreement(members.map((m) => m.label), final) === null;
      },
      30_000,
      "the nodes to agree again 3 s after convergence",
      200,
    );

    // No node crashed: each still answers, then quits with 0.
    for (const m of members) await m.node.ask("i", /^Address:/, 10_000);
    const exitCodes: Record<string, number> = {};
    await Promise.all(members.map(async (m) => {
      exitCodes[m.label] = (await m.node.stop(15_000)).code;
    }));
    // At rest, every data directory holds the same outcome.
    final = await Promise.all(all());
    const atRest = disagreement(members.map((m) => m.label), final);
    if (atRest !== null) throw new Error(`after the nodes stopped: ${atRest}`);
    const ref = final[0];
    const byId = new Map(ref.transactions.map((t) => [t.txid, t]));
    const pairs: ConflictPair[] = sent.map(({ a, b }, i) => {
      const ta = byId.get(a.txid)!, tb = byId.get(b.txid)!;
      const winner = ta.status === "confirmed" ? "a" : "b";
      const loser = winner === "a" ? tb : ta;
      if ((winner === "a" ? ta : tb).status !== "confirmed" || loser.status !== "conflicted") {
        throw new Error(`pair ${i + 1} is ${ta.status} / ${tb.status}`);
      }
      return {
        a: a.txid,
        b: b.txid,
        shared: shared[i],
        gapMs: Math.round(Math.abs(a.at - b.at)),
        winner,
        flipped: winner !== firstWinners[i],
        workA: ta.work,
        workB: tb.work,
      };
    });
    for (const [i, p] of pairs.entries()) {
      say(
        `pair ${i + 1}: ${
          p.winner === "a" ? "h1's" : "the twin's"
        } spend won (work ${p.workA} on ` +
          `side A's, ${p.workB} on side B's)${p.flipped ? ", after flipping once converged" : ""}`,
      );
    }
    const loss: Record<string, { seen: number; dropped: number }> = {};
    for (const h of lossy) loss[label(h)] = await lan.lossCounters(h);
    phase("check and stop");
    failed = false;
    return {
      hosts: o.hosts,
      nodes: members.length,
      transactions: ref.transactions.length,
      convergenceMs: Math.round(convergenceMs),
      roundMs,
      phases,
      pairs,
      loss,
      exitCodes,
      totalMs: Math.round(performance.now() - t0),
    };
  } finally {
    watcher?.stop(members);
    const ends = await Promise.all(members.map((m) => m.node.stop(5_000).catch((e) => e)));
    if (failed) {
      // How each node ended and the tail of its output, to see what went wrong.
      members.forEach((m, i) => {
        const end = ends[i] instanceof Error
          ? String(ends[i])
          : `exit code ${ends[i].code}${ends[i].signal ? `, signal ${ends[i].signal}` : ""}`;
        console.log(`--- ${m.label} (${m.host.ip}): ${end}; stdout tail ---`);
        console.log(m.node.lines.slice(-15).join("\n"));
        console.log(`--- ${m.label} stderr tail ---`);
        console.log(m.node.errLines.slice(-15).join("\n"));
      });
    }
    await lan.destroy();
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
  }
}
