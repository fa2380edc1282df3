/**
 * The documentation rules as tests, in the manner of denoland/std's `_tools/check_docs.ts`:
 * every export of lib/ carries a doc comment, and the public entry points carry an `@example`
 * (which `deno test --doc` runs).
 * @module
 */
import { assert, assertEquals } from "../helpers/assert.ts";

const ROOT = new URL("../../", import.meta.url);
/** Generated code, exempt. */
const GENERATED = new Set(["lib/mining/sha256_pow_kernel.ts"]);

/** The public entry points that must show their use in an example: file → exports. */
const ENTRY_POINTS: Record<string, string[]> = {
  "lib/core/tx.ts": ["encodeTx", "encodedTxFromBytes"],
  "lib/wire/datagram.ts": ["decodeDatagram"],
  "lib/core/validate.ts": ["checkTxSanity"],
  "lib/core/state.ts": ["computeState"],
  "lib/ledger/ledger.ts": ["openLedger"],
  "lib/wallet/payment.ts": ["buildPayment"],
  "lib/wallet/wallet_file.ts": ["walletFromJson"],
};

/** Top-level exports of `source` with the doc comment right above them (null when none). */
export function exportDocs(source: string): { name: string; doc: string | null }[] {
  const lines = source.split("\n");
  const out: { name: string; doc: string | null }[] = [];
  lines.forEach((line, i) => {
    const m =
      /^export (?:declare )?(?:async )?(?:function\*?|class|const|let|interface|type|enum|abstract class) +([A-Za-z0-9_]+)/
        .exec(line);
    if (!m) return;
    let j = i - 1;
    while (j >= 0 && lines[j].trim().startsWith("//")) j--;
    if (j < 0 || !lines[j].trim().endsWith("*/")) {
      out.push({ name: m[1], doc: null });
      return;
    }
    let k = j;
    while (k > 0 && !lines[k].trim().startsWith("/**")) k--;
    out.push({ name: m[1], doc: lines.slice(k, j + 1).join("\n") });
  });
  return out;
}

function* libFiles(dir = "lib/"): Generator<string> {
  for (const e of Deno.readDirSync(new URL(dir, ROOT))) {
    if (e.isDirectory) yield* libFiles(`${dir}${e.name}/`);
    else if (e.name.endsWith(".ts") && !GENERATED.has(`${dir}${e.name}`)) yield `${dir}${e.name}`;
  }
}

Deno.test("every export in lib/ has a doc comment", () => {
  const undocumented: string[] = [];
  let exports = 0;
  for (const f of libFiles()) {
    for (const e of exportDocs(Deno.readTextFileSync(new URL(f, ROOT)))) {
      exports++;
      if (e.doc === null) undocumented.push(`${f}: ${e.name}`);
    }
  }
  assert(exports > 150, `only ${exports} exports found: the parser is broken`);
  assertEquals(undocumented, []);
});

Deno.test("the public entry points carry an @example", () => {
  const without: string[] = [];
  for (const [file, names] of Object.entries(ENTRY_POINTS)) {
    const docs = exportDocs(Deno.readTextFileSync(new URL(file, ROOT)));
    for (const name of names) {
      const d = docs.find((e) => e.name === name);
      if (!d?.doc?.includes("@example")) without.push(`${file}: ${name}`);
    }
  }
  assertEquals(without, []);
});

Deno.test("exportDocs() pairs each export with the comment right above it", () => {
  const src = [
    "/** A. */",
    "export const A = 1;",
    "export function b(): void {}",
    "/**",
    " * C.",
    " * @example",
    " */",
    "// deno-lint-ignore no-explicit-any",
    "export type C = any;",
  ].join("\n");
  const got = exportDocs(src);
  assertEquals(got.map((e) => [e.name, e.doc !== null]), [["A", true], ["b", false], ["C", true]]);
  assert(got[2].doc?.includes("@example"));
});
