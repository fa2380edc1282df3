/**
 * Code cites docs/ARCHITECTURE.md, never the product brief (which is not in the repository),
 * and every section it cites exists.
 * @module
 */
import { assert, assertEquals } from "../helpers/assert.ts";

const ROOT = new URL("../../", import.meta.url);
const SKIP = new Set(["vectors", "dist", "node_modules", ".git"]);

/** Every .ts and .md file under the root folder `dir`, root-relative. */
function* sourceFiles(dir: string): Generator<string> {
  for (const e of Deno.readDirSync(new URL(dir, ROOT))) {
    if (SKIP.has(e.name)) continue;
    if (e.isDirectory) yield* sourceFiles(`${dir}${e.name}/`);
    else if (/\.(ts|md)$/.test(e.name)) yield `${dir}${e.name}`;
  }
}

function allFiles(): string[] {
  const out = ["main.ts", "README.md"];
  for (const d of ["lib/", "tests/", "tools/", "genesis/", "docs/"]) out.push(...sourceFiles(d));
  return out;
}

/** The sections cited as `ARCHITECTURE.md "Name"` (and `"Name", "Other"`) in `text`. */
export function citedSections(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/ARCHITECTURE\.md,? ((?:"[^"\n]+"(?:, )?)+)/g)) {
    for (const q of m[1].matchAll(/"([^"]+)"/g)) out.push(q[1].replace(/\s*\n\s*\*?\s*/g, " "));
  }
  return out;
}

Deno.test("no file cites the DESIGN brief", () => {
  const self = "tests/architecture/citations_test.ts";
  const citing = allFiles().filter((f) =>
    f !== self && /DESIGN(\.md)? ?§/.test(Deno.readTextFileSync(new URL(f, ROOT)))
  );
  assertEquals(citing, []);
});

Deno.test("every section of ARCHITECTURE.md that the code cites exists", () => {
  const doc = Deno.readTextFileSync(new URL("docs/ARCHITECTURE.md", ROOT));
  const headings = new Set([...doc.matchAll(/^## (.+)$/gm)].map((m) => m[1]));
  const missing: string[] = [];
  let cited = 0;
  for (const f of allFiles().filter((f) => !f.startsWith("tests/architecture/"))) {
    for (const s of citedSections(Deno.readTextFileSync(new URL(f, ROOT)))) {
      cited++;
      if (!headings.has(s)) missing.push(`${f}: "${s}"`);
    }
  }
  assert(cited >= 10, `only ${cited} citations found: the parser is broken`);
  assertEquals(missing, []);
});

Deno.test("citedSections() reads one or several quoted names after ARCHITECTURE.md", () => {
  assertEquals(citedSections(`(docs/ARCHITECTURE.md "Seams")`), ["Seams"]);
  assertEquals(citedSections(`ARCHITECTURE.md, "Local state"`), ["Local state"]);
  assertEquals(citedSections(`ARCHITECTURE.md "A", "B c"`), ["A", "B c"]);
});
