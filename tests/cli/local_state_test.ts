/**
 * The node on a user's machine (issue 20), with real processes, files, mounts and sockets:
 * the data-directory lock, one line and a documented exit code for every local failure, flags
 * checked before anything is written, a read-only copy, a full disk, and the network a data
 * directory remembers. Root-only tests (mounts) print why they skip without root. Every node
 * uses a free port and the loopback broadcast address.
 */
import { assert, assertEquals } from "../helpers/assert.ts";
import { NodeProc, run, runMain } from "../helpers/proc.ts";
import { freeUdpPort, LOOPBACK_BROADCAST } from "../helpers/net_fixtures.ts";
import { makeNetwork } from "../../genesis/make.ts";
import { toHex } from "../../lib/core/hash.ts";

const ROOT_SKIP = Deno.build.os !== "linux"
  ? "mount tests need Linux"
  : Deno.uid() !== 0
  ? "mount tests need root (tmpfs and read-only bind mounts)"
  : null;
if (ROOT_SKIP) console.log(`local state mount tests skipped: ${ROOT_SKIP}`);

function nodeArgs(dir: string, port = freeUdpPort()): string[] {
  return [
    "--data",
    dir,
    "--port",
    String(port),
    "--broadcast",
    LOOPBACK_BROADCAST,
    "--miners",
    "0",
    "--quiet",
  ];
}

/** One line on stderr, no stack trace, and the code. */
function assertOneLine(r: { code: number; stderr: string }, code: number, ...words: string[]) {
  assertEquals(r.code, code, r.stderr);
  const lines = r.stderr.trimEnd().split("\n");
  assertEquals(lines.length, 1, `one line:\n${r.stderr}`);
  assert(!/^\s+at /m.test(r.stderr) && !r.stderr.includes("Uncaught"), r.stderr);
  for (const w of words) assert(lines[0].includes(w), `"${w}" in: ${lines[0]}`);
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch {
    return false;
  }
}

async function mount(...args: string[]): Promise<void> {
  const r = await run("mount", args);
  if (r.code !== 0) throw new Error(`mount ${args.join(" ")}: ${r.stderr}`);
}

async function umount(path: string): Promise<void> {
  await run("umount", [path]);
}

