// Builds the page into web/dist: one JS and one CSS bundle with content hashes in their
// names, and index.html pointing at them. Run by `deno task web` (after `npm ci` here).
// No CDN and no runtime fetches: everything the page needs is in dist/.
import * as esbuild from "esbuild";
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
// `node build.mjs [--out DIR]`: DIR defaults to web/dist (tests build elsewhere and compare).
const outAt = process.argv.indexOf("--out");
const dist = outAt > 0 ? process.argv[outAt + 1] : join(here, "dist");
rmSync(dist, { recursive: true, force: true });
mkdirSync(join(dist, "assets"), { recursive: true });
const result = await esbuild.build({
  absWorkingDir: here, // output independent of the caller's working folder
  entryPoints: [join(here, "src/main.tsx")],
  bundle: true,
  minify: true,
  format: "esm",
  target: ["chrome110", "firefox115", "safari16"],
  jsx: "automatic",
  jsxImportSource: "preact",
  outdir: join(dist, "assets"),
  entryNames: "[name]-[hash]",
  // The explorer, the inspector and the charts load on first use (dynamic imports).
  splitting: true,
  chunkNames: "chunk-[hash]",
  metafile: true,
  legalComments: "linked",
  logLevel: "warning",
});
const outputs = Object.entries(result.metafile.outputs);
const outs = outputs.map(([p]) => basename(p));
const entry = outputs.find(([, o]) => o.entryPoint);
const js = entry && basename(entry[0]);
const css = entry?.[1].cssBundle && basename(entry[1].cssBundle);
if (!js || !css) {
  throw new Error(
    `esbuild wrote ${outs.join(", ")}: expected a .js and a .css`,
  );
}
const html = readFileSync(join(here, "src/index.html"), "utf8").replace(
  "%JS%",
  js,
).replace("%CSS%", css);
writeFileSync(join(dist, "index.html"), html);
copyFileSync(join(here, "src/favicon.svg"), join(dist, "favicon.svg"));
console.log(`${dist}: index.html, assets/${js}, assets/${css}`);
