/**
 * `deno task compile`: builds the single executables (docs/ARCHITECTURE.md "Single executable")
 * with `deno compile`.
 *
 * Each target gets `dist/crackcoin-<target>` (`.exe` on Windows), with the schema, the default
 * genesis and every worker script embedded, and the same permissions and V8 flags as
 * `deno task start` (read from deno.json, so the two cannot drift; only the path of
 * `--allow-ffi` is dropped, see {@linkcode executableFlags}). `deno compile --v8-flags` bakes the
 * V8 flags into the executable; they set the heap limits that keep a flooded node's memory
 * bounded (docs/BENCHMARKS.md, "Network"). `dist/SHA256SUMS` lists what was built.
 *
 * `deno compile` downloads the runtime (denort) for each target from dl.deno.land. Where that
 * host cannot be reached, this tool says so and explains the offline route: `DENORT_BIN`.
 * @module
 */

/** The targets built by default, as `deno compile --target` names them. */
export const TARGETS = [
  "x86_64-unknown-linux-gnu",
  "aarch64-unknown-linux-gnu",
  "x86_64-apple-darwin",
  "aarch64-apple-darwin",
  "x86_64-pc-windows-msvc",
] as const;

/** One of {@linkcode TARGETS}. */
export type Target = typeof TARGETS[number];

/** The repository root (the folder that holds deno.json and main.ts). */
export const REPO_ROOT: URL = new URL("../", import.meta.url);

/** Files and folders read at run time through `import.meta.url`, relative to the root. */
export const RUNTIME_DATA: readonly string[] = Object.freeze([
  "sql",
  "genesis/genesis.json",
  // The web page (lib/http/static.ts reads it through import.meta.url).
  "web/dist",
]);

/** Folders searched for worker scripts (`worker.ts` or `*_worker.ts`). */
export const WORKER_DIRS: readonly string[] = Object.freeze(["lib", "genesis"]);

/** The name of the executable of the program. */
export const PROGRAM_NAME = "crackcoin";

const USAGE = `Usage: deno task compile [--out DIR] [TARGET...]

Builds ${PROGRAM_NAME} as one executable per target with deno compile, into DIR
(default: dist/) as ${PROGRAM_NAME}-<target> (.exe for Windows), and writes
DIR/SHA256SUMS for what was built. Without targets, builds all of:
${TARGETS.map((t) => `  ${t}`).join("\n")}

Options:
  --out DIR   where to write the executables (default: dist/)
  --help      show this text

Environment:
  DENORT_BIN  path to a denort binary of Deno ${Deno.version.deno} for the one target
              being built; deno compile then uses it instead of downloading it.
`;

/** What the command line asked for. */
export type CompileRequest =
  | { readonly help: true }
  | { readonly help: false; readonly targets: readonly Target[]; readonly outDir: string | null };

/** Thrown for a command line that cannot be carried out; `main` turns it into exit code 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** Tells whether `name` is one of {@linkcode TARGETS}. */
export function isTarget(name: string): name is Target {
  return (TARGETS as readonly string[]).includes(name);
}

/**
 * Parses the tool's arguments. Targets are validated and deduplicated, in the order given.
 *
 * @example
 * ```ts
 * import { parseCompileArgs } from "./compile.ts";
 * const req = parseCompileArgs(["x86_64-apple-darwin"]);
 * if (req.help || req.targets[0] !== "x86_64-apple-darwin") throw new Error("unexpected");
 * ```
 */
export function parseCompileArgs(args: readonly string[]): CompileRequest {
  const targets: Target[] = [];
  let outDir: string | null = null;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "--help" || arg === "-h") return { help: true };
    if (arg === "--out" || arg.startsWith("--out=")) {
      const value = arg === "--out" ? args[++i] : arg.slice("--out=".length);
      if (value === undefined || value === "") {
        throw new UsageError("Cannot parse --out: it expects a directory");
      }
      outDir = value;
    } else if (arg.startsWith("-")) {
      throw new UsageError(`Unknown option ${arg}; see --help`);
    } else if (!isTarget(arg)) {
      throw new UsageError(
        `Unknown target "${arg}"; expected one of: ${TARGETS.join(", ")}`,
      );
    } else if (!targets.includes(arg)) {
      targets.push(arg);
    }
  }
  return { help: false, targets: targets.length > 0 ? targets : [...TARGETS], outDir };
}

