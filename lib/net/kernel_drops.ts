/**
 * Datagrams the kernel dropped at the node's sockets, from /proc/net/udp (Linux): the last
 * column of each socket's line counts datagrams that found its receive buffer full. Deno has
 * no SO_RXQ_OVFL, and reads /proc only with --allow-all; without it the count is unavailable.
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

/** The kernel's table of UDP sockets (an absolute path, not one relative to the working folder). */
const PROC_NET_UDP = new URL("file:///proc/net/udp");

/** Kernel drops at `ports`, or null when /proc/net/udp cannot be read (permissions, OS). */
export async function readKernelDrops(ports: readonly number[]): Promise<number | null> {
  try {
    return parseUdpDrops(await Deno.readTextFile(PROC_NET_UDP), ports);
  } catch {
    return null;
  }
}
