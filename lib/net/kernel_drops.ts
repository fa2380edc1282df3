/**
 * Datagrams the kernel dropped at the node's sockets, from /proc/net/udp (Linux): the last
 * column of each socket's line counts datagrams that found its receive buffer full. Deno has
 * no SO_RXQ_OVFL, and Deno 2.9.6 reads nothing under /proc or /sys without --allow-all (even
 * `--allow-read=/proc/net/udp` is refused: "Requires all access"). So the table is read by
 * `cat`, which `deno task start` may run (`--allow-run=cat`, nothing else); under --allow-all
 * it is read directly. Without either (another OS, other flags) the count is unavailable.
 * @module
 */

/**
 * Sums the `drops` column of the /proc/net/udp lines whose local port is one of `ports`.
 * On one machine, the shared port's lines include every node bound to it.
 *
 * @example
 * ```ts
 * import { parseUdpDrops } from "./kernel_drops.ts";
 * const text = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops\n" +
 *   "  1: 00000000:7A69 00000000:0000 07 00000000:00000000 00:00000000 00000000  1000        0 1 2 0000000000000000 17\n";
 * if (parseUdpDrops(text, [31337]) !== 17) throw new Error("parse");
 * ```
 */
export function parseUdpDrops(text: string, ports: readonly number[]): number {
  const want = new Set(ports.map((p) => p.toString(16).toUpperCase().padStart(4, "0")));
  let drops = 0;
  for (const line of text.split("\n").slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 13) continue;
    const port = f[1].slice(f[1].indexOf(":") + 1);
    if (want.has(port)) drops += Number(f[12]) || 0;
  }
  return drops;
}

/**
 * Sums the `drops` column of every socket line of /proc/net/udp: in a network namespace that
 * holds one node, its drops (the scale benchmark reads it from outside the node).
 *
 * @example
 * ```ts
 * import { parseUdpDropsAll } from "./kernel_drops.ts";
 * const head = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops\n";
 * const line = (port: string, drops: number) =>
 *   `  1: 00000000:${port} 00000000:0000 07 00000000:00000000 00:00000000 00000000  0        0 1 2 0000000000000000 ${drops}\n`;
 * if (parseUdpDropsAll(head + line("7A69", 3) + line("D431", 4)) !== 7) throw new Error("parse");
 * ```
 */
export function parseUdpDropsAll(text: string): number {
  let drops = 0;
  for (const line of text.split("\n").slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length >= 13) drops += Number(f[12]) || 0;
  }
  return drops;
}

/** The kernel's table of UDP sockets (an absolute path, not one relative to the working folder). */
const PROC_NET_UDP = new URL("file:///proc/net/udp");

/** Kernel drops at `ports`, or null when /proc/net/udp cannot be read (permissions, OS). */
export async function readKernelDrops(ports: readonly number[]): Promise<number | null> {
  const text = await readProcNetUdp();
  return text === null ? null : parseUdpDrops(text, ports);
}

/** The text of /proc/net/udp, read directly or by `cat`, or null. */
async function readProcNetUdp(): Promise<string | null> {
  try {
    return await Deno.readTextFile(PROC_NET_UDP);
  } catch { /* Deno refuses /proc without --allow-all */ }
  try {
    // Asked first, so that a node run without the flag never prompts.
    const run = await Deno.permissions.query({ name: "run", command: "cat" });
    if (run.state !== "granted") return null;
    const out = await new Deno.Command("cat", {
      args: [PROC_NET_UDP.pathname],
      stdin: "null",
      stdout: "piped",
      stderr: "null",
    }).output();
    return out.success ? new TextDecoder().decode(out.stdout) : null;
  } catch {
    return null; // no cat (not Linux), or it could not run
  }
}