/** The file name of the executable for a target. */
export function executableName(target: Target): string {
  return `${PROGRAM_NAME}-${target}${target.includes("windows") ? ".exe" : ""}`;
}

/** The flags (permissions, V8 flags) and entry module of a `deno run` task line. */
export interface RunTask {
  readonly flags: readonly string[];
  readonly entry: string;
}

/**
 * Reads the flags and entry module of the `start` task in deno.json's text, so that the
 * executable is granted exactly what `deno task start` grants and runs with its V8 flags.
 *
 * @example
 * ```ts
 * import { startTaskFlags } from "./compile.ts";
 * const task = startTaskFlags('{"tasks":{"start":"deno run --allow-net main.ts"}}');
 * if (task.entry !== "main.ts" || task.flags[0] !== "--allow-net") throw new Error("unexpected");
 * ```
 */
export function startTaskFlags(denoJsonText: string): RunTask {
  const config = JSON.parse(denoJsonText) as { tasks?: Record<string, unknown> };
  const task = config.tasks?.start;
  const line = typeof task === "string"
    ? task
    : (task as { command?: unknown } | undefined)?.command;
  if (typeof line !== "string") {
    throw new UsageError('Cannot read the "start" task: deno.json has no tasks.start string');
  }
  const words = line.trim().split(/\s+/);
  if (words[0] !== "deno" || words[1] !== "run") {
    throw new UsageError(`Cannot use the "start" task "${line}": expected "deno run ..."`);
  }
  const rest = words.slice(2);
  const entryAt = rest.findIndex((w) => !w.startsWith("-"));
  if (entryAt < 0 || entryAt !== rest.length - 1) {
    throw new UsageError(
      `Cannot use the "start" task "${line}": expected flags in --name or --name=value form ` +
        `followed by the entry module and nothing else`,
    );
  }
  return { flags: rest.slice(0, entryAt), entry: rest[entryAt] };
}

/** Tells whether a file name is a worker script: `worker.ts` or `<name>_worker.ts`. */
export function isWorkerScript(name: string): boolean {
  return name === "worker.ts" || name.endsWith("_worker.ts");
}

/** Finds the worker scripts under {@linkcode WORKER_DIRS}, as sorted root-relative paths. */
export async function findWorkerScripts(root: URL = REPO_ROOT): Promise<string[]> {
  const found: string[] = [];
  async function walk(rel: string): Promise<void> {
    let entries: Deno.DirEntry[];
    try {
      entries = await Array.fromAsync(Deno.readDir(new URL(rel + "/", root)));
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) return;
      throw e;
    }
    for (const entry of entries) {
      const path = `${rel}/${entry.name}`;
      if (entry.isDirectory) await walk(path);
      else if (entry.isFile && isWorkerScript(entry.name)) found.push(path);
    }
  }
  for (const dir of WORKER_DIRS) await walk(dir);
  return found.sort();
}

/** Everything passed to `--include`: the runtime data and the worker scripts. */
export async function runtimeIncludes(root: URL = REPO_ROOT): Promise<string[]> {
  return [...RUNTIME_DATA, ...await findWorkerScripts(root)];
}

/** The arguments of one `deno compile` run (after the `deno` executable itself). */
export function compileArgs(
  target: Target,
  output: string,
  includes: readonly string[],
  task: RunTask,
): string[] {
  return [
    "compile",
    "--target",
    target,
    "--output",
    output,
    // Only the npm packages the program imports: without it, every package in deno.lock
    // (the test-only fast-check too) would be embedded. Worker scripts import no npm package
    // that main.ts does not (tests/compile_test.ts checks), so none is left out.
    "--exclude-unused-npm",
    ...includes.flatMap((path) => ["--include", path]),
    ...executableFlags(task.flags),
    task.entry,
  ];
}

