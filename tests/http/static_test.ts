/**
 * lib/http/static.ts: only plain file names in the root or assets/ are served, with their
 * content types; nothing outside the folder is reachable; an unbuilt page says how to build it.
 * @module
 */
import { assert, assertEquals } from "../helpers/assert.ts";
import { StaticFiles } from "../../lib/http/static.ts";

Deno.test("StaticFiles serves the page's files and nothing outside its folder", async () => {
  const root = await Deno.makeTempDir({ prefix: "crackcoin-static-" });
  try {
    await Deno.mkdir(`${root}/site/assets`, { recursive: true });
    await Deno.writeTextFile(`${root}/site/index.html`, "<!doctype html>page");
    await Deno.writeTextFile(`${root}/site/assets/main-AB12.js`, "js");
    await Deno.writeTextFile(`${root}/site/assets/main-AB12.css`, "css");
    await Deno.writeTextFile(`${root}/secret.json`, "secret");
    await Deno.mkdir(`${root}/site/assets/sub`);
    await Deno.writeTextFile(`${root}/site/assets/sub/x.js`, "nested");
    const files = new StaticFiles(new URL(`file://${root}/site/`));
    const page = await files.serve("/");
    assertEquals([page.status, await page.text()], [200, "<!doctype html>page"]);
    assertEquals(page.headers.get("content-type"), "text/html; charset=utf-8");
    assertEquals(page.headers.get("cache-control"), "no-cache");
    const js = await files.serve("/assets/main-AB12.js");
    assertEquals([js.status, await js.text()], [200, "js"]);
    assert(js.headers.get("content-type")!.startsWith("text/javascript"));
    assert(js.headers.get("cache-control")!.includes("immutable"));
    const css = await files.serve("/assets/main-AB12.css");
    assertEquals(css.headers.get("content-type"), "text/css; charset=utf-8");
    await css.body?.cancel();
    for (
      const p of [
        "/../secret.json",
        "/assets/../../secret.json",
        "/..%2Fsecret.json",
        "/assets/sub/x.js",
        "/assets/",
        "/.hidden",
        "/assets/.x",
        "//etc/passwd",
        "/index.html/",
        "/nope.js",
      ]
    ) {
      const r = await files.serve(p);
      assertEquals(r.status, 404, p);
      assert(!(await r.text()).includes("secret"), p);
    }
    const unbuilt = await new StaticFiles(new URL(`file://${root}/none/`)).serve("/");
    assertEquals(unbuilt.status, 503);
    assert((await unbuilt.text()).includes("deno task web"));
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
