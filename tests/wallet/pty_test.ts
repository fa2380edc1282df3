/**
 * The wallet's prompts in a real pseudo-terminal (a detached tmux session on a private
 * socket): words and passphrases are not echoed, a node with an encrypted wallet asks once at
 * start, `wallet encrypt` asks twice, `export --secrets` works only on a terminal, and the
 * terminal gets its echo back. Nodes use a free port and the loopback broadcast address.
 * @module
 */
import { assert, assertEquals } from "../helpers/assert.ts";
import { MAIN, runMain, startFlags } from "../helpers/proc.ts";
import { freeUdpPort, LOOPBACK_BROADCAST } from "../helpers/net_fixtures.ts";

const WORDS = "legal winner thank year wave sausage worth useful legal winner thank yellow";

const HAVE_TMUX = await new Deno.Command("tmux", { args: ["-V"], stdout: "null", stderr: "null" })
  .output().then((o) => o.success).catch(() => false);
if (!HAVE_TMUX) console.log("wallet pty tests skipped: tmux is not installed");

const q = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

class Pty {
  /** Each session gets its own server socket, so a restart never races a server shutting down. */
  #n = 0;
  constructor(readonly base: string) {}
  get socket(): string {
    return `${this.base}-${this.#n}`;
  }
  async tmux(...args: string[]): Promise<string> {
    const o = await new Deno.Command("tmux", {
      args: ["-f", "/dev/null", "-S", this.socket, ...args],
    })
      .output();
    if (!o.success) throw new Error(`tmux ${args[0]}: ${new TextDecoder().decode(o.stderr)}`);
    return new TextDecoder().decode(o.stdout);
  }
  start(cmd: string) {
    return this.tmux("new-session", "-d", "-s", "main", "-x", "200", "-y", "50", cmd);
  }
  type(text: string) {
    return this.tmux("send-keys", "-t", "main", "-l", text);
  }
  enter() {
    return this.tmux("send-keys", "-t", "main", "Enter");
  }
  async screen(): Promise<string> {
    return await this.tmux("capture-pane", "-p", "-S", "-200", "-t", "main");
  }
  async waitFor(re: RegExp, ms = 30_000): Promise<string> {
    const t0 = Date.now();
    for (;;) {
      const s = await this.screen();
      if (re.test(s)) return s;
      if (Date.now() - t0 > ms) throw new Error(`Timed out waiting for ${re}; screen:\n${s}`);
      await sleep(100);
    }
  }
  async kill(): Promise<void> {
    await this.tmux("kill-server").catch(() => "");
    this.#n++;
  }
}

/**
 * A shell command running main.ts with `args`, then writing `stty -a` to a file and its status
 * to the screen, in that order: a test that sees "exit=" can read the file (it once read it
 * before the shell had written it).
 */
async function command(dir: string, args: string[], env = "NO_COLOR=1"): Promise<string> {
  const argv = [Deno.execPath(), "run", ...(await startFlags()), MAIN, ...args].map(q).join(" ");
  return `env ${env} ${argv}; code=$?; stty -a > ${q(dir)}/stty; echo "exit=$code"; sleep 30`;
}

