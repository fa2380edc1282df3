/**
 * The wallet file: atomic writes under kill -9, one-line errors naming the path and the OS
 * reason, the empty file an older version could leave, the readable-by-others warning, and
 * the formats (v1 single key, v2 HD, encrypted).
 * @module
 */
import { assert, assertEquals, assertRejects } from "../helpers/assert.ts";
import { keyPairFromSecret } from "../../lib/core/keys.ts";
import { WalletError } from "../../lib/wallet/errors.ts";
import { checkMnemonic } from "../../lib/wallet/hd.ts";
import { hdDoc, sealDoc, Wallet } from "../../lib/wallet/wallet.ts";
import {
  parseWalletDoc,
  readWalletFile,
  walletDocToJson,
  walletToJson,
  writeWalletText,
} from "../../lib/wallet/wallet_file.ts";
import { loadOrCreateWalletAt } from "../../lib/wallet/wallet_store.ts";

const WORDS = checkMnemonic(
  "legal winner thank year wave sausage worth useful legal winner thank yellow",
);
const FAST = { n: 1024, r: 8, p: 1 };
const CHILD = new URL("./write_child.ts", import.meta.url).pathname;

function hdText(labels: Record<string, string> = {}): string {
  const doc = { ...hdDoc(WORDS, ""), labels };
  return walletDocToJson(doc, new Wallet(doc).address);
}

Deno.test("kill -9 during wallet writes, 50 times: the file is always the old or the new wallet", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const a = walletToJson(keyPairFromSecret(new Uint8Array(32).fill(3)), "first");
    const b = hdText({ C1: "x".repeat(2000) }); // a longer file, so writes take longer
    // The label key is not an address: write it raw (the test checks bytes, not labels).
    await Deno.writeTextFile(`${dir}/a.json`, a);
    await Deno.writeTextFile(`${dir}/b.json`, b.replace('"C1"', '"Cx"'));
    const texts = [a, b.replace('"C1"', '"Cx"')];
    const path = `${dir}/wallet.json`;
    const seen = new Set<number>();
    for (let i = 0; i < 50; i++) {
      const child = new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "--allow-read",
          "--allow-write",
          CHILD,
          path,
          `${dir}/a.json`,
          `${dir}/b.json`,
        ],
        stdout: "piped",
        stderr: "null",
      }).spawn();
      const reader = child.stdout.getReader();
      await reader.read(); // "ready": the first write is done, the loop is running
      await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 40)));
      child.kill("SIGKILL");
      reader.releaseLock();
      await child.stdout.cancel();
      await child.status;
      const text = await Deno.readTextFile(path);
      const which = texts.indexOf(text);
      assert(which >= 0, `iteration ${i}: torn wallet file (${text.length} bytes)`);
      seen.add(which);
      // And it parses as a wallet.
      parseWalletDoc(
        text.replace('"Cx"', '"C1"').replace(/"labels": \{[^}]*\}/, '"labels": {}'),
        path,
      );
    }
    assertEquals(seen.size, 2, "both versions were seen across 50 kills");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("readWalletFile(): warns about a wallet readable by others; empty and missing files", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/wallet.json`;
    assertEquals((await readWalletFile(path)).kind, "missing");
    await Deno.writeTextFile(path, "");
    assertEquals((await readWalletFile(path)).kind, "empty");
    // An empty file (a crash of an old, non-atomic version) is replaced, with a warning.
    const created = await loadOrCreateWalletAt(path);
    assert(created.created);
    assert(created.warnings[0].includes("Replaced the empty wallet file"), created.warnings[0]);
    assertEquals((await Deno.stat(path)).mode! & 0o777, 0o600);
    const ok = await readWalletFile(path);
    assert(ok.kind === "ok" && ok.warnings.length === 0);
    await Deno.chmod(path, 0o644);
    const loose = await readWalletFile(path);
    assert(loose.kind === "ok");
    assertEquals(loose.warnings.length, 1);
    assert(loose.warnings[0].includes("mode 0644") && loose.warnings[0].includes(path));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("writeWalletText(): a read-only directory is one line naming the path and the OS reason", async () => {
  const dir = await Deno.makeTempDir();
  const ro = `${dir}/ro`;
  await Deno.mkdir(ro);
  // Root ignores directory modes, so a read-only bind mount makes the failure real.
  const mount = async (...a: string[]) =>
    (await new Deno.Command("mount", { args: a, stderr: "null" }).output()).success;
  const mounted = await mount("--bind", ro, ro) && await mount("-o", "remount,ro,bind", ro);
  try {
    if (!mounted) await Deno.chmod(ro, 0o500);
    const e = await assertRejects(
      () => writeWalletText(`${ro}/wallet.json`, hdText(), { createNew: true }),
      WalletError,
    );
    assertEquals(e.code, "io");
    assert(e.message.startsWith(`Cannot write wallet file ${ro}/wallet.json: `), e.message);
    assert(/(Read-only file system|Permission denied)/.test(e.message), e.message);
    assert(!e.message.includes("\n"), "one line");
    assertEquals([...Deno.readDirSync(ro)].length, 0, "no temporary file left");
  } finally {
    if (mounted) await new Deno.Command("umount", { args: [ro] }).output();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("parseWalletDoc(): v1 keeps its note; v2 round-trips; encrypted files hold no secret", () => {
  const keys = keyPairFromSecret(new Uint8Array(32).fill(9));
  const v1 = parseWalletDoc(walletToJson(keys, "PUBLIC DEMO"), "v1");
  assertEquals(v1.version, 1);
  assertEquals(v1.note, "PUBLIC DEMO");
  assertEquals(v1.hd, null);
  // Unchanged, a v1 document is written back as v1, note and all.
  assertEquals(walletDocToJson(v1, v1.imported[0]), walletToJson(keys, "PUBLIC DEMO"));
  const doc = hdDoc(WORDS, "", { doc: v1, secrets: v1.secrets! });
  const text = walletDocToJson(doc, new Wallet(doc).address);
  const back = parseWalletDoc(text, "v2");
  assertEquals(back.note, "PUBLIC DEMO");
  assertEquals(back.imported, v1.imported);
  assertEquals(back.secrets, doc.secrets);
  const sealed = sealDoc(back, back.secrets!, "pw", FAST);
  const sealedText = walletDocToJson(sealed, new Wallet(sealed).address);
  for (const secret of [WORDS.split(" ")[1], "0909090909"]) {
    assert(!sealedText.includes(secret), `encrypted file contains ${secret}`);
  }
  const reread = parseWalletDoc(sealedText, "enc");
  assert(reread.encrypted !== null && reread.secrets === null);
  for (const bad of ["", "{}", '{"format":"crackcoin-wallet/1","secretKey":"00"}', "[1]"]) {
    let threw: unknown;
    try {
      parseWalletDoc(bad, "bad.json");
    } catch (e) {
      threw = e;
    }
    assert(
      threw instanceof WalletError && threw.message.startsWith("Invalid wallet file bad.json"),
    );
  }
});
