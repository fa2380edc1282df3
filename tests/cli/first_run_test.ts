/**
 * First run of a fresh checkout: `deno task setup` caches every module the node loads, the
 * worker scripts included (they are reached through `new Worker(new URL(...))`, which no
 * static import shows), and the start task runs with --quiet so that nothing Deno prints
 * can erase the prompt.
 */
import { assert, assertEquals } from "../helpers/assert.ts";
import { findWorkerScripts, startTaskFlags } from "../../tools/compile.ts";

const ROOT = new URL("../../", import.meta.url);

async function tasks(): Promise<Record<string, string>> {
  return JSON.parse(await Deno.readTextFile(new URL("deno.json", ROOT))).tasks;
}

Deno.test("deno task setup names main.ts, genesis/make.ts and every worker script", async () => {
  const setup = (await tasks()).setup.split(/\s+/);
  assertEquals(setup.slice(0, 3), ["deno", "install", "--entrypoint"]);
  for (const f of ["main.ts", "genesis/make.ts", ...await findWorkerScripts(ROOT)]) {
    assert(setup.includes(f), `setup caches ${f}: ${setup.join(" ")}`);
  }
  const start = startTaskFlags(JSON.stringify({ tasks: await tasks() }));
  assert(start.flags.includes("--quiet"), `the start task is quiet: ${start.flags.join(" ")}`);
});

/** Copies what a fresh clone holds of the program (no node_modules) into `to`. */
async function copyCheckout(to: string): Promise<void> {
  const copy = async (rel: string) => {
    const from = new URL(rel, ROOT);
    const info = await Deno.stat(from);
    if (info.isDirectory) {
      await Deno.mkdir(`${to}/${rel}`, { recursive: true });
      for await (const e of Deno.readDir(from)) await copy(`${rel}/${e.name}`);
    } else {
      await Deno.copyFile(from, `${to}/${rel}`);
    }
  };
  await Deno.mkdir(to, { recursive: true });
  for (const rel of ["deno.json", "deno.lock", "main.ts", "lib", "genesis", "sql"]) await copy(rel);
}

Deno.test("after deno task setup, a fresh checkout runs main.ts and every worker from its cache", async () => {
  const root = await Deno.makeTempDir({ prefix: "crackcoin-fresh-" });
  try {
    const checkout = `${root}/checkout`;
    await copyCheckout(checkout);
    const entries = ["main.ts", ...await findWorkerScripts(ROOT)];
    // No registry can be reached: anything not cached fails to load.
    const offline = { DENO_DIR: `${root}/deno`, NPM_CONFIG_REGISTRY: "http://127.0.0.1:9/" };
    const check = () =>
      new Deno.Command(Deno.execPath(), {
        args: ["check", ...entries],
        cwd: checkout,
        env: offline,
        stdout: "null",
        stderr: "piped",
      }).output();
    const before = await check();
    assert(before.code !== 0, "without setup, the modules are not all cached");
    // Without setup, the start task's first run downloads silently (--quiet): no progress
    // line can land on the prompt.
    const start = startTaskFlags(JSON.stringify({ tasks: await tasks() }));
    const first = await new Deno.Command(Deno.execPath(), {
      args: ["run", ...start.flags, start.entry, "--version"],
      cwd: checkout,
      env: { DENO_DIR: `${root}/deno-first` },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const dec = new TextDecoder();
    assertEquals(first.code, 0, dec.decode(first.stderr));
    assertEquals(dec.decode(first.stderr), "");
    assert(dec.decode(first.stdout).startsWith("crackcoin "), dec.decode(first.stdout));
    const setup = (await tasks()).setup.split(/\s+/).slice(1);
    const r = await new Deno.Command(Deno.execPath(), {
      args: setup,
      cwd: checkout,
      env: { DENO_DIR: `${root}/deno` },
      stdout: "null",
      stderr: "piped",
    }).output();
    assertEquals(r.code, 0, new TextDecoder().decode(r.stderr));
    const after = await check();
    assertEquals(after.code, 0, `${entries.join(" ")}: ${new TextDecoder().decode(after.stderr)}`);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
