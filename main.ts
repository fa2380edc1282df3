/**
 * crackcoin's entry point: parses flags, wires the parts together, handles signals. It is
 * the only place that exits the process (docs/ARCHITECTURE.md "Layers").
 * @module
 */
import {
  type ArgsEnv,
  type Command,
  helpText,
  parseCommand,
  UsageError,
  VERSION,
} from "./lib/cli/args.ts";
import { exportLedger } from "./lib/cli/export.ts";
import { makeLogger } from "./lib/cli/log.ts";
import { LineEditor, TerminalLines } from "./lib/cli/line_editor.ts";
import { CommandLoop } from "./lib/cli/loop.ts";
import { Node } from "./lib/cli/run_node.ts";
import { MAX_LINE_CHARS, Output } from "./lib/cli/output.ts";
import type { NodeOptions } from "./lib/cli/args.ts";
import { LocalError, osReason } from "./lib/cli/local_error.ts";
import { toHex } from "./lib/core/hash.ts";
import { RuleError } from "./lib/core/errors.ts";
import { initSigning } from "./lib/core/sign.ts";
import { LedgerError } from "./lib/ledger/errors.ts";
import { startNodeHttp } from "./lib/cli/node_http.ts";
import { rpcCommand } from "./lib/http/rpc.ts";
import { walletMain } from "./lib/cli/wallet_cmd.ts";
import { addExportSecrets } from "./lib/cli/wallet_node.ts";
import { realPassphraseIo } from "./lib/cli/passphrase.ts";

const encoder = new TextEncoder();

function writeAll(file: { writeSync(p: Uint8Array): number }, text: string): void {
  const bytes = encoder.encode(text);
  let off = 0;
  while (off < bytes.length) off += file.writeSync(bytes.subarray(off));
}

const stdout = (text: string) => writeAll(Deno.stdout, text);
const stderr = (text: string) => writeAll(Deno.stderr, text);

/**
 * Lines of standard input, without their line ends. A line longer than MAX_LINE_CHARS is cut
 * there and the rest dropped up to its end, so one huge line costs no memory; the loop then
 * refuses it as too long.
 */
async function* stdinLines(): AsyncGenerator<string> {
  let buf = "";
  let skipping = false;
  for await (const chunk of Deno.stdin.readable.pipeThrough(new TextDecoderStream())) {
    buf += chunk;
    let i;
    while ((i = buf.indexOf("\n")) >= 0) {
      if (!skipping) yield buf.slice(0, i).replace(/\r$/, "");
      skipping = false;
      buf = buf.slice(i + 1);
    }
    if (buf.length > MAX_LINE_CHARS) {
      if (!skipping) yield buf.slice(0, MAX_LINE_CHARS + 1);
      skipping = true;
      buf = "";
    }
  }
  if (buf.length > 0 && !skipping) yield buf;
}

function onSignals(handler: () => void): void {
  const signals: Deno.Signal[] = Deno.build.os === "windows" ? ["SIGINT"] : ["SIGINT", "SIGTERM"];
  for (const s of signals) Deno.addSignalListener(s, handler);
}

/** The terminal width, for the line editor's sideways scrolling. */
function terminalColumns(): number {
  try {
    return Deno.consoleSize().columns;
  } catch {
    return 80;
  }
}

/**
 * Puts a terminal stdin into raw mode for the line editor and feeds its bytes to `lines`.
 * Returns the function that restores the terminal; it is also run on uncaught errors and at
 * unload, so the shell never gets back a terminal without echo.
 */
function startRawInput(lines: TerminalLines): () => void {
  Deno.stdin.setRaw(true);
  let raw = true;
  const restore = () => {
    if (!raw) return;
    raw = false;
    try {
      Deno.stdin.setRaw(false);
    } catch { /* the terminal is gone */ }
  };
  globalThis.addEventListener("error", restore);
  globalThis.addEventListener("unhandledrejection", restore);
  globalThis.addEventListener("unload", restore);
  (async () => {
    try {
      for await (const chunk of Deno.stdin.readable) lines.push(chunk);
    } catch { /* a read error ends the input like a hang-up */ }
    lines.end();
  })();
  return restore;
}

