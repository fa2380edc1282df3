/**
 * Drives the real main.ts in a pseudo-terminal (a detached tmux session): the prompt, line
 * editing, colours and NO_COLOR, an asynchronous payment event while a line is half typed,
 * and a clean exit that gives the terminal back in cooked mode. Every node uses a free port
 * and the loopback broadcast address, so no datagram leaves 127.0.0.0/8.
 */
import { assert, assertEquals } from "../helpers/assert.ts";
import { MAIN, NodeProc, runMain, startFlags } from "../helpers/proc.ts";
import { freeUdpPort, LOOPBACK_BROADCAST } from "../helpers/net_fixtures.ts";
import { testKeys } from "../helpers/fixtures.ts";
import { addressFromPublicKey } from "../../lib/core/address.ts";

const DEMO_WALLET = new URL("../../genesis/demo_wallet.json", import.meta.url).pathname;
const PROMPT = "crackcoin> ";

async function run(
  cmd: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const out = await new Deno.Command(cmd, { args, env, stdin: "null" }).output();
    const dec = new TextDecoder();
    return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      return { code: 127, stdout: "", stderr: `${cmd}: not found` };
    }
    throw e;
  }
}

/** Null when tmux can be used (installing it with apt-get if need be), else why not. */
async function tmuxUnavailable(): Promise<string | null> {
  if ((await run("tmux", ["-V"])).code === 0) return null;
  if (Deno.build.os !== "linux") return "tmux is not installed, and this is not Linux";
  const env = { DEBIAN_FRONTEND: "noninteractive" };
  let install = await run("apt-get", ["install", "-y", "-q", "tmux"], env);
  if (install.code !== 0 && install.code !== 127) {
    await run("apt-get", ["update", "-q"], env);
    install = await run("apt-get", ["install", "-y", "-q", "tmux"], env);
  }
  if ((await run("tmux", ["-V"])).code === 0) return null;
  return `tmux is not installed and apt-get could not install it: ${install.stderr.trim()}`;
}

const SKIP = await tmuxUnavailable();
if (SKIP) console.log(`pty tests skipped: ${SKIP}`);

