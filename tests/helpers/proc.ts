/**
 * Drives the real main.ts as a subprocess through pipes, for end-to-end tests.
 * @module
 */

import { parseCommand } from "../../lib/cli/args.ts";
import { startTaskFlags } from "../../tools/compile.ts";

/** Path of main.ts. */
export const MAIN = new URL("../../main.ts", import.meta.url).pathname;

/**
 * The permission, V8 and `--quiet` flags of `deno task start`, read from deno.json so they
 * cannot drift: test nodes run the way users run them. `v8: false` leaves out the V8 flags (to
 * compare a node on V8's defaults). Without `--quiet`, Deno's own progress line (drawn on
 * stderr by another thread while a worker's modules load) can erase the node's prompt on a
 * terminal some milliseconds after it is drawn: the pty tests failed so on a loaded machine.
 */
export async function startFlags(opts: { v8?: boolean } = {}): Promise<string[]> {
  const config = await Deno.readTextFile(new URL("../../deno.json", import.meta.url));
  return startTaskFlags(config).flags.filter((w) =>
    w.startsWith("--allow-") || w === "--quiet" ||
    (opts.v8 !== false && w.startsWith("--v8-flags="))
  ).map(fromRoot);
}

/**
 * `deno task start` runs in the repository root, where the relative `--allow-ffi=node_modules/…`
 * of the task names the libsecp256k1 addon's folder; a test's node may run elsewhere.
 */
function fromRoot(flag: string): string {
  const m = flag.match(/^--allow-ffi=(?!\/)(.+)$/);
  return m
    ? `--allow-ffi=${decodeURIComponent(new URL(`../../${m[1]}`, import.meta.url).pathname)}`
    : flag;
}

/** Result of a command. */
export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command to completion (no shell), with optional stdin text. */
export async function run(
  cmd: string,
  args: string[],
  stdin?: string,
  env?: Record<string, string>,
): Promise<RunResult> {
  const child = new Deno.Command(cmd, {
    args,
    stdin: stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
    env,
  }).spawn();
  if (stdin !== undefined) {
    const w = child.stdin.getWriter();
    await w.write(new TextEncoder().encode(stdin));
    await w.close();
  }
  const out = await child.output();
  return {
    code: out.code,
    stdout: new TextDecoder().decode(out.stdout),
    stderr: new TextDecoder().decode(out.stderr),
  };
}

/** Runs main.ts to completion with `args` and optional stdin text. */
export async function runMain(
  args: string[],
  stdin = "",
  env: Record<string, string> = {},
): Promise<RunResult> {
  assertLoopbackOnly(args, env);
  return await run(Deno.execPath(), ["run", ...(await startFlags()), MAIN, ...args], stdin, {
    NO_COLOR: "1",
    ...env,
  });
}

/** A long-running node process driven through its stdin; NsNode (netns.ts) extends it. */
export class NodeProc {
  readonly child: Deno.ChildProcess;
  /** Names the process in error messages (a host name for namespace nodes). */
  readonly label: string;
  readonly lines: string[] = [];
  readonly errLines: string[] = [];
  #writer: WritableStreamDefaultWriter<Uint8Array>;
  #done: Promise<void>[];
  #exited = false;

  protected constructor(child: Deno.ChildProcess, label = "node") {
    this.child = child;
    this.label = label;
    this.#writer = child.stdin.getWriter();
    this.#done = [
      collectLines(child.stdout, this.lines),
      collectLines(child.stderr, this.errLines),
    ];
    child.status.then(() => this.#exited = true);
  }

  /** Starts main.ts with `args`. */
  static async startMain(args: string[], env: Record<string, string> = {}): Promise<NodeProc> {
    assertLoopbackOnly(args, env);
    return new NodeProc(
      await spawnPiped(Deno.execPath(), ["run", ...(await startFlags()), MAIN, ...args], { env }),
    );
  }

  /** True once the process has exited. */
  get exited(): boolean {
    return this.#exited;
  }

  /** Types one command line. */
  async send(line: string): Promise<void> {
    await this.#writer.write(new TextEncoder().encode(line + "\n"));
  }

