/**
 * web/dist is what web/src builds to: the committed bundle (served by the node and embedded by
 * `deno task compile`) never drifts from its source. Needs web/node_modules (`deno task web`);
 * without it the test says why it skips.
 * @module
 */
import { assertEquals } from "../helpers/assert.ts";
import { present } from "./chromium.ts";

const WEB = new URL("../../web/", import.meta.url).pathname;

async function files(dir: string, prefix = ""): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for await (const e of Deno.readDir(dir)) {
    const rel = prefix + e.name;
    if (e.isDirectory) {
      for (const [k, v] of await files(`${dir}/${e.name}`, `${rel}/`)) out.set(k, v);
    } else out.set(rel, await Deno.readTextFile(`${dir}/${e.name}`));
  }
  return out;
}

Deno.test("web/dist is the build of web/src", async () => {
  if (!(await present(`${WEB}node_modules/esbuild`))) {
    console.log(
      "skipped: web/node_modules is not installed (run `deno task web` to check the bundle)",
    );
    return;
  }
  const out = await Deno.makeTempDir({ prefix: "crackcoin-web-" });
  try {
    const r = await new Deno.Command("node", {
      args: [`${WEB}build.mjs`, "--out", out],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assertEquals(r.code, 0, new TextDecoder().decode(r.stderr));
    const built = await files(out), committed = await files(`${WEB}dist`);
    assertEquals([...committed.keys()].sort(), [...built.keys()].sort(), "run `deno task web`");
    for (const [name, text] of built) {
      assertEquals(
        committed.get(name) === text,
        true,
        `web/dist/${name} is stale: run \`deno task web\``,
      );
    }
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});