/**
 * The start task's flags as an executable gets them. The task's `--allow-ffi=<path>` names the
 * libsecp256k1 addon's folder under the checkout's node_modules/ (README "Signature
 * verification"); inside an executable the npm packages live in its embedded file system,
 * mounted under the temporary directory at a path the build cannot know, so the executable gets
 * `--allow-ffi` without a path. Its code is fixed when it is built, so only that code can use
 * the grant; where the addon cannot load, the node runs on node:crypto.
 *
 * @example
 * ```ts
 * import { executableFlags } from "./compile.ts";
 * const flags = executableFlags(["--allow-net", "--allow-ffi=node_modules/.deno/x"]);
 * if (flags[1] !== "--allow-ffi") throw new Error("unexpected");
 * ```
 */
export function executableFlags(flags: readonly string[]): string[] {
  return flags.map((f) => f.startsWith("--allow-ffi=") ? "--allow-ffi" : f);
}

/** Removes terminal colour codes, so that error text can be matched. */
export function stripAnsi(text: string): string {
  // deno-lint-ignore no-control-regex
  return text.replace(/\x1b\[[0-9;]*m/g, "");
}

/**
 * Tells whether `deno compile` failed because it could not download denort. Its error then
 * reads "Setting up base binary" followed by the failed request for
 * `https://dl.deno.land/release/v<version>/denort-<target>.zip`.
 *
 * @example
 * ```ts
 * import { isRuntimeDownloadFailure } from "./compile.ts";
 * const text = "0: Setting up base binary.\n1: error sending request for url " +
 *   "(https://dl.deno.land/release/v2.9.6/denort-x86_64-apple-darwin.zip): dns error";
 * if (!isRuntimeDownloadFailure(text)) throw new Error("unexpected");
 * ```
 */
export function isRuntimeDownloadFailure(stderr: string): boolean {
  const text = stripAnsi(stderr);
  return /Setting up base binary/.test(text) &&
    /https?:\/\/\S*denort-[\w-]+\.zip/.test(text);
}

/** What to tell people when the runtime download failed for `target`. */
export function explainRuntimeDownloadFailure(target: Target): string {
  const version = Deno.version.deno;
  return [
    `The denort download failed: deno compile needs the Deno runtime (denort) for ${target},`,
    `and this machine cannot reach dl.deno.land to download it.`,
    `To build offline, set DENORT_BIN to a denort binary of Deno ${version} for ${target}`,
    `(from https://dl.deno.land/release/v${version}/denort-${target}.zip, fetched on a`,
    `machine that can reach it, then unzipped) and build that one target:`,
    `  DENORT_BIN=/path/to/denort deno task compile ${target}`,
    `The deno executable itself is not a denort: pointing DENORT_BIN at it builds a file`,
    `that starts a Deno REPL instead of ${PROGRAM_NAME}.`,
  ].join("\n");
}

/** Checks DENORT_BIN against the request; returns its value or null when it is unset. */
export async function checkDenortBin(
  value: string | undefined,
  targets: readonly Target[],
): Promise<string | null> {
  if (value === undefined || value === "") return null;
  if (targets.length !== 1) {
    throw new UsageError(
      `Cannot use DENORT_BIN for ${targets.length} targets: a denort binary runs on one ` +
        `platform only, so name exactly the target it is for`,
    );
  }
  let real: string;
  try {
    real = await Deno.realPath(value);
  } catch (e) {
    throw new UsageError(`Cannot use DENORT_BIN=${value}: ${(e as Error).message}`);
  }
  if (real === await Deno.realPath(Deno.execPath())) {
    throw new UsageError(
      `Cannot use DENORT_BIN=${value}: it is the deno executable, not a denort; the ` +
        `result would start a Deno REPL instead of ${PROGRAM_NAME}`,
    );
  }
  return real;
}

/** The lowercase hex SHA-256 of a file. */
export async function sha256File(path: string | URL): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", await Deno.readFile(path));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Result of compiling one target. */
export interface TargetResult {
  readonly target: Target;
  readonly ok: boolean;
  /** Why it failed, in a few words; empty when it succeeded. */
  readonly reason: string;
  readonly path: string;
}

/** Runs a command, copying its stderr through while keeping it for inspection. */
async function runTeed(command: Deno.Command): Promise<{ code: number; stderr: string }> {
  const child = command.spawn();
  const decoder = new TextDecoder();
  let stderr = "";
  for await (const chunk of child.stderr) {
    stderr += decoder.decode(chunk, { stream: true });
    await Deno.stderr.write(chunk);
  }
  stderr += decoder.decode();
  const { code } = await child.status;
  return { code, stderr };
}

async function compileTarget(
  target: Target,
  outDir: string,
  includes: readonly string[],
  task: RunTask,
  root: string,
): Promise<TargetResult> {
  const path = `${outDir}/${executableName(target)}`;
  console.log(`\n== ${target} -> ${path}`);
  const { code, stderr } = await runTeed(
    new Deno.Command(Deno.execPath(), {
      args: compileArgs(target, path, includes, task),
      cwd: root,
      stdin: "null",
      stdout: "inherit",
      stderr: "piped",
    }),
  );
  if (code === 0) return { target, ok: true, reason: "", path };
  if (isRuntimeDownloadFailure(stderr)) {
    console.error(`\n${explainRuntimeDownloadFailure(target)}`);
    return { target, ok: false, reason: "denort download failed (dl.deno.land unreachable)", path };
  }
  return { target, ok: false, reason: `deno compile exited with code ${code}`, path };
}

/**
 * The absolute output folder. A relative --out is taken from where the user ran the command:
 * `deno task` runs tools in the root and keeps the caller's folder in INIT_CWD.
 */
function resolveOutDir(outDir: string | null, root: string): string {
  if (outDir === null) return `${root}dist`;
  if (/^([A-Za-z]:)?[\\/]/.test(outDir)) return outDir;
  const base = Deno.env.get("INIT_CWD") ?? Deno.cwd();
  return `${base.replace(/[\\/]$/, "")}/${outDir}`;
}

/** Runs the tool; returns the process exit code (0 built all, 1 a build failed, 2 usage). */
export async function main(args: readonly string[]): Promise<number> {
  const rootUrl = REPO_ROOT;
  const root = decodeURIComponent(rootUrl.pathname).replace(/^\/([A-Za-z]:)/, "$1");
  let request: CompileRequest;
  let task: RunTask;
  let denort: string | null;
  try {
    request = parseCompileArgs(args);
    if (request.help) {
      console.log(USAGE);
      return 0;
    }
    task = startTaskFlags(await Deno.readTextFile(new URL("deno.json", rootUrl)));
    denort = await checkDenortBin(Deno.env.get("DENORT_BIN"), request.targets);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    console.error(`compile: ${e.message}`);
    return 2;
  }
  const outDir = resolveOutDir(request.outDir, root);
  const includes = await runtimeIncludes(rootUrl);
  await Deno.mkdir(outDir, { recursive: true });
  console.log(`deno ${Deno.version.deno}; building ${request.targets.length} target(s)`);
  console.log(`embedding: ${includes.join(", ")}`);
  console.log(`flags (from the start task): ${task.flags.join(" ")}`);
  if (denort) console.log(`runtime: DENORT_BIN=${denort}`);

  const results: TargetResult[] = [];
  for (const target of request.targets) {
    results.push(await compileTarget(target, outDir, includes, task, root));
  }

  const built = results.filter((r) => r.ok);
  if (built.length > 0) {
    const lines = await Promise.all(
      built.map(async (r) => `${await sha256File(r.path)}  ${executableName(r.target)}`),
    );
    await Deno.writeTextFile(`${outDir}/SHA256SUMS`, lines.join("\n") + "\n");
  }

  console.log("\nSummary:");
  for (const r of results) {
    console.log(
      `  ${r.ok ? "built " : "FAILED"}  ${r.target}${r.ok ? `  ${r.path}` : `: ${r.reason}`}`,
    );
  }
  if (built.length > 0) console.log(`  checksums: ${outDir}/SHA256SUMS`);
  console.log(`${built.length} built, ${results.length - built.length} failed`);
  return built.length === results.length ? 0 : 1;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
