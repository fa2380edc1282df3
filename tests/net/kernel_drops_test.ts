/**
 * Kernel drops (lib/net/kernel_drops.ts): parsing /proc/net/udp, and reading it for real at a
 * socket whose receive buffer overflows, both in this process and under exactly the
 * permissions of `deno task start` (which reads it with `cat`). Loopback only.
 * @module
 */
import { assert, assertEquals } from "../helpers/assert.ts";
import { parseUdpDrops, parseUdpDropsAll, readKernelDrops } from "../../lib/net/kernel_drops.ts";
import { startFlags } from "../helpers/proc.ts";

const HEAD =
  "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops\n";
const line = (port: number, drops: number) =>
  `  7: 0100007F:${
    port.toString(16).toUpperCase().padStart(4, "0")
  } 00000000:0000 07 00000000:00034000 00:00000000 00000000     0        0 4242 2 0000000000000000 ${drops}\n`;

Deno.test("parseUdpDrops sums the drops column of the given ports; parseUdpDropsAll of every line", () => {
  const text = HEAD + line(31337, 5) + line(31337, 2) + line(40000, 7) + line(1, 100) + "\n";
  const table: [number[], number][] = [[[31337], 7], [[40000], 7], [[31337, 40000], 14], [
    [9],
    0,
  ], [[], 0]];
  for (const [ports, want] of table) assertEquals(parseUdpDrops(text, ports), want, `${ports}`);
  assertEquals(parseUdpDropsAll(text), 114);
  assertEquals(parseUdpDropsAll(HEAD), 0);
  assertEquals(parseUdpDrops("", [31337]), 0);
});

/** A socket that is never read, and enough datagrams sent to it to overflow its buffer. */
async function overflow(): Promise<{ port: number; close(): void }> {
  const victim = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  const port = (victim.addr as Deno.NetAddr).port;
  const sender = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  const payload = new Uint8Array(1000);
  // net.core.rmem_default is about 200 KB: some 100 datagrams of 1,000 bytes fill it.
  for (let i = 0; i < 2000; i++) {
    await sender.send(payload, { transport: "udp", hostname: "127.0.0.1", port });
  }
  sender.close();
  return { port, close: () => victim.close() };
}

Deno.test({
  name: "readKernelDrops counts datagrams dropped at a full receive buffer",
  ignore: Deno.build.os !== "linux",
  fn: async () => {
    const v = await overflow();
    try {
      const drops = await readKernelDrops([v.port]);
      assert(drops !== null, "readable (directly or with cat)");
      assert(drops >= 1000, `most of 2,000 datagrams dropped, counted ${drops}`);
    } finally {
      v.close();
    }
  },
});

Deno.test({
  name: "readKernelDrops works under the start task's permissions (--allow-run=cat)",
  ignore: Deno.build.os !== "linux",
  fn: async () => {
    const v = await overflow();
    try {
      const module = new URL("../../lib/net/kernel_drops.ts", import.meta.url).href;
      const code = `import { readKernelDrops } from ${JSON.stringify(module)};
console.log(String(await readKernelDrops([${v.port}])));`;
      const flags = await startFlags();
      assert(flags.includes("--allow-run=cat"), `the start task lets the node run cat: ${flags}`);
      assert(!flags.includes("--allow-all") && !flags.includes("-A"), "and nothing more");
      const out = await new Deno.Command(Deno.execPath(), {
        args: ["eval", ...flags.filter((f) => !f.startsWith("--v8-flags")), code],
        stdout: "piped",
        stderr: "piped",
      }).output();
      const text = new TextDecoder().decode(out.stdout).trim();
      assert(out.success, new TextDecoder().decode(out.stderr));
      assert(Number(text) >= 1000, `the node's view: ${text}`);
    } finally {
      v.close();
    }
  },
});
