/**
 * The smoke test for a crackcoin executable, shared by tests/compile_test.ts and the release
 * workflow so that both check the same things (docs/ARCHITECTURE.md "Command line", "Single
 * executable"):
 *
 * 1. `--version` and `--help` exit 0 and print what they should.
 * 2. A node started with `--miners 0` on a fresh data directory, loopback broadcast and a free
 *    port answers `i` and `q` fed through a pipe, exits 0, and prints the wallet's address
 *    (read back with `wallet --data DIR`). Starting reads the embedded sql/ and genesis.
 *    Its `i` names the signature-verification backend (libsecp256k1 or node:crypto).
 * 3. Optionally, a node with `--miners 1` runs for a few seconds, answers `m` and `q`, exits 0
 *    and logs no miner or worker error: starting the worker needs its embedded script.
 *
 * As a script: `deno run --allow-run --allow-read --allow-write --allow-env --allow-net
 * tests/compile/smoke.ts [--no-mining] (EXECUTABLE | --source)`; `--source` runs main.ts
 * with the `start` task's flags instead of an executable.
 * @module
 */
import { startTaskFlags } from "../../tools/compile.ts";

/**
 * Loopback broadcast: nodes under test never send outside 127.0.0.0/8 (docs/ARCHITECTURE.md
 * "Network on one machine").
 */
export const LOOPBACK_BROADCAST = "127.255.255.255";

/** How long one run of the program may take before it is killed and the test fails. */
export const RUN_TIMEOUT_MS = 60_000;

/** How long the mining node runs before it is asked to quit. */
export const MINING_RUN_MS = 3_000;

/**
 * Log lines that mean part of the program failed even though it exited 0. The miner pool
 * reports a worker that cannot load (say, a script missing from the executable) as a
 * `warn: miner error` line and carries on, so the exit code alone would hide it.
 */
const FAILURE_SIGNS: readonly RegExp[] = [
  /^warn: .*\b(?:miner|worker)\b/im,
  /\bUncaught\b/,
  /Module not found/i,
];

/** A Base58 address as printed by `crackcoin wallet` (docs/PROTOCOL.md §2). */
const ADDRESS_RE = /^[1-9A-HJ-NP-Za-km-z]{25,40}$/;

/** Options of {@linkcode runSmokeTest}. */
export interface SmokeOptions {
  /** Also start a node with `--miners 1` to check that the worker script loads. */
  readonly mining?: boolean;
  /** Working directory of the program (main.ts runs need the repository root). */
  readonly cwd?: string;
  /** Where progress lines go. */
  readonly log?: (line: string) => void;
  /** The verification backend `i` must name; default: either, and the log says which. */
  readonly expectBackend?: "libsecp256k1" | "node:crypto";
}

