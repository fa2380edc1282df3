/**
 * `deno task bench [section...]`: runs the benchmark sections and writes docs/BENCHMARKS.md.
 * Each section module exports `bench(): Promise<BenchSection>`. Figures are measured in one
 * run, so ratios compare like with like on a noisy machine.
 * @module
 */
import type { BenchSection } from "./section.ts";

const SECTIONS: Record<string, () => Promise<{ bench: () => Promise<BenchSection> }>> = {
  core: () => import("./core_bench.ts"),
  set_digest: () => import("./set_digest_bench.ts"),
  weight: () => import("./weight_bench.ts"),
  mining: () => import("./mining_bench.ts"),
  ledger: () => import("./ledger_bench.ts"),
  genesis: () => import("./genesis_bench.ts"),
  net: () => import("./net_bench.ts"),
  lan: () => import("./lan_bench.ts"),
  scale: () => import("./scale_bench.ts"),
  api: () => import("./api_bench.ts"),
  wallet: () => import("./wallet_bench.ts"),
};

async function main(): Promise<void> {
  const wanted = Deno.args.length > 0 ? Deno.args : Object.keys(SECTIONS);
  for (const name of wanted) {
    if (!(name in SECTIONS)) {
      console.error(`Unknown bench section "${name}"; known: ${Object.keys(SECTIONS).join(", ")}`);
      Deno.exit(2);
    }
  }
  const docPath = new URL("../../docs/BENCHMARKS.md", import.meta.url);
  let existing = "";
  try {
    existing = await Deno.readTextFile(docPath);
  } catch {
    existing = "";
  }
  const sections = parseSections(existing);
  for (const name of wanted) {
    console.log(`bench: ${name}`);
    const mod = await SECTIONS[name]();
    const s = await mod.bench();
    sections.set(name, `## ${s.title}\n\n${s.markdown.trim()}\n`);
  }
  const cpu = Deno.build.target;
  const header =
    `# Benchmarks\n\nWritten by \`deno task bench\` (${
      new Date().toISOString().slice(0, 10)
    }, ${cpu}, ${navigator.hardwareConcurrency} logical cores, Deno ${Deno.version.deno}). ` +
    `Each section is measured in one run; rerun a section with \`deno task bench <name>\`.\n`;
  const order = [...Object.keys(SECTIONS)].filter((n) => sections.has(n));
  const body = order.map((n) => `<!-- section:${n} -->\n${sections.get(n)}`).join("\n");
  await Deno.writeTextFile(docPath, `${header}\n${body}`);
  console.log(`bench: wrote docs/BENCHMARKS.md`);
}

function parseSections(text: string): Map<string, string> {
  const out = new Map<string, string>();
  const parts = text.split(/^<!-- section:([a-z_]+) -->\n/m);
  for (let i = 1; i + 1 < parts.length; i += 2) out.set(parts[i], parts[i + 1].trimEnd() + "\n");
  return out;
}

if (import.meta.main) await main();
