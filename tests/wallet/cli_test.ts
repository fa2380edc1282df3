/**
 * The wallet end to end through the command line (subprocesses, loopback UDP with
 * --broadcast 127.255.255.255): new wallet -> words -> paid -> data directory deleted ->
 * restored from the words on a new node -> same balance after sync; a fresh `r` address and
 * fresh change; a v1 wallet upgraded and swept; a wrong passphrase, a locked node, a wrong
 * word; and no secret in any output but the two commands that exist to show one.
 * @module
 */
import { assert, assertEquals } from "../helpers/assert.ts";
import { BALANCE_LINE, NodeProc, runMain, type RunResult } from "../helpers/proc.ts";
import { freeUdpPort, LOOPBACK_BROADCAST } from "../helpers/net_fixtures.ts";
import { toHex } from "../../lib/core/hash.ts";
import { randomKeyPair } from "../../lib/core/keys.ts";
import { writeWallet } from "../../lib/wallet/wallet_file.ts";
import { hdDoc, Wallet } from "../../lib/wallet/wallet.ts";

const DEMO_WALLET = new URL("../../genesis/demo_wallet.json", import.meta.url).pathname;

function wordsOf(r: RunResult): string {
  return [...r.stdout.matchAll(/^\s+\d+ ([a-z]+)$/gm)].map((m) => m[1]).join(" ");
}

function lastWord(r: RunResult): string {
  return r.stdout.trim().split(/\s+/).at(-1)!;
}

async function balance(n: NodeProc): Promise<bigint> {
  const m = await n.ask("i", BALANCE_LINE);
  return BigInt(m[1]) + BigInt(m[4]); // spendable + incoming pending
}

async function waitBalance(n: NodeProc, want: bigint, ms = 45_000): Promise<void> {
  const t0 = Date.now();
  let got = -1n;
  while (Date.now() - t0 < ms) {
    got = await balance(n);
    if (got === want) return;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`balance stayed ${got}, wanted ${want}`);
}

