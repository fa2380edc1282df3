/**
 * First run of a fresh checkout: `deno task setup` caches every module the node loads, the
 * worker scripts included (they are reached through `new Worker(new URL(...))`, which no
 * static import shows), and the start task runs with --quiet so that nothing Deno prints
 * can erase the prompt.
 */
import { assert, assertEquals } from "../helpers/assert.ts";
import { findWorkerScripts, startTaskFlags } from "../../tools/compile.ts";
import { run } from "../helpers/proc.ts";

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

Deno.test("after deno task setup, the node and its workers run from the cache alone", async () => {
  const denoDir = await Deno.makeTempDir({ prefix: "crackcoin-denodir-" });
  try {
    const env = { DENO_DIR: denoDir };
    const setup = (await tasks()).setup.split(/\s+/).slice(1);
    const r = await run(Deno.execPath(), setup, undefined, env);
    assertEquals(r.code, 0, r.stderr);
    const files = ["main.ts", ...await findWorkerScripts(ROOT)];
    const c = await run(Deno.execPath(), ["check", "--cached-only", ...files], undefined, env);
    assertEquals(c.code, 0, `${files.join(" ")} are cached: ${c.stderr}`);
  } finally {
    await Deno.remove(denoDir, { recursive: true });
  }
});