/** What one run of the program gave. */
export interface RunResult {
  readonly code: number;
  readonly signal: Deno.Signal | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Thrown when the program under test does not keep the contract of the command line. */
export class SmokeError extends Error {
  override name = "SmokeError";
}

/** The command that runs main.ts from the source tree with the `start` task's flags. */
export async function sourceCommand(root: URL): Promise<string[]> {
  const task = startTaskFlags(await Deno.readTextFile(new URL("deno.json", root)));
  return [Deno.execPath(), "run", ...task.flags, task.entry];
}

/** A UDP port that was free on all interfaces a moment ago. */
export function freeUdpPort(): number {
  const socket = Deno.listenDatagram({ transport: "udp", hostname: "0.0.0.0", port: 0 });
  try {
    return (socket.addr as Deno.NetAddr).port;
  } finally {
    socket.close();
  }
}

/**
 * Runs `command` with `args`, feeding it `input` line groups: each string is written, then the
 * run waits `pauseMs` before the next. Stdin is closed after the last. Kills the program and
 * reports it when it runs longer than {@linkcode RUN_TIMEOUT_MS}.
 */
export async function runProgram(
  command: readonly string[],
  args: readonly string[],
  options: { cwd?: string; input?: readonly string[]; pauseMs?: number } = {},
): Promise<RunResult> {
  const child = new Deno.Command(command[0], {
    args: [...command.slice(1), ...args],
    cwd: options.cwd,
    env: { NO_COLOR: "1" },
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    try {
      child.kill("SIGKILL");
    } catch { /* already gone */ }
  }, RUN_TIMEOUT_MS);
  const output = child.output();
  const writer = child.stdin.getWriter();
  try {
    const inputs = options.input ?? [];
    for (let i = 0; i < inputs.length; i++) {
      if (i > 0 && options.pauseMs) await new Promise((r) => setTimeout(r, options.pauseMs));
      await writer.write(new TextEncoder().encode(inputs[i]));
    }
    await writer.close();
  } catch {
    // The program exited before reading everything; its status and output say why.
  }
  try {
    const result = await output;
    const decoder = new TextDecoder();
    const run = {
      code: result.code,
      signal: result.signal,
      stdout: decoder.decode(result.stdout),
      stderr: decoder.decode(result.stderr),
    };
    if (timedOut) {
      throw new SmokeError(
        `${describeRun(command, args)} did not exit within ${RUN_TIMEOUT_MS} ms` +
          showOutput(run),
      );
    }
    return run;
  } finally {
    clearTimeout(timer);
  }
}

function describeRun(command: readonly string[], args: readonly string[]): string {
  return `"${[command.at(-1), ...args].join(" ")}"`;
}

function showOutput(run: RunResult): string {
  return `\n--- stdout ---\n${run.stdout}\n--- stderr ---\n${run.stderr}`;
}

function expectExitZero(command: readonly string[], args: readonly string[], run: RunResult) {
  if (run.code !== 0) {
    throw new SmokeError(
      `${describeRun(command, args)} exited with code ${run.code}` +
        `${run.signal ? ` (signal ${run.signal})` : ""}, expected 0` + showOutput(run),
    );
  }
}

/** Reads the wallet address of a data directory with `wallet --data DIR`. */
export async function readWalletAddress(
  command: readonly string[],
  dataDir: string,
  cwd?: string,
): Promise<string> {
  const args = ["wallet", "--data", dataDir];
  const run = await runProgram(command, args, { cwd });
  expectExitZero(command, args, run);
  const address = run.stdout.trim().split(/\s+/).at(-1) ?? "";
  if (!ADDRESS_RE.test(address)) {
    throw new SmokeError(`${describeRun(command, args)} printed no address` + showOutput(run));
  }
  return address;
}

/** Starts a node on a fresh data directory, feeds it `input` and checks it exits cleanly. */
async function runNode(
  command: readonly string[],
  miners: number,
  input: readonly string[],
  pauseMs: number,
  cwd?: string,
): Promise<{ run: RunResult; address: string }> {
  const dataDir = await Deno.makeTempDir({ prefix: "crackcoin_smoke_" });
  try {
    const args = [
      "--miners",
      String(miners),
      "--data",
      dataDir,
      "--broadcast",
      LOOPBACK_BROADCAST,
      "--port",
      String(freeUdpPort()),
    ];
    const run = await runProgram(command, args, { cwd, input, pauseMs });
    expectExitZero(command, args, run);
    const address = await readWalletAddress(command, dataDir, cwd);
    if (!(run.stdout + run.stderr).includes(address)) {
      throw new SmokeError(
        `${describeRun(command, args)} never printed the wallet address ${address}` +
          showOutput(run),
      );
    }
    const trouble = FAILURE_SIGNS.find((re) => re.test(run.stderr));
    if (trouble) {
      throw new SmokeError(
        `${describeRun(command, args)} exited 0 but its log matches ${trouble}` + showOutput(run),
      );
    }
    return { run, address };
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
}

/**
 * Runs the smoke test against `command` (an executable, or `deno run ... main.ts`).
 * Throws {@linkcode SmokeError} describing the first check that failed.
 */
export async function runSmokeTest(
  command: readonly string[],
  options: SmokeOptions = {},
): Promise<void> {
  const log = options.log ?? (() => {});
  const { cwd } = options;

  const version = await runProgram(command, ["--version"], { cwd });
  expectExitZero(command, ["--version"], version);
  if (!/crackcoin/i.test(version.stdout) || !/\d+\.\d+\.\d+/.test(version.stdout)) {
    throw new SmokeError(
      `"--version" printed no "crackcoin <version>" line (a Deno REPL here means the ` +
        `executable was built from the deno binary instead of a denort)` + showOutput(version),
    );
  }
  log(`--version: ${version.stdout.trim()}`);

  const help = await runProgram(command, ["--help"], { cwd });
  expectExitZero(command, ["--help"], help);
  for (const flag of ["--data", "--port", "--broadcast", "--miners"]) {
    if (!help.stdout.includes(flag)) {
      throw new SmokeError(`"--help" does not mention ${flag}` + showOutput(help));
    }
  }
  log("--help: ok");

  const idle = await runNode(command, 0, ["i\nq\n"], 0, cwd);
  log(`--miners 0 with "i" and "q" through a pipe: exit 0, address ${idle.address}`);
  const backend = idle.run.stdout.match(/^Verify:\s+(libsecp256k1|node:crypto)$/m)?.[1];
  if (backend === undefined) {
    throw new SmokeError(`"i" names no verification backend` + showOutput(idle.run));
  }
  if (options.expectBackend && backend !== options.expectBackend) {
    throw new SmokeError(
      `"i" says the node verifies with ${backend}, expected ${options.expectBackend}` +
        showOutput(idle.run),
    );
  }
  log(`signature verification: ${backend}`);

  if (options.mining ?? true) {
    const busy = await runNode(command, 1, ["i\n", "m\nq\n"], MINING_RUN_MS, cwd);
    log(`--miners 1 for ${MINING_RUN_MS} ms, then "m" and "q": exit 0, address ${busy.address}`);
  }
}

if (import.meta.main) {
  const args = [...Deno.args];
  const mining = !args.includes("--no-mining");
  const rest = args.filter((a) => a !== "--no-mining");
  if (rest.length !== 1) {
    console.error(
      "Usage: smoke.ts [--no-mining] (EXECUTABLE | --source)\n" +
        "Runs the crackcoin smoke test against an executable, or main.ts with --source.",
    );
    Deno.exit(2);
  }
  const root = new URL("../../", import.meta.url);
  const command = rest[0] === "--source"
    ? await sourceCommand(root)
    : [await Deno.realPath(rest[0])];
  const cwd = rest[0] === "--source" ? decodeURIComponent(root.pathname) : undefined;
  try {
    await runSmokeTest(command, { mining, cwd, log: (line) => console.log(`smoke: ${line}`) });
    console.log("smoke: all checks passed");
  } catch (e) {
    if (!(e instanceof SmokeError)) throw e;
    console.error(`smoke: FAILED: ${e.message}`);
    Deno.exit(1);
  }
}