async function withPty(fn: (pty: Pty, dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "crackcoin-wpty-" });
  const pty = new Pty(`${dir}/tmux.sock`);
  try {
    await fn(pty, dir);
  } finally {
    await pty.kill();
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test({
  name: "wallet restore on a terminal reads the words without echo, then encrypt asks twice",
  ignore: !HAVE_TMUX,
  fn: () =>
    withPty(async (pty, dir) => {
      await pty.start(await command(dir, ["wallet", "restore", "--data", `${dir}/w`]));
      await pty.waitFor(/Recovery words, separated by spaces \(not echoed\):\s*$/m);
      await pty.type(WORDS);
      await pty.enter();
      const s = await pty.waitFor(/exit=0/);
      assert(s.includes("Receive address: C"), s);
      assert(!s.includes("legal winner"), "the words were echoed");
      const stty = await Deno.readTextFile(`${dir}/stty`);
      assert(/(^|\s)echo(\s|$)/.test(stty) && /(^|\s)icanon(\s|$)/.test(stty), stty);
      await pty.kill();
      await pty.start(await command(dir, ["wallet", "encrypt", "--data", `${dir}/w`]));
      await pty.waitFor(/New wallet passphrase:\s*$/m);
      await pty.type("s3cret pass");
      await pty.enter();
      await pty.waitFor(/Repeat the new passphrase:\s*$/m);
      await pty.type("s3cret pass");
      await pty.enter();
      const e = await pty.waitFor(/exit=\d/);
      assert(e.includes("exit=0") && e.includes("Encrypted wallet"), e);
      assert(!e.includes("s3cret"), "the passphrase was echoed");
    }),
});

Deno.test({
  name:
    "a node with an encrypted wallet asks once on a terminal; wrong = one line; right = can send",
  ignore: !HAVE_TMUX,
  fn: () =>
    withPty(async (pty, dir) => {
      const data = `${dir}/n`;
      const made = await runMain(["wallet", "restore", "--data", data], WORDS + "\n", {
        CRACKCOIN_PASSPHRASE: "right one",
      });
      assertEquals(made.code, 0, made.stderr);
      const before = await Deno.readTextFile(`${data}/wallet.json`);
      const port = String(freeUdpPort());
      const node = ["--data", data, "--port", port, "--broadcast", LOOPBACK_BROADCAST];
      await pty.start(await command(dir, [...node, "--miners", "0"]));
      await pty.waitFor(/Wallet passphrase:\s*$/m);
      await pty.type("wrong one");
      await pty.enter();
      const bad = await pty.waitFor(/exit=\d/);
      assert(bad.includes("exit=1") && bad.includes("Wrong passphrase for"), bad);
      assert(!bad.includes("wrong one"), "the passphrase was echoed");
      assertEquals(await Deno.readTextFile(`${data}/wallet.json`), before, "wallet untouched");
      await pty.kill();
      await pty.start(await command(dir, [...node, "--miners", "0"]));
      await pty.waitFor(/Wallet passphrase:\s*$/m);
      await pty.type("right one");
      await pty.enter();
      await pty.waitFor(/^crackcoin>\s*$/m);
      await pty.type("t CKY5fFLpDAWVdj1KPN8doYNgwR6EF2cQm1 1");
      await pty.enter();
      await pty.waitFor(/\[y\/N\]\s*$/m);
      await pty.type("y");
      await pty.enter();
      // Unlocked: the payment fails for lack of coins, not for a locked wallet.
      const s = await pty.waitFor(/Insufficient funds|Sending is off/);
      assert(s.includes("Insufficient funds"), s);
      assertEquals(s.match(/Wallet passphrase:/g)?.length, 1, "asked once");
      await pty.type("q");
      await pty.enter();
      await pty.waitFor(/exit=0/);
    }),
});

Deno.test({
  name: "export --secrets: refused on a pipe, shown with a warning on a terminal",
  ignore: !HAVE_TMUX,
  fn: () =>
    withPty(async (pty, dir) => {
      const data = `${dir}/x`;
      assertEquals((await runMain(["wallet", "restore", "--data", data], WORDS + "\n")).code, 0);
      const port = String(freeUdpPort());
      const first = await runMain(
        ["--data", data, "--port", port, "--broadcast", LOOPBACK_BROADCAST, "--miners", "0"],
        "q\n",
      );
      assertEquals(first.code, 0, first.stderr);
      const piped = await runMain(["export", "--secrets", "--data", data]);
      assertEquals(piped.code, 1);
      assert(piped.stderr.includes("only to a terminal"), piped.stderr);
      assert(!piped.stdout.includes("legal"), "no words on a pipe");
      const plain = await runMain(["export", "--data", data]);
      assert(!plain.stdout.includes("legal winner") && !plain.stdout.includes("secrets"));
      await pty.start(await command(dir, ["export", "--secrets", "--data", data]));
      const s = await pty.waitFor(/exit=\d/);
      assert(s.includes("exit=0") && s.includes("contains your wallet's secrets"), s);
      assert(s.includes(`"mnemonic": "${WORDS}"`), s);
    }),
});