async function runNode(options: NodeOptions): Promise<number> {
  const interactive = Deno.stdin.isTerminal() && Deno.stdout.isTerminal();
  const colour = Deno.stdout.isTerminal() && !Deno.env.get("NO_COLOR");
  // On a terminal, stdin is read in raw mode by a line editor, so that asynchronous output
  // can redraw the prompt with what the user has typed so far.
  const editor = interactive ? new LineEditor({ columns: terminalColumns }) : undefined;
  const out = new Output(stdout, { interactive, colour, input: editor });
  const errOut = interactive ? (text: string) => out.aside(() => stderr(text)) : stderr;
  const log = makeLogger(errOut, { quiet: options.quiet, json: options.jsonLog });
  const node = await Node.open(options, log);
  try {
    node.start();
  } catch (e) {
    await node.stop();
    throw e;
  }
  out.line(`crackcoin ${VERSION}, network ${toHex(node.ledger.network)}`);
  out.line(`Data directory: ${node.paths.dir}`);
  out.line(`Wallet: ${node.paths.wallet} (${node.walletCreated ? "created" : "loaded"})`);
  out.line(`Ledger: ${node.paths.ledger} (${node.ledger.count} transactions)`);
  out.line(`Address: ${node.wallet.address}`);
  let http;
  try {
    http = options.http ? await startNodeHttp(node, options, log, (t) => out.line(t)) : null;
  } catch (e) {
    await node.stop();
    throw e;
  }
  const unicastOnly = options.bind !== "0.0.0.0";
  out.line(
    `Listening on UDP ${options.bind}:${options.port}` +
      (unicastOnly
        ? ` (unicast only: LAN broadcasts are not heard; peers ${
          options.peers.map((p) => `${p.hostname}:${p.port}`).join(", ")
        })`
        : "") +
      `, broadcasting to ${options.broadcast}; ` +
      `${options.miners === 0 ? "mining off" : `${options.miners} miners`}. Type h for help.`,
  );

  const stop = new AbortController();
  let restoreTerminal = () => {};
  let raw = false;
  let signals = 0;
  // SIGINT, SIGTERM, and Ctrl-C typed on a raw-mode terminal all come here.
  const interrupt = () => {
    signals++;
    if (signals === 1) {
      out.finishInput();
      // A cooked terminal has echoed ^C on the current line; in raw mode the editor has
      // already ended its line.
      stderr(`${raw ? "" : "\n"}Stopping (press Ctrl-C again to exit at once)...\n`);
      stop.abort();
    } else {
      restoreTerminal();
      // SQLite's WAL keeps every committed transaction; nothing half-written survives.
      Deno.exit(130);
    }
  };
  onSignals(interrupt);

  // Ctrl-C on the terminal cancels a question of `t` first; otherwise it stops the node.
  let loop: CommandLoop | undefined;
  const terminal = editor &&
    new TerminalLines(editor, {
      write: stdout,
      onInterrupt: () => {
        if (signals === 0 && loop?.cancelQuestion()) return;
        interrupt();
      },
    });
  if (terminal) {
    restoreTerminal = startRawInput(terminal);
    raw = true;
  }
  let end;
  try {
    loop = new CommandLoop(node, out, terminal ?? stdinLines());
    end = await loop.run(stop.signal);
  } finally {
    // q, end of input, a signal or an error: give the terminal back in cooked mode, so a
    // second Ctrl-C is a real SIGINT again.
    out.finishInput();
    terminal?.close();
    restoreTerminal();
    raw = false;
  }
  if (end === "eof" && options.daemon) {
    log("info", "stdin closed; running until SIGINT or SIGTERM");
    await new Promise<void>((resolve) => {
      if (stop.signal.aborted) resolve();
      stop.signal.addEventListener("abort", () => resolve(), { once: true });
    });
  }
  await http?.close();
  await node.stop();
  out.line("Stopped.");
  return 0;
}

/** How each command runs; a new subcommand adds one line here and one entry in args.ts. */
const RUNNERS: { [K in Command["kind"]]: (cmd: Extract<Command, { kind: K }>) => Promise<number> } =
  {
    help: (cmd) => print(helpText(cmd.topic)),
    version: () => print(`crackcoin ${VERSION}`),
    export: async (cmd) => {
      const doc = await exportLedger(cmd.data, cmd.genesis);
      if (cmd.secrets) await addExportSecrets(doc, cmd.data, { ...realPassphraseIo(), stderr });
      return print(JSON.stringify(doc, null, 2));
    },
    rpc: (cmd) => rpcCommand(cmd.data, cmd.method, [...cmd.args], stdout, stderr),
    node: (cmd) => runNode(cmd.options),
  };

function print(text: string): Promise<number> {
  stdout(text + "\n");
  return Promise.resolve(0);
}

/**
 * The one line and exit code for an error: 2 for a usage mistake; 1 for a failure of the
 * machine (files, sockets, the ledger) or of a rule. An unexpected error is one line too;
 * CRACKCOIN_DEBUG=1 adds its stack.
 */
export function describeError(e: unknown): { line: string; code: number } {
  if (e instanceof UsageError) {
    return { line: `crackcoin: ${e.message} (see 'crackcoin --help')`, code: 2 };
  }
  if (e instanceof LocalError || e instanceof LedgerError || e instanceof RuleError) {
    return { line: `crackcoin: ${e.message.split("\n")[0]}`, code: 1 };
  }
  if (e instanceof Error && Object.values(Deno.errors).some((c) => e instanceof c)) {
    return { line: `crackcoin: ${e.name}: ${osReason(e)}`, code: 1 };
  }
  const text = e instanceof Error ? `${e.name}: ${e.message.split("\n")[0]}` : String(e);
  return { line: `crackcoin: unexpected error: ${text}`, code: 1 };
}

/** Runs the program for `argv`; returns the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  initSigning(); // noble's hashes for RFC 6979 signing; no module sets them at import
  const env: ArgsEnv = {
    get: (name) => Deno.env.get(name),
    cpus: navigator.hardwareConcurrency ?? 1,
  };
  // `crackcoin wallet …` has its own commands and flags (lib/cli/wallet_cmd.ts).
  if (argv[0] === "wallet") {
    return await walletMain(argv.slice(1), {
      ...realPassphraseIo(),
      stdout,
      stderr,
      readLines: async (enough) => {
        const lines: string[] = [];
        for await (const line of stdinLines()) {
          lines.push(line.slice(0, 4096));
          if (enough(lines) || lines.length >= 64) break;
        }
        return lines;
      },
    });
  }
  try {
    const cmd = parseCommand(argv, env);
    const run = RUNNERS[cmd.kind] as (c: Command) => Promise<number>;
    return await run(cmd);
  } catch (e) {
    const { line, code } = describeError(e);
    stderr(line + "\n");
    if (Deno.env.get("CRACKCOIN_DEBUG") && e instanceof Error) stderr(`${e.stack}\n`);
    return code;
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