  /**
   * Waits for an output line matching `re` at or after line `from`; returns its match. Fails
   * at once when the process has exited.
   */
  async waitFor(re: RegExp, ms = 15_000, from = 0): Promise<RegExpMatchArray> {
    const t0 = Date.now();
    for (;;) {
      for (let i = from; i < this.lines.length; i++) {
        const m = this.lines[i].match(re);
        if (m) return m;
      }
      if (this.#exited || Date.now() - t0 > ms) {
        let how = "";
        if (this.#exited) {
          // Everything it printed, and how it ended, before saying so.
          await this.drained();
          const st = await this.child.status;
          how = ` (exit code ${st.code}${st.signal ? `, signal ${st.signal}` : ""})`;
        }
        throw new Error(
          `${this.#exited ? `The process exited${how}` : "Timed out"} waiting for ${re} on ` +
            `${this.label}; stdout:\n${this.lines.slice(-30).join("\n")}\nstderr:\n${
              this.errLines.slice(-30).join("\n")
            }`,
        );
      }
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  /** Sends a command and waits for a line matching `re` printed after it. */
  async ask(line: string, re: RegExp, ms = 15_000): Promise<RegExpMatchArray> {
    const from = this.lines.length;
    await this.send(line);
    return await this.waitFor(re, ms, from);
  }

  /** Closes stdin (ignoring a pipe that is already gone). */
  async closeInput(): Promise<void> {
    try {
      await this.#writer.close();
    } catch { /* already closed */ }
  }

  /** Waits until stdout and stderr have been read to their end. */
  async drained(): Promise<void> {
    await Promise.allSettled(this.#done);
  }

  /** Closes stdin and waits for the exit status. */
  async close(): Promise<Deno.CommandStatus> {
    await this.closeInput();
    const status = await this.child.status;
    await this.drained();
    return status;
  }

  /** Sends a signal and waits for the exit status. */
  async kill(signal: Deno.Signal): Promise<Deno.CommandStatus> {
    this.child.kill(signal);
    const status = await this.child.status;
    await this.closeInput();
    await this.drained();
    return status;
  }
}

/** Spawns `cmd` with piped stdin, stdout and stderr, and NO_COLOR set. */
export function spawnPiped(
  cmd: string,
  args: string[],
  opts: { cwd?: string; env?: Record<string, string> } = {},
): Deno.ChildProcess {
  return new Deno.Command(cmd, {
    args,
    cwd: opts.cwd,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1", ...opts.env },
  }).spawn();
}

/** Appends the lines of a text stream to `into` as they arrive. */
export async function collectLines(
  stream: ReadableStream<Uint8Array>,
  into: string[],
): Promise<void> {
  let buf = "";
  for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
    buf += chunk;
    let i;
    while ((i = buf.indexOf("\n")) >= 0) {
      into.push(buf.slice(0, i));
      buf = buf.slice(i + 1);
    }
  }
  if (buf) into.push(buf);
}

/**
 * The balance line of the loop's `i`: spendable (confirmed + own change), confirmed, own
 * change, incoming pending.
 */
export const BALANCE_LINE =
  /^Balance:\s+(\d+) spendable \((\d+) confirmed, (\d+) own change\), (\d+) incoming pending$/;

/**
 * Network safety (docs/TESTING.md): a node started from the machine's own namespace may send
 * only to 127.0.0.0/8. Parses `args` with the program's own parser and throws unless a node
 * run broadcasts to a 127/8 address and every `--peer` is on loopback. Arguments the parser
 * refuses start no node (the program exits before opening a socket), and subcommands other
 * than a node run open no UDP socket, so both pass. Namespace nodes (netns.ts) start another way.
 */
export function assertLoopbackOnly(args: readonly string[], env: Record<string, string> = {}) {
  if (args[0] === "wallet") return; // handled before the parser in main.ts; no sockets
  let cmd;
  try {
    cmd = parseCommand(args, { get: (name) => env[name] ?? Deno.env.get(name), cpus: 2 });
  } catch {
    return;
  }
  if (cmd.kind !== "node") return;
  const { broadcast, peers } = cmd.options;
  const loopback = (h: string) => h.startsWith("127.") || h === "localhost";
  if (!broadcast.startsWith("127.") || !peers.every((p) => loopback(p.hostname))) {
    throw new Error(
      `test node would send outside 127.0.0.0/8 (--broadcast ${broadcast}, peers ${
        peers.map((p) => p.hostname).join(",") || "none"
      }): pass --broadcast 127.255.255.255 (network safety)`,
    );
  }
}
