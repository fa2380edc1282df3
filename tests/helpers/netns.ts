/**
 * A private LAN in Linux network namespaces (docs/ARCHITECTURE.md "Network on one machine"):
 * one namespace holding a bridge, and N host namespaces each joined to it by a veth pair, on a random 10.77.X.0/24. Broadcasts,
 * 255.255.255.255 included, stay inside. Random inbound loss comes from nftables
 * (`numgen random mod 100 < N drop`). The real node (main.ts) runs in each host namespace
 * through `ip netns exec`.
 *
 * Namespace names carry the creating process id, so a later run deletes what a crashed run
 * left behind (and only that). Nothing here ever sends a packet from the machine's own
 * namespace.
 * @module
 */

import { MAIN, NodeProc, run, type RunResult, spawnPiped, startFlags } from "./proc.ts";
import { fromHex } from "../../lib/core/hash.ts";
import type { Genesis } from "../../lib/core/genesis.ts";
import { type KeyPair, keyPairFromSecret } from "../../lib/core/keys.ts";
import { type Tx, txid } from "../../lib/core/tx.ts";
import { openLedger } from "../../lib/ledger/ledger.ts";
import { coinsOf, pay, testKeys } from "./fixtures.ts";
import {
  type Confirmation,
  confirmationCommitment,
  confirmationId,
} from "../../lib/core/confirmation.ts";
import { leadingZeroBits } from "../../lib/core/pow.ts";
import { createPowSearch } from "../../lib/mining/sha256_pow.ts";

/** A ref-less confirmation of `bits` for `tx`, found with the mining kernel on this thread. */
export function mineWithKernel(tx: Uint8Array, bits: number): Confirmation {
  const c = { txid: tx, bits, refs: [] as Uint8Array[] };
  const search = createPowSearch(confirmationCommitment(c));
  for (let hi = 0;; hi++) {
    for (let lo = 0; lo < 2 ** 32; lo += 1 << 22) {
      const hit = search(hi, lo, 1 << 22, bits);
      if (hit === null) continue;
      const conf = { ...c, nonce: (BigInt(hi) << 32n) | BigInt(hit.nonceLo) };
      if (leadingZeroBits(confirmationId(conf)) < bits) throw new Error("kernel disagrees");
      return conf;
    }
  }
}

/** Prefix of every namespace this helper creates: `cc-<pid>-<rand>-<role>`. */
export const NS_PREFIX = "cc-";
const NAME_RE = /^cc-(\d+)-[0-9a-f]{4}-(br|h\d+)$/;

export { run, type RunResult };

/** Runs a command and throws with its output when it fails. */
export async function must(cmd: string, args: string[], stdin?: string): Promise<string> {
  const r = await run(cmd, args, stdin);
  if (r.code !== 0) {
    throw new Error(`${cmd} ${args.join(" ")} failed (${r.code}): ${r.stderr || r.stdout}`);
  }
  return r.stdout;
}

async function which(name: string): Promise<boolean> {
  try {
    return (await run("sh", ["-c", `command -v ${name}`])).code === 0;
  } catch {
    return false;
  }
}

/**
 * Why namespace tests cannot run here, or null when they can: they need root and `ip`.
 */
export async function netnsUnavailable(): Promise<string | null> {
  if (Deno.build.os !== "linux") return `not Linux (${Deno.build.os})`;
  if (Deno.uid() !== 0) return `not running as root (uid ${Deno.uid()})`;
  if (!(await which("ip"))) return "the ip command (iproute2) is missing";
  return null;
}

/**
 * Makes sure `nft` exists, installing Debian's nftables package when it is missing. Throws
 * with the reason when that is impossible.
 */
export async function ensureNft(): Promise<void> {
  if (await which("nft")) return;
  if (!(await which("apt-get"))) {
    throw new Error("nft is missing and apt-get is not available to install nftables");
  }
  let r = await run("apt-get", ["install", "-y", "-q", "nftables"]);
  if (r.code !== 0) {
    await run("apt-get", ["update", "-q"]);
    r = await run("apt-get", ["install", "-y", "-q", "nftables"]);
  }
  if (r.code !== 0 || !(await which("nft"))) {
    throw new Error(`Cannot install nftables with apt-get (${r.code}): ${r.stderr.slice(-2000)}`);
  }
}

