/**
 * The import-direction check, in the manner of denoland/std's
 * `_tools/check_circular_package_dependencies.ts`: the allowed dependencies of each folder are
 * declared once (the table "What each folder may import" of docs/ARCHITECTURE.md), the layering
 * they declare must be acyclic, and every import in the tree must follow them.
 * @module
 */
import { assert, assertEquals } from "../helpers/assert.ts";

const ROOT = new URL("../../", import.meta.url);

/** One row of the table: a folder, the project paths it may import, and the packages. */
export interface ImportRule {
  readonly folder: string;
  readonly paths: readonly string[];
  readonly packages: readonly string[];
}

/** Reads the rules from the "What each folder may import" table of ARCHITECTURE.md. */
export function parseImportRules(markdown: string): ImportRule[] {
  const start = markdown.indexOf("\n## What each folder may import");
  if (start < 0) throw new Error(`ARCHITECTURE.md has no "What each folder may import" section`);
  const end = markdown.indexOf("\n## ", start + 1);
  const rules: ImportRule[] = [];
  for (const line of markdown.slice(start, end < 0 ? undefined : end).split("\n")) {
    const cells = line.split("|").slice(1, -1).map((c) => c.trim());
    if (cells.length !== 3 || !cells[0].startsWith("`")) continue;
    const ticks = (c: string) => [...c.matchAll(/`([^`]+)`/g)].map((m) => m[1]);
    rules.push({ folder: ticks(cells[0])[0], paths: ticks(cells[1]), packages: ticks(cells[2]) });
  }
  return rules;
}

/**
 * The import specifiers of a module's source: static imports and re-exports (type-only too),
 * dynamic imports, and Worker scripts named with `new URL(…, import.meta.url)`. Comments are
 * skipped, so the imports inside `@example` blocks do not count.
 */
export function importsOf(source: string): string[] {
  const code = source.replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");
  const out: string[] = [];
  const patterns = [
    /^\s*(?:import|export)\s[^;]*?\sfrom\s*["']([^"']+)["']/gm,
    /^\s*import\s*["']([^"']+)["']/gm,
    /\bimport\(\s*["']([^"']+)["']\s*\)/g,
    /new URL\(\s*["']([^"']+\.ts)["']\s*,\s*import\.meta\.url\s*\)/g,
  ];
  for (const re of patterns) for (const m of code.matchAll(re)) out.push(m[1]);
  return out;
}

/** The rule that governs `path` (relative to the root), the longest folder prefix. */
function ruleFor(rules: readonly ImportRule[], path: string): ImportRule | undefined {
  return rules.filter((r) => path.startsWith(r.folder))
    .sort((a, b) => b.folder.length - a.folder.length)[0];
}

/** The violations of `rules` by the import of `spec` from the file `from` (root-relative). */
export function checkImport(rules: readonly ImportRule[], from: string, spec: string): string[] {
  const rule = ruleFor(rules, from);
  if (!rule) return [];
  if (spec.startsWith(".")) {
    const target = new URL(spec, new URL(from, "file:///")).pathname.slice(1);
    const ok = rule.paths.some((p) => p.endsWith("/") ? target.startsWith(p) : target === p);
    return ok ? [] : [`${from} imports ${target}, outside ${rule.paths.join(", ")}`];
  }
  const ok = rule.packages.some((p) => p.endsWith("/") ? spec.startsWith(p) : spec === p);
  return ok ? [] : [`${from} imports package ${spec}, outside [${rule.packages.join(", ")}]`];
}

/** Every .ts file under the root folder `dir`, root-relative. */
function* tsFiles(dir: string): Generator<string> {
  let entries: Deno.DirEntry[];
  try {
    entries = [...Deno.readDirSync(new URL(dir, ROOT))];
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return; // a folder that does not exist yet
    throw e;
  }
  for (const e of entries) {
    // web/node_modules holds the page's npm packages (`deno task web`), not project code.
    if (e.isDirectory && e.name !== "node_modules") yield* tsFiles(`${dir}${e.name}/`);
    else if (/\.(ts|tsx)$/.test(e.name)) yield `${dir}${e.name}`;
  }
}

/** A cycle in the folder graph the rules declare, or null when it is acyclic. */
export function findCycle(rules: readonly ImportRule[]): string[] | null {
  const folderOf = (p: string) => ruleFor(rules, p)?.folder;
  const edges = new Map(rules.map((r) => [
    r.folder,
    r.paths.map(folderOf).filter((f): f is string => f !== undefined && f !== r.folder),
  ]));
  const state = new Map<string, "open" | "done">();
  const walk = (f: string, path: string[]): string[] | null => {
    if (state.get(f) === "open") return [...path.slice(path.indexOf(f)), f];
    if (state.get(f) === "done") return null;
    state.set(f, "open");
    for (const g of edges.get(f) ?? []) {
      const c = walk(g, [...path, f]);
      if (c) return c;
    }
    state.set(f, "done");
    return null;
  };
  for (const r of rules) {
    const c = walk(r.folder, []);
    if (c) return c;
  }
  return null;
}

const RULES = parseImportRules(
  Deno.readTextFileSync(new URL("docs/ARCHITECTURE.md", ROOT)),
);

Deno.test("ARCHITECTURE.md declares an acyclic layering for every lib/ folder", () => {
  assertEquals(findCycle(RULES), null);
  for (const e of Deno.readDirSync(new URL("lib/", ROOT))) {
    if (e.isDirectory) assert(ruleFor(RULES, `lib/${e.name}/`), `lib/${e.name}/ has no rule`);
  }
});

Deno.test("every import in lib/, web/ and genesis/ points inward", () => {
  const violations: string[] = [];
  let imports = 0;
  for (const dir of ["lib/", "web/", "genesis/"]) {
    for (const file of tsFiles(dir)) {
      for (const spec of importsOf(Deno.readTextFileSync(new URL(file, ROOT)))) {
        imports++;
        violations.push(...checkImport(RULES, file, spec));
      }
    }
  }
  assert(imports > 200, `only ${imports} imports found: the parser is broken`);
  assertEquals(violations, []);
});

/** Globals that mean I/O, a clock, timers or randomness: lib/core and lib/wire have none. */
const IMPURE =
  /\b(?:Deno\.|Date\.now\(|new Date\(|Math\.random\(|crypto\.getRandomValues\(|performance\.now\(|fetch\(|setTimeout\(|setInterval\()/;

Deno.test("lib/core and lib/wire use no I/O, clock, timers or randomness", () => {
  const impure: string[] = [];
  for (const dir of ["lib/core/", "lib/wire/"]) {
    for (const file of tsFiles(dir)) {
      const code = Deno.readTextFileSync(new URL(file, ROOT))
        .replace(/\/\*[\s\S]*?\*\//g, "")
        .replace(/\/\/.*$/gm, "");
      const m = IMPURE.exec(code);
      if (m) impure.push(`${file}: ${m[0]}`);
    }
  }
  assertEquals(impure, []);
});

Deno.test("checkImport() flags an outward import and passes an inward one", () => {
  const rules: ImportRule[] = [
    { folder: "lib/core/", paths: ["lib/core/"], packages: ["@noble/hashes/"] },
    { folder: "lib/net/", paths: ["lib/core/", "lib/net/", "lib/ledger/events.ts"], packages: [] },
  ];
  assertEquals(checkImport(rules, "lib/core/tx.ts", "./hash.ts"), []);
  assertEquals(checkImport(rules, "lib/core/hash.ts", "@noble/hashes/sha2.js"), []);
  assertEquals(checkImport(rules, "lib/net/node.ts", "../ledger/events.ts"), []);
  assertEquals(checkImport(rules, "lib/core/tx.ts", "../net/node.ts").length, 1);
  assertEquals(checkImport(rules, "lib/net/node.ts", "../ledger/ledger.ts").length, 1);
  assertEquals(checkImport(rules, "lib/core/tx.ts", "node:fs").length, 1);
  assertEquals(findCycle(rules), null);
  // Allowing core to import the ledger closes core → ledger → net → core.
  const outward = [
    { ...rules[0], paths: ["lib/core/", "lib/ledger/"] },
    rules[1],
    { folder: "lib/ledger/", paths: ["lib/ledger/", "lib/net/"], packages: [] },
  ];
  assertEquals(findCycle(outward), ["lib/core/", "lib/ledger/", "lib/net/", "lib/core/"]);
  const loop = [
    { folder: "lib/a/", paths: ["lib/b/"], packages: [] },
    { folder: "lib/b/", paths: ["lib/a/"], packages: [] },
  ];
  assertEquals(findCycle(loop), ["lib/a/", "lib/b/", "lib/a/"]);
});

Deno.test("importsOf() finds imports, re-exports, type imports and worker URLs, not comments", () => {
  const src = [
    `import { a } from "./a.ts";`,
    `import type { B } from "../b/b.ts";`,
    `export { c } from "./c.ts";`,
    `import {\n  d,\n  e,\n} from "@noble/hashes/sha2.js";`,
    `const w = new Worker(new URL("./worker.ts", import.meta.url), { type: "module" });`,
    `/**\n * import { x } from "../net/node.ts";\n */`,
    `// import { y } from "../cli/loop.ts";`,
  ].join("\n");
  assertEquals(importsOf(src).sort(), [
    "../b/b.ts",
    "./a.ts",
    "./c.ts",
    "./worker.ts",
    "@noble/hashes/sha2.js",
  ]);
});