function shellQuote(s: string): string {
  return `'${s.replaceAll("'", `'\\''`)}'`;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * A detached tmux session running one shell command, on a private tmux server whose socket
 * lives in the test's temporary directory (so removing it leaves nothing behind).
 */
class Pty {
  readonly socket: string;

  constructor(dir: string) {
    this.socket = `${dir}/tmux.sock`;
  }

  #run(args: string[]): ReturnType<typeof run> {
    return run("tmux", ["-f", "/dev/null", "-S", this.socket, ...args]);
  }

  async tmux(...args: string[]): Promise<string> {
    const r = await this.#run(args);
    if (r.code !== 0) throw new Error(`tmux ${args[0]} failed: ${r.stderr.trim()}`);
    return r.stdout;
  }

  start(command: string): Promise<string> {
    return this.tmux("new-session", "-d", "-s", "main", "-x", "160", "-y", "50", command);
  }

  /** Sends tmux key names (Enter, BSpace, Left, C-u, ...). */
  keys(...keys: string[]): Promise<string> {
    return this.tmux("send-keys", "-t", "main", ...keys);
  }

  /** Types text literally. */
  type(text: string): Promise<string> {
    return this.tmux("send-keys", "-t", "main", "-l", text);
  }

  /** The screen's lines; with `escapes`, including the colour sequences. */
  async screen(escapes = false): Promise<string[]> {
    const text = await this.tmux("capture-pane", "-p", ...(escapes ? ["-e"] : []), "-t", "main");
    return text.split("\n").map((l) => l.trimEnd());
  }

  async cursor(): Promise<{ x: number; y: number }> {
    const [x, y] =
      (await this.tmux("display-message", "-p", "-t", "main", "#{cursor_x} #{cursor_y}"))
        .trim().split(" ").map(Number);
    return { x, y };
  }

  /** Waits until `test` holds for the screen; returns the screen. */
  async waitFor(what: string, test: (lines: string[]) => boolean, ms = 20_000): Promise<string[]> {
    const t0 = Date.now();
    for (;;) {
      const lines = await this.screen();
      if (test(lines)) return lines;
      if (Date.now() - t0 > ms) {
        throw new Error(`Timed out waiting for ${what}; screen:\n${lines.join("\n")}`);
      }
      await sleep(50);
    }
  }

  waitForLine(re: RegExp, ms?: number): Promise<string[]> {
    return this.waitFor(String(re), (lines) => lines.some((l) => re.test(l)), ms);
  }

  /** Waits for the prompt to be the last line, showing `typed`. */
  waitForPrompt(typed = ""): Promise<string[]> {
    return this.waitFor(
      `the prompt with "${typed}"`,
      (lines) => lastLine(lines) === (PROMPT + typed).trimEnd(),
    );
  }

  /** The settings of the pane's terminal, as `stty -a` prints them. */
  async stty(): Promise<string> {
    const tty = (await this.tmux("display-message", "-p", "-t", "main", "#{pane_tty}")).trim();
    const r = await run("stty", ["-a", "-F", tty]);
    if (r.code !== 0) throw new Error(`stty failed: ${r.stderr.trim()}`);
    return r.stdout;
  }

  async alive(): Promise<boolean> {
    return (await this.#run(["has-session", "-t", "main"])).code === 0;
  }

  async waitForEnd(ms = 20_000): Promise<void> {
    const t0 = Date.now();
    while (await this.alive()) {
      if (Date.now() - t0 > ms) throw new Error("The tmux session did not end");
      await sleep(100);
    }
  }

  async kill(): Promise<void> {
    await this.#run(["kill-server"]);
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

function lastLine(lines: string[]): string {
  return lines.filter((l) => l !== "").at(-1) ?? "";
}

/**
 * The shell command running a node in the pty. After it exits, its status and the terminal
 * settings (`stty -a`) go to files, to check that raw mode was undone.
 */
async function nodeCommand(
  dir: string,
  port: number,
  colour: boolean,
  extra: string[] = [],
): Promise<string> {
  const args = [
    Deno.execPath(),
    "run",
    ...(await startFlags()),
    MAIN,
    "--data",
    `${dir}/node`,
    "--port",
    String(port),
    "--broadcast",
    LOOPBACK_BROADCAST,
    "--miners",
    "0",
    ...extra,
  ].map(shellQuote).join(" ");
  const env = colour ? "env -u NO_COLOR" : "env NO_COLOR=1";
  const d = shellQuote(dir);
  // Written under another name and renamed, so that a test polling for the file never reads
  // it half written.
  return `${env} ${args}; echo $? > ${d}/code; stty -a > ${d}/stty.part; mv ${d}/stty.part ${d}/stty`;
}

/** Asserts that the node exited 0 and left the terminal with echo and canonical input on. */
async function assertCleanExit(dir: string): Promise<void> {
  assertEquals((await Deno.readTextFile(`${dir}/code`)).trim(), "0");
  const stty = await Deno.readTextFile(`${dir}/stty`);
  for (const flag of ["icanon", "echo", "isig", "icrnl"]) {
    assert(new RegExp(`(^|\\s)${flag}(\\s|$)`).test(stty), `${flag} restored:\n${stty}`);
  }
}

Deno.test({
  name: "main.ts on a terminal: prompt, help, line editing, history, colours, q",
  ignore: SKIP !== null,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "crackcoin-pty-" });
    const pty = new Pty(dir);
    try {
      await pty.start(await nodeCommand(dir, freeUdpPort(), true));
      await pty.waitForPrompt();
      const coloured = (await pty.screen(true)).join("\n");
      assert(coloured.includes(`\x1b[36m${PROMPT.trimEnd()}`), `a cyan prompt:\n${coloured}`);

      await pty.keys("h", "Enter");
      await pty.waitForLine(/^ {2}q {20}quit$/);
      await pty.waitForLine(/^Editing: Left\/Right/);
      await pty.waitForPrompt();

      // "ix", Backspace, Enter runs i.
      await pty.type("ix");
      await pty.waitForPrompt("ix");
      await pty.keys("BSpace", "Enter");
      const lines = await pty.waitForLine(/^Balance:\s+0 spendable /);
      assert(lines.includes(`${PROMPT}i`), lines.join("\n"));

      // Insert at Home, delete at End: "x" becomes "mx", then "m".
      await pty.waitForPrompt();
      await pty.type("x");
      await pty.keys("Home");
      await pty.type("m");
      await pty.keys("End", "BSpace");
      await pty.waitForPrompt("m");
      assertEquals((await pty.cursor()).x, PROMPT.length + 1);
      await pty.keys("Enter");
      await pty.waitForLine(/^Mining is off \(--miners 0\)\.$/);

      // Left, Delete and Ctrl-U, then Up twice recalls i.
      await pty.waitForPrompt();
      await pty.type("junkp");
      await pty.keys("Left", "DC", "C-u");
      await pty.waitForPrompt();
      await pty.keys("Up", "Up");
      await pty.waitForPrompt("i");
      await pty.keys("Enter");
      await pty.waitFor(
        "a second info",
        (ls) => ls.filter((l) => l.startsWith("Balance:")).length === 2,
      );

      const painted = (await pty.screen(true)).join("\n");
      assert(painted.includes("\x1b[1mC"), `the address in bold:\n${painted}`);

      await pty.waitForPrompt();
      await pty.keys("q", "Enter");
      await pty.waitForEnd();
      await assertCleanExit(dir);
    } finally {
      await pty.kill();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "main.ts on a terminal with NO_COLOR=1: no colours; Ctrl-C stops it cleanly",
  ignore: SKIP !== null,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "crackcoin-pty-" });
    const pty = new Pty(dir);
    try {
      await pty.start(await nodeCommand(dir, freeUdpPort(), false));
      await pty.waitForPrompt();
      await pty.keys("i", "Enter");
      await pty.waitForLine(/^Balance:/);
      await pty.type("l 3");
      await pty.waitForPrompt("l 3");
      const screen = (await pty.screen(true)).join("\n");
      assert(!screen.includes("\x1b["), `no escape sequences:\n${JSON.stringify(screen)}`);

      // Raw mode turns Ctrl-C into a byte; it must still take the SIGINT path. The pane
      // stays after the exit here, to show the last screen.
      await pty.tmux("set-option", "-w", "-t", "main", "remain-on-exit", "on");
      await pty.keys("C-c");
      const t0 = Date.now();
      while (!(await exists(`${dir}/stty`))) {
        assert(Date.now() - t0 < 20_000, "the node did not exit after Ctrl-C");
        await sleep(50);
      }
      await assertCleanExit(dir);
      const end = (await pty.screen()).filter((l) => l !== "");
      const at = end.indexOf(`${PROMPT}l 3^C`);
      assert(at > 0, end.join("\n"));
      assertEquals(end.slice(at + 1, at + 3), [
        "Stopping (press Ctrl-C again to exit at once)...",
        "Stopped.",
      ]);
    } finally {
      await pty.kill();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "main.ts on a terminal: payment events keep the half-typed line; Ctrl-D; --daemon",
  ignore: SKIP !== null,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "crackcoin-pty-" });
    const port = freeUdpPort();
    const pty = new Pty(dir);
    let payer: NodeProc | undefined;
    try {
      const imp = await runMain(["wallet", "--data", `${dir}/payer`, "--import", DEMO_WALLET]);
      assertEquals(imp.code, 0, imp.stderr);
      await pty.start(await nodeCommand(dir, port, true, ["--daemon"]));
      const start = await pty.waitForPrompt();
      const address = start.map((l) => l.match(/^Address: (C\w+)$/)?.[1]).find((a) => a);
      assert(address, start.join("\n"));

      payer = await NodeProc.startMain([
        "--data",
        `${dir}/payer`,
        "--port",
        String(port),
        "--broadcast",
        LOOPBACK_BROADCAST,
        "--miners",
        "1",
        "--quiet",
      ]);
      await payer.waitFor(/^Address: /);

      // A half-typed line with the cursor inside it: "l 5", cursor after "l".
      await pty.type("l 5");
      await pty.keys("Left", "Left");
      await pty.waitForPrompt("l 5");
      assertEquals((await pty.cursor()).x, PROMPT.length + 1);

      const txid = (await payer.ask(`t ${address} 777`, /^txid ([0-9a-f]{64})/))[1];
      const payment = new RegExp(
        `^Payment received: \\+777 from C\\w+ in ${txid.slice(0, 16)} \\(pending\\)$`,
      );
      const lines = await pty.waitForLine(payment);
      const at = lines.findIndex((l) => payment.test(l));
      const promptAt = lines.findLastIndex((l) => l !== "");
      assert(at < promptAt, lines.join("\n"));
      assertEquals(lines[promptAt], `${PROMPT}l 5`);
      assertEquals(lines.filter((l) => l.includes("l 5")).length, 1, lines.join("\n"));
      assertEquals(await pty.cursor(), { x: PROMPT.length + 1, y: promptAt });

      // The payer mines, so the confirmation follows, redrawn the same way.
      const confirmed = new RegExp(
        `^Payment of 777 from C\\w+ confirmed \\(${txid.slice(0, 16)}\\)$`,
      );
      const after = await pty.waitForLine(confirmed, 30_000);
      const last = after.findLastIndex((l) => l !== "");
      assert(after.findIndex((l) => confirmed.test(l)) < last, after.join("\n"));
      assertEquals(after[last], `${PROMPT}l 5`);
      assertEquals(after.filter((l) => l.includes("l 5")).length, 1, after.join("\n"));
      assertEquals(await pty.cursor(), { x: PROMPT.length + 1, y: last });

      // The redrawn line is still the one being edited: finish it and run it.
      await pty.type("x");
      await pty.keys("BSpace", "Enter");
      await pty.waitForLine(new RegExp(`^${txid.slice(0, 16)}\\s+confirmed\\s`));
      await pty.waitForPrompt();

      // Ctrl-D on an empty line is the end of input. With --daemon the node stays up, with
      // the terminal back in cooked mode, so Ctrl-C is a real SIGINT again.
      assert(/(^|\s)-icanon(\s|$)/.test(await pty.stty()), "raw mode while reading");
      await pty.keys("C-d");
      const t0 = Date.now();
      while (!/(^|\s)icanon(\s|$)/.test(await pty.stty())) {
        assert(Date.now() - t0 < 10_000, "the terminal was not given back after end of input");
        await sleep(50);
      }
      assert(await pty.alive());
      await pty.keys("C-c");
      await pty.waitForEnd();
      await assertCleanExit(dir);
      await payer.send("q");
      assertEquals((await payer.close()).code, 0);
      payer = undefined;
    } finally {
      if (payer) await payer.kill("SIGKILL");
      await pty.kill();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name:
    "main.ts on a terminal: t asks to confirm; Ctrl-C cancels the question only; self-pay warns",
  ignore: SKIP !== null,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "crackcoin-pty-" });
    const pty = new Pty(dir);
    try {
      const imp = await runMain(["wallet", "--data", `${dir}/node`, "--import", DEMO_WALLET]);
      assertEquals(imp.code, 0, imp.stderr);
      const own = imp.stdout.trim().split(/\s+/).at(-1)!;
      const other = addressFromPublicKey(testKeys(7).publicKey);
      await pty.start(await nodeCommand(dir, freeUdpPort(), false));
      await pty.waitForPrompt();

      // Ctrl-C at the confirmation cancels the payment; the node keeps running.
      await pty.type(`t ${other} 5`);
      await pty.keys("Enter");
      await pty.waitForLine(new RegExp(`^Send 5 to ${other}\\? \\[y/N\\]`));
      await pty.keys("C-c");
      await pty.waitForLine(/^Cancelled; nothing was sent\.$/);
      await pty.waitForPrompt();
      assert(await pty.alive());

      // Ctrl-C at the address question of the prompted form, too.
      await pty.keys("t", "Enter");
      await pty.waitForLine(/^Send to address:/);
      await pty.keys("C-c");
      await pty.waitFor(
        "two cancellations",
        (ls) => ls.filter((l) => l === "Cancelled; nothing was sent.").length === 2,
      );
      await pty.waitForPrompt();

      // Anything but y is a no; y sends.
      await pty.type(`t ${other} 5`);
      await pty.keys("Enter");
      await pty.waitForLine(new RegExp(`^Send 5 to ${other}\\? \\[y/N\\]`));
      await pty.keys("y", "Enter");
      await pty.waitForLine(new RegExp(`^Sent 5 to ${other}$`));
      await pty.waitForPrompt();

      // Paying yourself: a warning, and the question says so.
      await pty.type(`t ${own} 3`);
      await pty.keys("Enter");
      await pty.waitForLine(/^Warning: that is your own address/);
      await pty.waitForLine(new RegExp(`^Send 3 to ${own} \\(yourself\\)\\? \\[y/N\\]`));
      await pty.keys("n", "Enter");
      await pty.waitFor(
        "three cancellations",
        (ls) => ls.filter((l) => l === "Cancelled; nothing was sent.").length === 3,
      );
      await pty.waitForPrompt();
      await pty.keys("q", "Enter");
      await pty.waitForEnd();
      await assertCleanExit(dir);
    } finally {
      await pty.kill();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