/**
 * Whether process `pid` exists, asked of the shell: reading /proc needs --allow-all, which
 * `deno task test` does not grant. Unsure answers count as alive, so nothing live is deleted.
 */
async function pidAlive(pid: number): Promise<boolean> {
  const r = await run("sh", ["-c", `kill -0 ${pid} 2>&1`]);
  return r.code === 0 || !/no such process/i.test(r.stdout + r.stderr);
}

/** Namespaces that exist now. */
export async function listNamespaces(): Promise<string[]> {
  const out = await must("ip", ["netns", "list"]);
  return out.split("\n").map((l) => l.trim().split(/\s+/)[0]).filter((n) => n);
}

/** LANs not yet destroyed, deleted at process exit if a test forgot or crashed. */
const live = new Set<Lan>();
globalThis.addEventListener("unload", () => {
  for (const lan of live) lan.destroySync();
});

function deleteNamespaceSync(ns: string): void {
  const out = new Deno.Command("ip", { args: ["netns", "pids", ns], stderr: "null" }).outputSync();
  for (const p of new TextDecoder().decode(out.stdout).split(/\s+/).filter((p) => p)) {
    try {
      Deno.kill(Number(p), "SIGKILL");
    } catch { /* already gone */ }
  }
  new Deno.Command("ip", { args: ["netns", "delete", ns], stderr: "null" }).outputSync();
}

/** Kills the processes inside a namespace, by id, then deletes it. */
async function deleteNamespace(ns: string): Promise<void> {
  const pids = (await run("ip", ["netns", "pids", ns])).stdout.split(/\s+/).filter((p) => p);
  for (const p of pids) {
    try {
      Deno.kill(Number(p), "SIGKILL");
    } catch { /* already gone */ }
  }
  await run("ip", ["netns", "delete", ns]);
}

/**
 * Deletes namespaces left by earlier runs of this helper whose creating process is gone
 * (a crash, a SIGKILL). Namespaces of a live run are left alone. Returns what it deleted.
 */
export async function cleanStaleNamespaces(): Promise<string[]> {
  const stale: string[] = [];
  for (const ns of await listNamespaces()) {
    const m = ns.match(NAME_RE);
    if (m !== null && Number(m[1]) !== Deno.pid && !(await pidAlive(Number(m[1])))) {
      stale.push(ns);
    }
  }
  for (const ns of stale) await deleteNamespace(ns);
  return stale;
}

/** One host of the LAN. */
export interface Host {
  readonly name: string;
  /** Its namespace. */
  readonly ns: string;
  /** Its address on the LAN. */
  readonly ip: string;
  /** Its interface (inside its namespace). */
  readonly dev: string;
  /** The bridge port of its veth pair (inside the bridge namespace). */
  readonly port: string;
}

/** Loss counters of a host's inbound UDP. */
export interface LossCounters {
  readonly seen: number;
  readonly dropped: number;
}

/** A LAN in namespaces. Create with `createLan`, always `destroy()` in a finally. */
export class Lan {
  readonly bridgeNs: string;
  readonly hosts: readonly Host[];
  /** E.g. "10.77.42.0/24". */
  readonly subnet: string;
  /** The subnet's broadcast address, e.g. "10.77.42.255". */
  readonly broadcast: string;
  #destroyed = false;

  constructor(bridgeNs: string, hosts: Host[], subnet: string, broadcast: string) {
    this.bridgeNs = bridgeNs;
    this.hosts = hosts;
    this.subnet = subnet;
    this.broadcast = broadcast;
    live.add(this);
  }

  /** Runs a command inside a host's namespace. */
  exec(host: Host, cmd: string, args: string[], stdin?: string): Promise<string> {
    return must("ip", ["netns", "exec", host.ns, cmd, ...args], stdin);
  }

  /** Cuts a host off the LAN (its interface down), or brings it back with its routes. */
  async setLink(host: Host, up: boolean): Promise<void> {
    await must("ip", ["-n", host.ns, "link", "set", "dev", host.dev, up ? "up" : "down"]);
    if (up) await addRoutes(host);
  }

