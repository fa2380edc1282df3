/**
 * crackcoin's entry point: parses flags, wires the parts together, handles signals. It is
 * the only place that exits the process (docs/ARCHITECTURE.md "Layers").
 * @module
 */
import {
  type ArgsEnv,
  EXPORT_HELP,
  NODE_HELP,
  parseCommand,
  UsageError,
  VERSION,
  WALLET_HELP,
} from "./lib/cli/args.ts";
import { exportLedger, walletCommand } from "./lib/cli/export.ts";
import { makeLogger } from "./lib/cli/log.ts";
import { LineEditor, TerminalLines } from "./lib/cli/line_editor.ts";
import { CommandLoop } from "./lib/cli/loop.ts";
import { Node } from "./lib/cli/run_node.ts";
import { Output } from "./lib/cli/output.ts";
import type { NodeOptions } from "./lib/cli/args.ts";
import { toHex } from "./lib/core/hash.ts";
import { RuleError } from "./lib/core/errors.ts";
import { initSigning } from "./lib/core/sign.ts";
import { LedgerError } from "./lib/ledger/errors.ts";
import { startNodeHttp } from "./lib/cli/node_http.ts";
import { RPC_HELP, rpcCommand } from "./lib/http/rpc.ts";

const encoder = new TextEncoder();

function writeAll(file: { writeSync(p: Uint8Array): number }, text: string): void {
  const bytes = encoder.encode(text);
  let off = 0;
  while (off < bytes.length) off += file.writeSync(bytes.subarray(off));
}

const stdout = (text: string) => writeAll(Deno.stdout, text);
const stderr = (text: string) => writeAll(Deno.stderr, text);

/** Lines of standard input, without their line ends. */
async function* stdinLines(): AsyncGenerator<string> {
  let buf = "";
  for await (const chunk of Deno.stdin.readable.pipeThrough(new TextDecoderStream())) {
    buf += chunk;
    let i;
    while ((i = buf.indexOf("\n")) >= 0) {
      yield buf.slice(0, i).replace(/\r$/, "");
      buf = buf.slice(i + 1);
    }
  }
  if (buf.length > 0) yield buf;
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
  node.start();
  out.line(
    `Listening on UDP ${options.bind}:${options.port}, broadcasting to ${options.broadcast}; ` +
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

  const terminal = editor &&
    new TerminalLines(editor, { write: stdout, onInterrupt: interrupt });
  if (terminal) {
    restoreTerminal = startRawInput(terminal);
    raw = true;
  }
  let end;
  try {
    end = await new CommandLoop(node, out, terminal ?? stdinLines()).run(stop.signal);
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

/** Runs the program for `argv`; returns the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  initSigning(); // noble's hashes for RFC 6979 signing; no module sets them at import
  const env: ArgsEnv = {
    get: (name) => Deno.env.get(name),
    cpus: navigator.hardwareConcurrency ?? 1,
  };
  try {
    const cmd = parseCommand(argv, env);
    switch (cmd.kind) {
      case "help":
        stdout(
          (cmd.topic === "export"
            ? EXPORT_HELP
            : cmd.topic === "wallet"
            ? WALLET_HELP
            : cmd.topic === "rpc"
            ? RPC_HELP
            : NODE_HELP) +
            "\n",
        );
        return 0;
      case "version":
        stdout(`crackcoin ${VERSION}\n`);
        return 0;
      case "export":
        stdout(JSON.stringify(await exportLedger(cmd.data, cmd.genesis), null, 2) + "\n");
        return 0;
      case "wallet":
        stdout((await walletCommand(cmd.data, cmd.import)) + "\n");
        return 0;
      case "rpc":
        return await rpcCommand(cmd.data, cmd.method, [...cmd.args], stdout, stderr);
      case "node":
        return await runNode(cmd.options);
    }
  } catch (e) {
    if (e instanceof UsageError) {
      stderr(`crackcoin: ${e.message}\nRun 'crackcoin --help' for the flags.\n`);
      return 2;
    }
    if (e instanceof LedgerError || e instanceof RuleError) {
      stderr(`crackcoin: ${e.message}\n`);
      return 1;
    }
    if (e instanceof Deno.errors.AddrInUse || e instanceof Deno.errors.PermissionDenied) {
      stderr(`crackcoin: ${(e as Error).message}\n`);
      return 1;
    }
    throw e;
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
