/**
 * The rule-code table: `RuleCode` (lib/core/errors.ts) and the tables of docs/PROTOCOL.md §7
 * name exactly the same codes, and every code is raised somewhere in lib/.
 * @module
 */
import { assertEquals } from "../helpers/assert.ts";
import { RULE_CODES } from "../../lib/core/errors.ts";

const ROOT = new URL("../../", import.meta.url);

/** The codes in the first column of every table in §7 of `markdown`. */
export function codesInSection7(markdown: string): string[] {
  const start = markdown.indexOf("\n## 7.");
  const end = markdown.indexOf("\n## 8.", start);
  if (start < 0 || end < 0) throw new Error("PROTOCOL.md has no §7 followed by §8");
  const codes: string[] = [];
  for (const line of markdown.slice(start, end).split("\n")) {
    const m = /^\|\s*`([a-z0-9-]+)`\s*\|/.exec(line);
    if (m) codes.push(m[1]);
  }
  return codes;
}

/** Every .ts file under `dir`, recursively. */
function* tsFiles(dir: URL): Generator<URL> {
  for (const e of Deno.readDirSync(dir)) {
    const u = new URL(e.name + (e.isDirectory ? "/" : ""), dir);
    if (e.isDirectory) yield* tsFiles(u);
    else if (e.name.endsWith(".ts")) yield u;
  }
}

Deno.test("RULE_CODES and docs/PROTOCOL.md §7 list the same codes, both ways", () => {
  const doc = codesInSection7(Deno.readTextFileSync(new URL("docs/PROTOCOL.md", ROOT)));
  const declared = new Set<string>(RULE_CODES);
  const documented = new Set(doc);
  assertEquals(doc.length, documented.size, "no code documented twice");
  assertEquals([...declared].filter((c) => !documented.has(c)), [], "declared, not in §7");
  assertEquals([...documented].filter((c) => !declared.has(c)), [], "in §7, not declared");
});

Deno.test("every rule code is raised somewhere in lib/", () => {
  const errorsFile = new URL("lib/core/errors.ts", ROOT).href;
  let source = "";
  for (const f of tsFiles(new URL("lib/", ROOT))) {
    if (f.href !== errorsFile) source += Deno.readTextFileSync(f);
  }
  assertEquals(RULE_CODES.filter((c) => !source.includes(`"${c}"`)), [], "never raised");
});

Deno.test("codesInSection7() reads table rows of §7 only", () => {
  const md = "## 6. x\n| `a` | r |\n## 7. Rules\n| code | rule |\n| `b-c` | r |\ntext `d`\n" +
    "## 8. y\n| `e` | r |\n";
  assertEquals(codesInSection7(md), ["b-c"]);
});