  /**
   * Drops `percent`% of the UDP datagrams that reach `host` (all ports), at random, with
   * nftables in its namespace; replaces any earlier rule. Counters tell what it did.
   */
  async setInboundLoss(host: Host, percent: number): Promise<void> {
    await ensureNft();
    await run("ip", ["netns", "exec", host.ns, "nft", "delete", "table", "inet", "ccloss"]);
    if (percent <= 0) return;
    const rules = `table inet ccloss {
  chain input {
    type filter hook input priority 0; policy accept;
    meta l4proto udp counter
    meta l4proto udp numgen random mod 100 < ${Math.round(percent)} counter drop
  }
}
`;
    await this.exec(host, "nft", ["-f", "-"], rules);
  }

  /** What the loss rule of `host` has seen and dropped so far. */
  async lossCounters(host: Host): Promise<LossCounters> {
    const out = await this.exec(host, "nft", ["list", "table", "inet", "ccloss"]);
    const counts = [...out.matchAll(/counter packets (\d+)/g)].map((m) => Number(m[1]));
    return { seen: counts[0] ?? 0, dropped: counts[1] ?? 0 };
  }

  /** Deletes every namespace of the LAN, killing what still runs inside. Safe to repeat. */
  async destroy(): Promise<void> {
    if (this.#destroyed) return;
    this.#destroyed = true;
    live.delete(this);
    for (const h of this.hosts) await deleteNamespace(h.ns);
    await deleteNamespace(this.bridgeNs);
  }

  /** The same, synchronously (for the unload handler). */
  destroySync(): void {
    if (this.#destroyed) return;
    this.#destroyed = true;
    live.delete(this);
    for (const h of this.hosts) deleteNamespaceSync(h.ns);
    deleteNamespaceSync(this.bridgeNs);
  }
}

async function addRoutes(host: Host): Promise<void> {
  // Everything off-link, the limited broadcast 255.255.255.255 included, goes out of the one
  // interface; the namespace has no other, so nothing leaves the LAN.
  await must("ip", ["-n", host.ns, "route", "replace", "default", "dev", host.dev]);
}

/**
 * Creates a LAN of `n` hosts (names "A", "B", ...). Deletes stale namespaces of crashed runs
 * first. On failure everything created so far is deleted before the error is rethrown.
 */
export async function createLan(n: number): Promise<Lan> {
  await cleanStaleNamespaces();
  const tag = `${NS_PREFIX}${Deno.pid}-${
    [...crypto.getRandomValues(new Uint8Array(2))].map((b) => b.toString(16).padStart(2, "0"))
      .join("")
  }`;
  const octet = 1 + Math.floor(Math.random() * 254);
  const subnet = `10.77.${octet}.0/24`;
  const broadcast = `10.77.${octet}.255`;
  const bridgeNs = `${tag}-br`;
  const hosts: Host[] = Array.from({ length: n }, (_, i) => ({
    name: String.fromCharCode(65 + i),
    ns: `${tag}-h${i}`,
    ip: `10.77.${octet}.${i + 1}`,
    dev: "eth0",
    port: `p${i}`,
  }));
  const lan = new Lan(bridgeNs, hosts, subnet, broadcast);
  try {
    await must("ip", ["netns", "add", bridgeNs]);
    const br = (...args: string[]) => must("ip", ["-n", bridgeNs, ...args]);
    await br("link", "set", "dev", "lo", "up");
    await br("link", "add", "br0", "type", "bridge");
    await br("link", "set", "dev", "br0", "up");
    for (const h of hosts) {
      await must("ip", ["netns", "add", h.ns]);
      // Both ends are created inside namespaces, so names never clash with the host's.
      await br("link", "add", h.port, "type", "veth", "peer", "name", h.dev, "netns", h.ns);
      await br("link", "set", "dev", h.port, "master", "br0");
      await br("link", "set", "dev", h.port, "up");
      const hn = (...args: string[]) => must("ip", ["-n", h.ns, ...args]);
      await hn("link", "set", "dev", "lo", "up");
      await hn("addr", "add", `${h.ip}/24`, "broadcast", broadcast, "dev", h.dev);
      await hn("link", "set", "dev", h.dev, "up");
      await addRoutes(h);
    }
  } catch (e) {
    await lan.destroy();
    throw e;
  }
  return lan;
}

const REPO = new URL("../..", import.meta.url).pathname;

export { MAIN, startFlags };

/** Runs `main.ts` with `args` to completion in the machine's namespace (export, wallet). */
export async function mainOneShot(args: string[]): Promise<string> {
  return await must(Deno.execPath(), ["run", ...(await startFlags()), MAIN, ...args]);
}

/** How a test node is run. */
interface NodeOptions {
  /** Mining workers (default 0). */
  miners?: number;
  /** More arguments for main.ts. */
  extra?: string[];
  /** More flags for `deno run` (profiling, say). */
  denoFlags?: string[];
  /** Leave out the start task's V8 flags, to compare with V8's defaults. */
  v8Defaults?: boolean;
  /** Log warnings only (default true). */
  quiet?: boolean;
}

async function nodeArgs(
  data: string,
  broadcast: string,
  opts: NodeOptions,
): Promise<string[]> {
  return [
    "run",
    ...(await startFlags({ v8: !opts.v8Defaults })),
    ...(opts.denoFlags ?? []),
    MAIN,
    "--data",
    data,
    "--broadcast",
    broadcast,
    "--miners",
    String(opts.miners ?? 0),
    ...(opts.quiet ?? true ? ["--quiet"] : []),
    "--daemon",
    ...(opts.extra ?? []),
  ];
}

/** The real node (main.ts) running inside a host's namespace, driven through its stdin. */
export class NsNode extends NodeProc {
  /** The host, or a stand-in named "loopback" for a node on 127.0.0.1. */
  readonly host: Host;

  private constructor(host: Host, child: Deno.ChildProcess) {
    super(child, host.name);
    this.host = host;
  }

  /**
   * Starts main.ts in `host`'s namespace with `--daemon`, mining off unless `miners` says,
   * broadcasting to `broadcast` (default 255.255.255.255, which stays inside the namespace),
   * logging warnings only unless `quiet` is false. Resolves once it listens.
   */
  static async start(
    lan: Lan,
    host: Host,
    data: string,
    opts: NodeOptions & { broadcast?: string } = {},
  ): Promise<NsNode> {
    if (!lan.hosts.includes(host) || !(await listNamespaces()).includes(host.ns)) {
      throw new Error(`Namespace ${host.ns} does not exist; refusing to start a node`);
    }
    const args = await nodeArgs(data, opts.broadcast ?? "255.255.255.255", opts);
    return await NsNode.#spawn(host, "ip", ["netns", "exec", host.ns, Deno.execPath(), ...args]);
  }

  /**
   * Starts main.ts in the machine's own namespace on UDP `port`, broadcasting only to
   * 127.255.255.255 (the loopback rule of docs/ARCHITECTURE.md "Network on one machine").
   */
  static async startLoopback(
    data: string,
    port: number,
    opts: NodeOptions = {},
  ): Promise<NsNode> {
    const args = await nodeArgs(data, "127.255.255.255", {
      ...opts,
      extra: ["--port", String(port), ...(opts.extra ?? [])],
    });
    const host = { name: "loopback", ns: "", ip: "127.0.0.1", dev: "lo", port: "" };
    return await NsNode.#spawn(host, Deno.execPath(), args);
  }

  static async #spawn(host: Host, cmd: string, args: string[]): Promise<NsNode> {
    const node = new NsNode(host, spawnPiped(cmd, args, { cwd: REPO }));
    try {
      await node.waitFor(/^Listening on UDP/, 30_000);
    } catch (e) {
      await node.stop(1000);
      throw e;
    }
    return node;
  }

  /** Process id (the deno process itself: `ip netns exec` execs it). */
  get pid(): number {
    return this.child.pid;
  }

  /** The ledger's transaction count, from `l 0` (cheap: it lists no rows). */
  async count(): Promise<number> {
    return Number((await this.ask("l 0", /^0 of (\d+) transactions shown/))[1]);
  }

  /** The ledger's summary digest (hex), from the `i` command: equal on synced nodes. */
  async digest(): Promise<string> {
    return (await this.ask("i", /^Summary:\s+([0-9a-f]{64})/))[1];
  }

  /** Datagrams read by the node so far, from the `p` command. */
  async datagrams(): Promise<{ in: number; out: number }> {
    const m = await this.ask("p", /^Datagrams: (\d+) in(?: \([^)]*\))?, (\d+) out/);
    return { in: Number(m[1]), out: Number(m[2]) };
  }