Deno.test("a second node on the same data directory is refused; export still reads it", async () => {
  const root = await Deno.makeTempDir({ prefix: "crackcoin-lock-" });
  const dir = `${root}/node`;
  let a: NodeProc | undefined;
  try {
    a = await NodeProc.startMain(nodeArgs(dir));
    const address = (await a.waitFor(/^Address: (C\w+)$/))[1];
    await a.waitFor(/^Listening on UDP/);
    const second = await runMain(nodeArgs(dir), "i\nq\n");
    assertOneLine(second, 1, dir, `pid ${a.child.pid}`, "in use by another crackcoin node");
    assertEquals(second.stdout, "");
    // The lock-free readers still work while the node runs.
    const ex = await runMain(["export", "--data", dir]);
    assertEquals(ex.code, 0, ex.stderr);
    assertEquals(JSON.parse(ex.stdout).wallet.address, address);
    assertEquals((await runMain(["wallet", "--data", dir])).stdout.trim(), address);
    await a.send("q");
    assertEquals((await a.close()).code, 0);
    a = undefined;
    // Once the first node has stopped (or died: the OS drops the lock), a node starts.
    const again = await runMain(nodeArgs(dir), "q\n");
    assertEquals(again.code, 0, again.stderr);
    const b = await NodeProc.startMain(nodeArgs(dir));
    await b.waitFor(/^Listening on UDP/);
    await b.kill("SIGKILL");
    const afterKill = await runMain(nodeArgs(dir), "q\n");
    assertEquals(afterKill.code, 0, afterKill.stderr);
  } finally {
    if (a) await a.kill("SIGKILL");
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("bad flags and busy ports fail with one line before anything is written", async () => {
  const root = await Deno.makeTempDir({ prefix: "crackcoin-flags-" });
  const dir = `${root}/node`;
  // A program holding the port without SO_REUSEADDR.
  const squatter = Deno.listenDatagram({ transport: "udp", hostname: "0.0.0.0", port: 0 });
  const busy = (squatter.addr as Deno.NetAddr).port;
  try {
    const cases: [string[], number, string[]][] = [
      [["--bind", "8.8.8.8", "--peer", "127.0.0.1:9"], 1, [
        "8.8.8.8",
        "not an address of this machine",
      ]],
      [["--bind", "8.8.8.8"], 2, ["--bind 8.8.8.8", "deaf"]],
      [["--broadcast", "8.8.8.8"], 2, ["--broadcast", "8.8.8.8"]],
      [["--broadcast", "224.0.0.1"], 2, ["multicast"]],
      [["--broadcast", "0.0.0.0"], 2, ["--broadcast"]],
      [["--port", "-1"], 2, ['Invalid --port "-1"']],
      [["--genesis", ""], 2, ["--genesis"]],
      [["--genesis", `${root}/missing.json`], 1, [`${root}/missing.json`]],
      [["--mine-cap", "12"], 2, ["--mine-cap", "a confirmation needs"]],
      [["frobnicate"], 2, ['Unknown command "frobnicate"']],
    ];
    for (const [extra, code, words] of cases) {
      const r = await runMain([...nodeArgs(dir), ...extra], "q\n");
      assertOneLine(r, code, ...words);
      assert(!(await exists(dir)), `nothing written for ${extra.join(" ")}`);
    }
    const r = await runMain(
      ["--data", dir, "--port", String(busy), "--broadcast", LOOPBACK_BROADCAST, "--miners", "0"],
      "q\n",
    );
    assertOneLine(r, 1, `0.0.0.0:${busy}`, `port ${busy} is in use by another program`);
    assert(!(await exists(dir)), "nothing written for a busy port");
  } finally {
    squatter.close();
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("a ledger.db that is a directory or garbage gets one line, never a stack trace", async () => {
  const root = await Deno.makeTempDir({ prefix: "crackcoin-files-" });
  try {
    await Deno.mkdir(`${root}/a/ledger.db`, { recursive: true });
    assertOneLine(await runMain(nodeArgs(`${root}/a`), "q\n"), 1, "is a directory");
    await Deno.mkdir(`${root}/b`);
    await Deno.writeTextFile(`${root}/b/ledger.db`, "x".repeat(4096));
    const garbage = await runMain(nodeArgs(`${root}/b`), "q\n");
    assertOneLine(garbage, 1, `${root}/b/ledger.db`, "not an SQLite database");
    const ex = await runMain(["export", "--data", `${root}/a`]);
    assertOneLine(ex, 1, "is a directory");
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test({
  name: "a read-only copy: export and wallet work, a node says read-only, never corrupt",
  ignore: ROOT_SKIP !== null,
  async fn() {
    const root = await Deno.makeTempDir({ prefix: "crackcoin-ro-" });
    const dir = `${root}/node`, ro = `${root}/ro`;
    await Deno.mkdir(ro);
    let mounted = false;
    try {
      const first = await runMain(nodeArgs(dir), "i\nq\n");
      assertEquals(first.code, 0, first.stderr);
      const address = first.stdout.match(/^Address: (C\w+)$/m)![1];
      await mount("--bind", "-o", "ro", dir, ro);
      mounted = true;
      const ex = await runMain(["export", "--data", ro]);
      assertEquals(ex.code, 0, ex.stderr);
      const doc = JSON.parse(ex.stdout);
      assertEquals([doc.wallet.address, doc.supply.ok, doc.transactions.length], [
        address,
        true,
        1,
      ]);
      assertEquals((await runMain(["wallet", "--data", ro])).stdout.trim(), address);
      const node = await runMain(nodeArgs(ro), "q\n");
      assertOneLine(node, 1, ro);
      assert(/read-only/i.test(node.stderr), node.stderr);
      assert(!/corrupt/i.test(node.stderr), node.stderr);
    } finally {
      if (mounted) await umount(ro);
      await Deno.remove(root, { recursive: true });
    }
  },
});

Deno.test({
  name:
    "a full disk: one line saying so on first start and on a healthy ledger; export still reads",
  ignore: ROOT_SKIP !== null,
  async fn() {
    const root = await Deno.makeTempDir({ prefix: "crackcoin-full-" });
    let mounted = false;
    try {
      await mount("-t", "tmpfs", "-o", "size=48k", "tmpfs", root);
      mounted = true;
      const dir = `${root}/node`;
      const full = await runMain(nodeArgs(dir), "q\n");
      assertOneLine(full, 1);
      assert(/disk is full|No space left/i.test(full.stderr), full.stderr);
      assert(!/corrupt/i.test(full.stderr), full.stderr);
      await mount("-o", "remount,size=2m", root);
      const retry = await runMain(nodeArgs(dir), "q\n");
      assertEquals(retry.code, 0, retry.stderr);
      assert(/^Ledger: .*\(1 transactions\)$/m.test(retry.stdout), retry.stdout);
      // A healthy ledger on a disk that filled up: the node says so, export still reads it.
      const filler = await Deno.open(`${root}/filler`, { write: true, create: true });
      try {
        const block = new Uint8Array(64 * 1024);
        for (;;) await filler.write(block);
      } catch (e) {
        assert(String(e).includes("No space left"), String(e));
      } finally {
        filler.close();
      }
      const onFull = await runMain(nodeArgs(dir), "q\n");
      assertOneLine(onFull, 1, `${dir}/ledger.db`, "disk is full");
      assert(!/corrupt/i.test(onFull.stderr), onFull.stderr);
      const ex = await runMain(["export", "--data", dir]);
      assertEquals(ex.code, 0, ex.stderr);
      assertEquals(JSON.parse(ex.stdout).supply.ok, true);
    } finally {
      if (mounted) await umount(root);
      await Deno.remove(root, { recursive: true });
    }
  },
});

Deno.test("a data directory remembers its network: later starts and export need no --genesis", async () => {
  const root = await Deno.makeTempDir({ prefix: "crackcoin-net-" });
  try {
    const made = await makeNetwork({
      prefix: "",
      workers: 1,
      supply: 1000n,
      work: 8,
      out: `${root}/net`,
    });
    const dir = `${root}/b`;
    const first = await runMain([...nodeArgs(dir), "--genesis", made.genesisPath], "q\n");
    assertEquals(first.code, 0, first.stderr);
    const network = toHex(made.genesis.network);
    assert(first.stdout.includes(`network ${network}`), first.stdout);
    const later = await runMain(nodeArgs(dir), "q\n");
    assertEquals(later.code, 0, later.stderr);
    assert(later.stdout.includes(`network ${network}`), later.stdout);
    const ex = await runMain(["export", "--data", dir]);
    assertEquals(ex.code, 0, ex.stderr);
    assertEquals(JSON.parse(ex.stdout).network, network);
    // Another network's genesis for this directory is refused, naming both.
    const other = await runMain(
      [
        ...nodeArgs(dir),
        "--genesis",
        new URL("../../genesis/genesis.json", import.meta.url).pathname,
      ],
      "q\n",
    );
    assertOneLine(other, 1, network, "--genesis");
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("genesis --out that cannot be written fails before the vanity search", async () => {
  const root = await Deno.makeTempDir({ prefix: "crackcoin-out-" });
  try {
    await Deno.writeTextFile(`${root}/file`, "");
    let phases = 0;
    let error: Error | undefined;
    try {
      await makeNetwork(
        { prefix: "", workers: 1, supply: 1000n, work: 8, out: `${root}/file/net` },
        { onPhase: () => phases++ },
      );
    } catch (e) {
      error = e as Error;
    }
    assert(
      error?.message.includes(`Cannot write to the --out directory ${root}/file/net`),
      String(error),
    );
    assertEquals(phases, 0);
    assertEquals([...Deno.readDirSync(root)].map((e) => e.name), ["file"]);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("piped t: no question; paying keeps the money spendable; l speaks for you; self-pay warns", async () => {
  const root = await Deno.makeTempDir({ prefix: "crackcoin-pipe-" });
  const dir = `${root}/node`;
  try {
    const demo = new URL("../../genesis/demo_wallet.json", import.meta.url).pathname;
    const own = (await runMain(["wallet", "--data", dir, "--import", demo])).stdout.trim()
      .split(/\s+/).at(-1)!;
    const other = "CWZhcjGbNjhztPTrwzJRi8aabdoyyKLkT3";
    const port = freeUdpPort();
    const r = await runMain(
      [
        ...nodeArgs(dir, port),
        "--bind",
        "127.0.0.1",
        "--peer",
        `127.0.0.1:${freeUdpPort()}`,
      ],
      `t ${other} 5\ni\nt ${own} 3\nl 3\nq\n`,
    );
    assertEquals(r.code, 0, r.stderr);
    const out = r.stdout;
    assert(
      /^Listening on UDP 127\.0\.0\.1:\d+ \(unicast only: LAN broadcasts are not heard/m.test(out),
      out,
    );
    assert(!out.includes("[y/N]"), out);
    assert(out.includes(`Sent 5 to ${other}`), out);
    // Nothing is confirmed (no miner): the change is spendable, not "pending".
    const supply = 1_000_000_000n;
    assert(
      out.includes(
        `Balance:  ${supply - 5n} spendable (0 confirmed, ${
          supply - 5n
        } own change), 0 incoming pending`,
      ),
      out,
    );
    assert(out.includes("Warning: that is your own address"), out);
    assert(out.includes(`Sent 3 to ${own}`), out);
    const rows = out.split("\n").filter((l) => /^[0-9a-f]{16}\s/.test(l));
    assertEquals(rows.length, 3, out);
    assert(
      /\s+pending\s+0\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\s+to self\s+0\s+to C\w+ \(yours\)$/.test(
        rows[0],
      ),
      rows[0],
    );
    assert(
      new RegExp(`\\s+pending\\s+0\\s+.*\\ssent\\s+-5\\s+to ${other}$`).test(rows[1]),
      rows[1],
    );
    assert(
      /\s+confirmed\s+≥?2\^[0-9.]+\s+.*\sreceived\s+\+1000000000\s+from genesis$/.test(rows[2]),
      rows[2],
    );
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("a 10 MB piped line is refused without being echoed; control bytes never reach stdout", async () => {
  const root = await Deno.makeTempDir({ prefix: "crackcoin-line-" });
  try {
    const r = await runMain(
      nodeArgs(`${root}/node`),
      "t " + "x".repeat(10 * 1024 * 1024) + "\n\x1b[2J\x1b]0;title\x07zz\ni\nq\n",
    );
    assertEquals(r.code, 0, r.stderr);
    assert(r.stdout.length < 8192, `stdout is ${r.stdout.length} bytes`);
    assert(r.stdout.includes("Line too long (over 4096 characters); ignored."), r.stdout);
    assert(r.stdout.includes('Unknown command "[2J]0;titlezz"'), r.stdout);
    // deno-lint-ignore no-control-regex
    assert(!/[\x00-\x09\x0b-\x1f\x7f]/.test(r.stdout), JSON.stringify(r.stdout));
    assert(/^Balance:/m.test(r.stdout), r.stdout);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