Deno.test("wallet end to end: new, paid, deleted, restored from the words; r; change; v1 upgraded and swept", async () => {
  const root = await Deno.makeTempDir({ prefix: "crackcoin-wallet-" });
  const [dirA, dirB, dirB2, dirV] = ["a", "b", "b2", "v"].map((d) => `${root}/${d}`);
  const port = String(freeUdpPort());
  const common = ["--port", port, "--broadcast", LOOPBACK_BROADCAST];
  const outputs: string[] = [];
  const keep = (r: RunResult) => (outputs.push(r.stdout, r.stderr), r);
  let a: NodeProc | undefined, b: NodeProc | undefined, v: NodeProc | undefined;
  const v1Keys = randomKeyPair((n) => crypto.getRandomValues(new Uint8Array(n)));
  try {
    assertEquals(keep(await runMain(["wallet", "--import", DEMO_WALLET, "--data", dirA])).code, 0);
    // The imported demo wallet keeps its note, and says it.
    assert((await Deno.readTextFile(`${dirA}/wallet.json`)).includes("PUBLIC DEMO WALLET"));
    const created = await runMain(["wallet", "new", "--data", dirB]);
    assertEquals(created.code, 0, created.stderr);
    assert(created.stderr.includes("only backup"), created.stderr);
    const words = wordsOf(created);
    assertEquals(words.split(" ").length, 12);
    const addrB = lastWord(created);
    assertEquals(lastWord(keep(await runMain(["wallet", "--data", dirB]))), addrB);
    await writeWallet(`${dirV}/wallet.json`, v1Keys).catch(async () => {
      await Deno.mkdir(dirV, { recursive: true });
      await writeWallet(`${dirV}/wallet.json`, v1Keys);
    });
    const addrV1 = lastWord(keep(await runMain(["wallet", "--data", dirV])));

    a = await NodeProc.startMain(["--data", dirA, ...common, "--miners", "1"]);
    // B logs JSON lines: the secret grep below covers the JSON log too.
    b = await NodeProc.startMain(["--data", dirB, ...common, "--miners", "0", "--json-log"]);
    v = await NodeProc.startMain(["--data", dirV, ...common, "--miners", "0"]);
    await b.waitFor(new RegExp(`^Address: ${addrB}$`));
    await a.ask(`t ${addrB} 5000`, /^txid /);
    await b.waitFor(/Payment received: \+5000/, 20_000);
    const addrB2 = (await b.ask("r", /^Receive address: (C\w+)$/))[1];
    assert(addrB2 !== addrB, "r gives a fresh address");
    await a.ask(`t ${addrB2} 700`, /^txid /);
    await a.ask(`t ${addrV1} 3000`, /^txid /);
    await waitBalance(b, 5700n);
    // B pays A 1000: the change (4700) goes to a fresh change address, not to addrB.
    const addrA = (await a.ask("i", /^Address:\s+(C\w+)$/))[1];
    const txid = (await b.ask(`t ${addrA} 1000`, /^txid ([0-9a-f]{64})/))[1];
    await b.waitFor(
      new RegExp(`^Your payment of 1000 to ${addrA} confirmed \\(${txid.slice(0, 16)}\\)`),
      45_000,
    );
    assertEquals(await balance(b), 4700n);
    // The export below expects every coin confirmed: wait until the 700 has stopped being
    // incoming (it may still gather weight when B's own payment is already confirmed).
    for (const t0 = Date.now(); (await b.ask("i", BALANCE_LINE))[2] !== "4700";) {
      assert(Date.now() - t0 < 45_000, "B's 4700 never all confirmed");
      await new Promise((r) => setTimeout(r, 500));
    }
    const named = await runMain(["wallet", "label", addrA, "Alice's", "shop", "--data", dirB]);
    assertEquals(named.code, 0, named.stderr);
    const exB = JSON.parse(keep(await runMain(["export", "--data", dirB])).stdout);
    const pay = exB.transactions.find((t: { txid: string }) => t.txid === txid);
    // The 5000 coin pays: 1000 to A, 4000 change.
    const change = pay.outputs.find((o: { address: string }) => o.address !== addrA).address;
    assertEquals(pay.outputs.length, 2);
    assert(change !== addrB && change !== addrB2, "fresh change address");
    assertEquals(exB.wallet.address, addrB2);
    assertEquals(pay.wallet, {
      direction: "sent",
      amount: "1000",
      counterparty: addrA,
      label: "Alice's shop",
    });
    assertEquals(
      pay.outputs.find((o: { address: string }) => o.address === addrA).label,
      "Alice's shop",
    );
    assertEquals(exB.wallet.labels, { [addrA]: "Alice's shop" });
    const received = exB.transactions.filter((t: { wallet?: { direction: string } }) =>
      t.wallet?.direction === "received"
    );
    assertEquals(received.map((t: { wallet: { amount: string } }) => t.wallet.amount).sort(), [
      "5000",
      "700",
    ]);
    assertEquals(exB.wallet.balance, { confirmed: "4700", pending: "0" });
    const kinds = exB.wallet.addresses.map((x: { kind: string; address: string }) =>
      `${x.kind}:${x.address}`
    );
    assert(kinds.includes(`change:${change}`) && kinds.includes(`receive:${addrB}`), kinds);
    await waitBalance(v, 3000n);

    // Delete B and restore it from the words on a new node.
    assertEquals((await b.ask("q", /^Stopped\.$/)).length, 1);
    await b.close();
    outputs.push(b.lines.join("\n"), b.errLines.join("\n"));
    assert(b.errLines.some((l) => l.startsWith("{")), "JSON log lines");
    b = undefined;
    await Deno.remove(dirB, { recursive: true });
    const restored = keep(await runMain(["wallet", "restore", "--data", dirB2], words + "\n"));
    assertEquals(restored.code, 0, restored.stderr);
    b = await NodeProc.startMain(["--data", dirB2, ...common, "--miners", "0"]);
    await waitBalance(b, 4700n);
    // The restored wallet found its used receive address and hands out the next one.
    assertEquals((await b.ask("r", /^Receive address: (C\w+)$/))[1] !== addrB2, true);

    // The v1 wallet: upgraded to HD (the key kept), then swept with one command.
    await v.ask("q", /^Stopped\.$/);
    await v.close();
    v = undefined;
    const up = await runMain(["wallet", "new", "--data", dirV]);
    assertEquals(up.code, 0, up.stderr);
    assert(up.stdout.includes("imported key is kept"), up.stdout);
    const upWords = wordsOf(up);
    v = await NodeProc.startMain(["--data", dirV, ...common, "--miners", "0"]);
    assertEquals(await balance(v), 3000n);
    const swept = await v.ask("sweep", /^Swept 3000 from (C\w+) to (C\w+)$/);
    assertEquals(swept[1], addrV1);
    await v.waitFor(/^txid /);
    await v.waitFor(/^Your payment of 3000 to yourself confirmed/, 45_000);
    const exV = JSON.parse(keep(await runMain(["export", "--data", dirV])).stdout);
    assertEquals(exV.balances[swept[2]], "3000");
    assertEquals(exV.balances[addrV1], undefined);
    assertEquals(exV.wallet.hd, true);

    for (const n of [a, b, v]) {
      await n.ask("q", /^Stopped\.$/);
      await n.close();
      outputs.push(n.lines.join("\n"), n.errLines.join("\n"));
    }
    a = b = v = undefined;
    // No secret in any output, export or log: neither phrase nor the v1 key.
    const all = outputs.join("\n");
    for (const phrase of [words, upWords]) {
      assert(!all.includes(phrase), "a mnemonic reached an output");
      assert(!all.includes(phrase.split(" ").slice(0, 4).join(" ")), "words reached an output");
    }
    assert(!all.includes(toHex(v1Keys.secretKey)), "the v1 key reached an output");
    assert(!all.includes('"secrets"'), "export carries no secrets");
  } finally {
    for (const n of [a, b, v]) if (n) await n.kill("SIGKILL");
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("wallet passphrase: wrong one is one line and touches nothing; locked node refuses to send", async () => {
  const root = await Deno.makeTempDir({ prefix: "crackcoin-wallet-" });
  const dir = `${root}/c`;
  const right = { CRACKCOIN_PASSPHRASE: "correct horse" };
  const wrong = { CRACKCOIN_PASSPHRASE: "battery staple" };
  let n: NodeProc | undefined;
  try {
    const made = await runMain(["wallet", "new", "--words", "24", "--data", dir], "", right);
    assertEquals(made.code, 0, made.stderr);
    const words = wordsOf(made);
    assertEquals(words.split(" ").length, 24);
    const file = await Deno.readTextFile(`${dir}/wallet.json`);
    assert(!file.includes(words.split(" ").slice(0, 3).join(" ")) && file.includes('"encrypted"'));
    for (const args of [["--show-mnemonic"], ["decrypt"], ["change-passphrase"]]) {
      const r = await runMain(["wallet", ...args, "--data", dir], "", wrong);
      assertEquals(r.code, 1, args.join(" "));
      assertEquals(r.stderr.trim().split("\n").length, 1, r.stderr);
      assert(r.stderr.includes(`Wrong passphrase for ${dir}/wallet.json`), r.stderr);
      assertEquals(await Deno.readTextFile(`${dir}/wallet.json`), file, "file untouched");
      assertEquals([...Deno.readDirSync(dir)].map((e) => e.name), ["wallet.json"]);
    }
    const port = String(freeUdpPort());
    const flags = [
      "--data",
      dir,
      "--port",
      port,
      "--broadcast",
      LOOPBACK_BROADCAST,
      "--miners",
      "0",
    ];
    const bad = await runMain(flags, "q\n", wrong);
    assertEquals(bad.code, 1);
    assert(bad.stderr.includes("Wrong passphrase"), bad.stderr);
    // With a passphrase file: the node unlocks.
    await Deno.writeTextFile(`${root}/pass`, "correct horse\n");
    const good = await runMain([...flags, "--passphrase-file", `${root}/pass`], "i\nq\n");
    assertEquals(good.code, 0, good.stderr);
    // No passphrase and no terminal: it runs, but sending says why it is off.
    n = await NodeProc.startMain(flags);
    await n.waitFor(/Type h for help/);
    assert(n.errLines.join("\n").includes("sending is off"), n.errLines.join("\n"));
    const addr = (await n.ask("i", /^Address:\s+(C\w+)$/))[1];
    await n.ask(`t ${addr} 1`, /Sending is off: the wallet is encrypted/);
    await n.ask("q", /^Stopped\.$/);
    await n.close();
    n = undefined;
    // change-passphrase, then decrypt, keep the same words.
    const cp = await runMain(["wallet", "change-passphrase", "--data", dir], "", {
      ...right,
      CRACKCOIN_NEW_PASSPHRASE: "new one",
    });
    assertEquals(cp.code, 0, cp.stderr);
    const shown = await runMain(["wallet", "--show-mnemonic", "--data", dir], "", {
      CRACKCOIN_PASSPHRASE: "new one",
    });
    assertEquals(wordsOf(shown), words);
    const dec = await runMain(
      ["wallet", "decrypt", "--passphrase-file", `${root}/pass`, "--data", dir],
      "",
      {
        CRACKCOIN_PASSPHRASE: "new one",
      },
    );
    assertEquals(dec.code, 1, "the file's passphrase is the old one");
    const dec2 = await runMain(["wallet", "decrypt", "--data", dir], "", {
      CRACKCOIN_PASSPHRASE: "new one",
    });
    assertEquals(dec2.code, 0, dec2.stderr);
    assertEquals(wordsOf(await runMain(["wallet", "--show-mnemonic", "--data", dir])), words);
  } finally {
    if (n) await n.kill("SIGKILL");
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("wallet restore refuses a wrong word by position and a bad checksum; label; import errors", async () => {
  const root = await Deno.makeTempDir({ prefix: "crackcoin-wallet-" });
  try {
    const good = "legal winner thank year wave sausage worth useful legal winner thank yellow";
    const typo = good.replace("thank year", "thank yaer");
    const r = await runMain(["wallet", "restore", "--data", `${root}/r`], typo + "\n");
    assertEquals(r.code, 1);
    assert(r.stderr.includes("Word 4 of 12 is not in the BIP 39 English word list"), r.stderr);
    assert(!r.stderr.includes("legal"), "no valid word echoed");
    const sum = await runMain(
      ["wallet", "restore", "--data", `${root}/r`],
      good.replace("yellow", "zoo") + "\n",
    );
    assertEquals(sum.code, 1);
    assert(sum.stderr.includes("checksum"), sum.stderr);
    assertEquals(await Deno.stat(`${root}/r`).catch(() => null), null, "nothing written");
    const ok = await runMain(["wallet", "restore", "--data", `${root}/r`], good + "\n");
    assertEquals(ok.code, 0, ok.stderr);
    const addr = lastWord(ok);
    // The BIP 39 passphrase is part of the key: the same words give another wallet.
    const withPass = await runMain(
      ["wallet", "restore", "--bip39-passphrase", "--data", `${root}/p`],
      `\n${good}\nTREZOR\n`,
    );
    assertEquals(withPass.code, 0, withPass.stderr);
    const expected = new Wallet(hdDoc(good, "TREZOR")).address;
    assertEquals(lastWord(withPass), expected);
    assert(expected !== addr);
    const lab = await runMain(["wallet", "label", addr, "savings", "jar", "--data", `${root}/r`]);
    assertEquals(lab.code, 0, lab.stderr);
    const list = await runMain(["wallet", "addresses", "--data", `${root}/r`]);
    assert(list.stdout.includes(`${addr}  savings jar`), list.stdout);
    const badAddr = await runMain(["wallet", "label", "Cnope", "x", "--data", `${root}/r`]);
    assertEquals(badAddr.code, 1);
    // Importing over a wallet, and into a place that cannot be written: one line each.
    const over = await runMain(["wallet", "--import", DEMO_WALLET, "--data", `${root}/r`]);
    assertEquals(over.code, 1);
    assert(over.stderr.includes("Refusing to overwrite"), over.stderr);
    await Deno.writeTextFile(`${root}/file`, "");
    const notDir = await runMain(["wallet", "--import", DEMO_WALLET, "--data", `${root}/file/x`]);
    assertEquals(notDir.code, 1);
    assertEquals(notDir.stderr.trim().split("\n").length, 1, notDir.stderr);
    assert(notDir.stderr.includes(`${root}/file/x`), notDir.stderr);
    // A 0-byte wallet.json (left by an older version) does not block an import.
    await Deno.mkdir(`${root}/z`);
    await Deno.writeTextFile(`${root}/z/wallet.json`, "");
    const z = await runMain(["wallet", "--import", DEMO_WALLET, "--data", `${root}/z`]);
    assertEquals(z.code, 0, z.stderr);
    assert(z.stderr.includes("PUBLIC DEMO WALLET"), "the note is shown");
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

async function mount(...args: string[]): Promise<boolean> {
  const o = await new Deno.Command("mount", { args, stderr: "null" }).output().catch(() => null);
  return o?.success ?? false;
}

Deno.test("a full disk and a read-only directory: one line each, no 0-byte wallet, a retry works", async () => {
  const root = await Deno.makeTempDir({ prefix: "crackcoin-wallet-" });
  const full = `${root}/full`, ro = `${root}/ro`;
  await Deno.mkdir(full);
  await Deno.mkdir(ro);
  // A 64 KiB tmpfs, filled up; and a read-only bind mount (root ignores directory modes).
  const tmpfs = await mount("-t", "tmpfs", "-o", "size=64k", "tmpfs", full);
  const bound = await mount("--bind", ro, ro) && await mount("-o", "remount,ro,bind", ro);
  try {
    if (tmpfs) {
      await Deno.mkdir(`${full}/d`);
      const filler = await Deno.open(`${full}/filler`, { write: true, create: true });
      try {
        const chunk = new Uint8Array(4096);
        for (;;) await filler.write(chunk);
      } catch {
        /* ENOSPC: the disk is full */
      } finally {
        filler.close();
      }
      for (const args of [["wallet", "new"], ["wallet", "--import", DEMO_WALLET]]) {
        const r = await runMain([...args, "--data", `${full}/d`]);
        assertEquals(r.code, 1, r.stderr);
        assertEquals(r.stderr.trim().split("\n").length, 1, r.stderr);
        assert(r.stderr.includes(`${full}/d/wallet.json`), r.stderr);
        assert(r.stderr.includes("No space left on device"), r.stderr);
        assertEquals([...Deno.readDirSync(`${full}/d`)].length, 0, "nothing left behind");
      }
      await Deno.remove(`${full}/filler`);
      const retry = await runMain(["wallet", "--import", DEMO_WALLET, "--data", `${full}/d`]);
      assertEquals(retry.code, 0, retry.stderr);
    }
    if (bound) {
      const r = await runMain(["wallet", "--import", DEMO_WALLET, "--data", ro]);
      assertEquals(r.code, 1);
      assertEquals(r.stderr.trim().split("\n").length, 1, r.stderr);
      assert(r.stderr.includes(`Cannot write wallet file ${ro}/wallet.json`), r.stderr);
      assert(r.stderr.includes("Read-only file system"), r.stderr);
    }
    if (!tmpfs || !bound) {
      console.log("skipped: mount needs root (tmpfs", tmpfs, "bind", bound, ")");
    }
  } finally {
    if (bound) await new Deno.Command("umount", { args: [ro] }).output();
    if (tmpfs) await new Deno.Command("umount", { args: [full] }).output();
    await Deno.remove(root, { recursive: true });
  }
});