  /** The wallet address, from the `i` command. */
  async address(): Promise<string> {
    return (await this.ask("i", /^Address:\s+(\S+)/))[1];
  }

  /** Quits with `q`; kills the process if it does not exit within `ms`. */
  async stop(ms = 10_000): Promise<Deno.CommandStatus> {
    if (!this.exited) {
      try {
        await this.send("q");
      } catch { /* the pipe is gone */ }
      await this.closeInput();
    }
    const timer = setTimeout(() => {
      try {
        this.child.kill("SIGKILL");
      } catch { /* exited */ }
    }, ms);
    const status = await this.child.status;
    clearTimeout(timer);
    await this.drained();
    return status;
  }
}

/** Polls `cond` until it holds; throws after `ms` with `what`. Returns the time taken. */
export async function poll(
  cond: () => Promise<boolean>,
  ms: number,
  what: string,
  every = 250,
): Promise<number> {
  const t0 = performance.now();
  while (!(await cond())) {
    if (performance.now() - t0 > ms) throw new Error(`Timed out after ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, every));
  }
  return performance.now() - t0;
}

/** The demo wallet file: it owns the default network's whole supply. */
export const DEMO_WALLET = new URL("../../genesis/demo_wallet.json", import.meta.url).pathname;

/** The demo wallet's keys: it owns the default network's whole supply. */
export async function demoKeys(): Promise<KeyPair> {
  const w = JSON.parse(await Deno.readTextFile(DEMO_WALLET));
  return keyPairFromSecret(fromHex(w.secretKey));
}

/** `n` chained payments from the demo wallet on the default network, 1 unit each. */
export function demoChain(genesis: Genesis, owner: KeyPair, n: number): Tx[] {
  const bob = testKeys(1);
  const out: Tx[] = [];
  let coin = coinsOf(genesis.tx, [owner])[0];
  const t0 = Date.now() - 3_600_000;
  for (let i = 0; i < n; i++) {
    const tx = pay([coin], [{ to: bob, amount: 1n }], t0 + i);
    out.push(tx);
    coin = coinsOf(tx, [bob, owner])[1];
  }
  return out;
}

/**
 * Stores `txs` in the ledger of data directory `dir` before any node runs on it. With
 * `confirmBits`, the last transaction also gets one confirmation of that many bits (found with
 * the mining kernel), as if miners had been at work: it approves every ancestor, so at 24 bits
 * a chain is confirmed, and a sync must carry that `conf` too.
 */
export async function preload(
  dir: string,
  genesis: Genesis,
  txs: readonly Tx[],
  opts: { confirmBits?: number } = {},
): Promise<void> {
  await Deno.mkdir(dir, { recursive: true, mode: 0o700 });
  const l = await openLedger(`${dir}/ledger.db`, { genesis });
  try {
    const results = l.addTxs(txs);
    const bad = results.find((r) => r.kind !== "accepted");
    if (bad) throw new Error(`preload refused ${bad.txid}: ${JSON.stringify(bad)}`);
    const bits = opts.confirmBits;
    if (bits !== undefined && txs.length > 0) {
      const conf = mineWithKernel(txid(txs[txs.length - 1]), bits);
      if (l.addConfirmation(conf).kind !== "stored") {
        throw new Error("preload: the confirmation was refused");
      }
    }
  } finally {
    l.close();
  }
}

interface ExportTx {
  txid: string;
  status: string;
  work: number;
  inputs: unknown[];
  outputs: unknown[];
}

/** `main.ts export` without the wallet, transactions sorted by txid. */
export async function exportOf(dir: string) {
  const e = JSON.parse(await mainOneShot(["export", "--data", dir]));
  const txs = (e.transactions as ExportTx[]).map((t) => ({
    txid: t.txid,
    status: t.status,
    work: t.work,
    inputs: t.inputs,
    outputs: t.outputs,
  })).sort((a, b) => a.txid < b.txid ? -1 : 1);
  return { network: e.network, transactions: txs, balances: e.balances, supply: e.supply };
}
