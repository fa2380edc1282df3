/**
 * Tests for `deno task genesis` (genesis/make.ts) and the shipped default network.
 * Searches run real Web Workers; mining uses 12 bits so each run takes well under a second.
 */
import { addressFromPublicKey, encodeBase58 } from "../../lib/core/address.ts";
import { genesisFromJson } from "../../lib/core/genesis.ts";
import { bytesEqual, hash160, toHex } from "../../lib/core/hash.ts";
import { confirmationWork } from "../../lib/core/pow.ts";
import { loadDefaultGenesis, loadGenesisFile } from "../../lib/ledger/genesis_file.ts";
import { loadWallet } from "../../lib/wallet/wallet_file.ts";
import {
  formatProgress,
  makeNetwork,
  parseGenesisArgs,
  resolveOutDir,
  UsageError,
} from "../../genesis/make.ts";
import { firstPrefixCharacters, planPrefix, PrefixError } from "../../genesis/prefix.ts";
import { findVanityKey, mineNonce, type SearchProgress } from "../../genesis/search.ts";
import { fileURLToPath } from "node:url";
import { assert, assertEquals, assertRejects, assertThrows } from "../helpers/assert.ts";

const WORKERS = 2;
const ROOT = new URL("../../", import.meta.url);

async function withTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "crackcoin-genesis-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("planPrefix() rejects characters outside Base58, naming the character", () => {
  for (const c of ["0", "O", "I", "l"]) {
    const e = assertThrows(() => planPrefix(`a${c}`), PrefixError, `character "${c}"`);
    assert(e.message.includes("position 2"), e.message);
  }
  assertThrows(() => planPrefix("a-b"), PrefixError, `"-" at position 2`);
  assertThrows(() => planPrefix("é"), PrefixError, "not in the Base58 alphabet");
});

Deno.test("planPrefix() derives the reachable first characters from the payload bounds", () => {
  // Independent of prefix.ts: the smallest and largest 25-byte numbers with version 0x1c.
  const lo = new Uint8Array(25);
  const hi = new Uint8Array(25).fill(0xff);
  lo[0] = hi[0] = 0x1c;
  const [a, b] = [encodeBase58(lo), encodeBase58(hi)];
  assertEquals([a[0], b[0], a.length, b.length], ["C", "C", 34, 34]);
  const alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
  const expected = alphabet.slice(alphabet.indexOf(a[1]), alphabet.indexOf(b[1]) + 1);
  assertEquals(firstPrefixCharacters(), expected);
  assertEquals(expected, "GHJKLMNPQRSTUVWXYZabcdef");
});

Deno.test("planPrefix() rejects prefixes the version byte makes impossible", () => {
  for (const p of ["1", "9", "F", "g", "z"]) {
    const e = assertThrows(() => planPrefix(p), PrefixError, "Impossible prefix");
    assert(e.message.includes("G…f"), e.message);
  }
  // "CG" is followed at least by "T" (min address CGTta3M4…), "Cf" at most by "o" (CfoVZ9…).
  assertThrows(() => planPrefix("G1"), PrefixError, `after "CG" only T…z`);
  assertThrows(() => planPrefix("fz"), PrefixError, `after "Cf" only 1…o`);
  planPrefix("GT");
  planPrefix("fo");
});

Deno.test("planPrefix() rejects prefixes over 8 characters with a tries estimate", () => {
  const e = assertThrows(() => planPrefix("abcdefghi"), PrefixError, "too long");
  assert(/about [0-9.]+e\+1[45] expected tries/.test(e.message), e.message);
  planPrefix("abcdefgh");
});

Deno.test("planPrefix() expected tries follow 58^len adjusted for the first position", () => {
  assertEquals(planPrefix("").expectedTries, 1);
  const one = planPrefix("a").expectedTries;
  assert(one > 20 && one < 26, `one character: ${one}`);
  const two = planPrefix("ab").expectedTries;
  assert(Math.abs(two / one - 58) < 0.01, `two / one = ${two / one}`);
  // Edge characters are only partly reachable, so they cost more.
  assert(planPrefix("G").expectedTries > one, "G is partly reachable");
});

Deno.test("findVanityKey() finds 1- and 2-character prefixes on real workers", async () => {
  for (const prefix of ["e", "Zo"]) {
    const seen: SearchProgress[] = [];
    const r = await findVanityKey(planPrefix(prefix), {
      workers: WORKERS,
      onProgress: (p) => seen.push(p),
    });
    assert(r.address.startsWith("C" + prefix), r.address);
    assertEquals(addressFromPublicKey(r.keys.publicKey), r.address);
    assert(r.stats.tried >= 1, "counts keys");
    assert(seen.at(-1)?.done === true, "final progress call");
  }
});

Deno.test("mineNonce() reaches the wanted work, checked by confirmationWork", async () => {
  const txid = new Uint8Array(32).fill(0xab);
  const r = await mineNonce(txid, 12, { workers: WORKERS });
  assert(r.work >= 12, `work ${r.work}`);
  assertEquals(confirmationWork(txid, r.nonce), r.work);
  await assertRejects(() => mineNonce(txid, 41, { workers: 1 }), RangeError, "0..40");
});

Deno.test("findVanityKey() stops its workers when aborted", async () => {
  const ac = new AbortController();
  setTimeout(() => ac.abort(new Error("stop")), 200);
  await assertRejects(
    () => findVanityKey(planPrefix("abcdefgh"), { workers: WORKERS, signal: ac.signal }),
    Error,
    "stop",
  );
});

Deno.test("makeNetwork() writes a valid genesis and a 0600 wallet that owns it", async () => {
  await withTempDir(async (tmp) => {
    const out = `${tmp}/net`;
    const r = await makeNetwork(
      { prefix: "a", workers: WORKERS, supply: 123456789n, work: 12, out },
      { now: () => 1_800_000_000_000 },
    );
    assert(r.address.startsWith("Ca"), r.address);

    const g = await loadGenesisFile(r.genesisPath);
    const json = JSON.parse(await Deno.readTextFile(r.genesisPath));
    assertEquals(toHex(genesisFromJson(json).txid), toHex(g.txid));
    assertEquals(json.address, r.address);
    assertEquals(json.network, toHex(g.txid).slice(0, 16));
    assertEquals([g.tx.version, g.tx.timestamp, g.tx.inputs.length], [1, 1_800_000_000_000, 0]);
    assertEquals(g.supply, 123456789n);
    assert(g.work >= 12, `work ${g.work}`);
    assertEquals(confirmationWork(g.txid, g.nonce), g.work);

    if (Deno.build.os !== "windows") {
      assertEquals((await Deno.stat(r.walletPath)).mode! & 0o777, 0o600);
    }
    const w = await loadWallet(r.walletPath);
    assertEquals(w.address, r.address);
    assertEquals(g.tx.outputs.length, 1);
    assert(bytesEqual(g.tx.outputs[0].address, hash160(w.keys.publicKey)), "wallet owns output");
    assertEquals(r.command, `deno task start --data ${out} --genesis ${out}/genesis.json`);

    // A second run into the same directory is refused before any search starts.
    const t0 = performance.now();
    await assertRejects(
      () => makeNetwork({ prefix: "abcdefgh", workers: 1, supply: 1n, work: 40, out }),
      Error,
      "Refusing to overwrite the existing genesis file",
    );
    assert(performance.now() - t0 < 1000, "fails fast");
  });
});

Deno.test("makeNetwork() refuses an existing wallet.json and leaves it untouched", async () => {
  await withTempDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/wallet.json`, "mine");
    await assertRejects(
      () => makeNetwork({ prefix: "", workers: 1, supply: 1n, work: 1, out: dir }),
      Error,
      "existing wallet file",
    );
    assertEquals(await Deno.readTextFile(`${dir}/wallet.json`), "mine");
  });
});

Deno.test("parseGenesisArgs() applies defaults and validates every flag", () => {
  const d = parseGenesisArgs([]);
  assert(d !== "help");
  assertEquals(d, {
    prefix: "",
    workers: Math.max(1, navigator.hardwareConcurrency),
    supply: 1_000_000_000n,
    work: 24,
    out: "./genesis-out",
  });
  assertEquals(parseGenesisArgs(["--help"]), "help");
  const o = parseGenesisArgs(["--prefix=ab", "--workers", "3", "--supply", "42", "--work", "12"]);
  assert(o !== "help");
  assertEquals([o.prefix, o.workers, o.supply, o.work], ["ab", 3, 42n, 12]);
  const bad: [string[], string][] = [
    [["--prefix", "0"], `character "0"`],
    [["--prefix", "l"], `character "l"`],
    [["--prefix", "1"], "Impossible prefix"],
    [["--prefix", "abcdefghij"], "too long"],
    [["--workers", "0"], "--workers"],
    [["--workers", "two"], "--workers"],
    [["--work", "41"], "--work"],
    [["--work", "-3"], "--work"],
    [["--supply", "0"], "--supply"],
    [["--supply", "2100000000000000001"], "--supply"],
    [["--out", ""], "--out"],
    [["--bogus"], "Unknown option"],
    [["stray"], "Unexpected argument"],
  ];
  for (const [args, msg] of bad) assertThrows(() => parseGenesisArgs(args), UsageError, msg);
});

Deno.test("resolveOutDir() resolves relative paths against INIT_CWD", () => {
  assertEquals(resolveOutDir("./x", "/home/u"), "/home/u/x");
  assertEquals(resolveOutDir("/abs/x", "/home/u"), "/abs/x");
});

Deno.test("formatProgress() shows tries, rate, expected, elapsed and ETA", () => {
  const line = formatProgress({
    phase: "vanity",
    tried: 20_000,
    elapsedMs: 2000,
    expected: 80_000,
    done: false,
  });
  assertEquals(
    line,
    "vanity address: 20,000 keys, 10,000 keys/s, expected 80,000, 2.0 s elapsed, ETA 6.0 s",
  );
});

Deno.test("the default genesis validates, has work >= 20, and the demo wallet owns it", async () => {
  const g = await loadDefaultGenesis();
  assert(g.work >= 20, `default genesis work ${g.work}`);
  assertEquals(confirmationWork(g.txid, g.nonce), g.work);
  const json = JSON.parse(await Deno.readTextFile(new URL("genesis/genesis.json", ROOT)));
  assertEquals(json.network, toHex(g.network));
  const demo = await loadWallet(fileURLToPath(new URL("genesis/demo_wallet.json", ROOT)));
  assertEquals(g.tx.outputs.length, 1);
  assert(bytesEqual(g.tx.outputs[0].address, hash160(demo.keys.publicKey)), "demo owns genesis");
  assertEquals(demo.address, json.address);
  const note = JSON.parse(await Deno.readTextFile(new URL("genesis/demo_wallet.json", ROOT))).note;
  assert(/PUBLIC/.test(note) && /worthless/.test(note), "marked public and worthless");
});

const canRun = (await Deno.permissions.query({ name: "run" })).state === "granted";

Deno.test({
  name: "genesis/make.ts exits 2 on bad flags and 0 with the start command (subprocess)",
  ignore: !canRun,
  fn: async () => {
    const script = fileURLToPath(new URL("genesis/make.ts", ROOT));
    const run = (args: string[]) =>
      new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "--allow-read",
          "--allow-write",
          "--allow-env",
          "--allow-sys",
          script,
          ...args,
        ],
        stdout: "piped",
        stderr: "piped",
      }).output();
    const dec = new TextDecoder();
    for (const args of [["--prefix", "O"], ["--wat"], ["--workers", "x"]]) {
      const r = await run(args);
      assertEquals(r.code, 2, args.join(" "));
      assert(dec.decode(r.stderr).startsWith("genesis: "), dec.decode(r.stderr));
    }
    await withTempDir(async (dir) => {
      const r = await run(["--prefix", "b", "--workers", "2", "--work", "10", "--out", dir]);
      const out = dec.decode(r.stdout);
      assertEquals(r.code, 0, dec.decode(r.stderr));
      assert(out.includes(`deno task start --data ${dir} --genesis ${dir}/genesis.json`), out);
      assert(/Network id: +[0-9a-f]{16}/.test(out), out);
      assert(/Address: +Cb/.test(out), out);
    });
  },
});

Deno.test({
  name: "findVanityKey() and mineNonce() let the process exit after an abort (subprocess)",
  ignore: !canRun,
  fn: async () => {
    // Deno 2.9 does not stop a worker stuck in a synchronous loop on terminate(); the
    // workers must yield, or this child would never exit.
    const search = new URL("genesis/search.ts", ROOT).href;
    const prefix = new URL("genesis/prefix.ts", ROOT).href;
    const code = `
      import { findVanityKey, mineNonce } from "${search}";
      import { planPrefix } from "${prefix}";
      for (const run of [
        (signal) => findVanityKey(planPrefix("abcdefgh"), { workers: 2, signal }),
        (signal) => mineNonce(new Uint8Array(32), 40, { workers: 2, signal }),
      ]) {
        await run(AbortSignal.timeout(300)).catch((e) => console.log(e.name));
      }`;
    const r = await new Deno.Command(Deno.execPath(), {
      args: ["eval", "--ext=js", code],
      cwd: fileURLToPath(ROOT),
      stdout: "piped",
      stderr: "piped",
      signal: AbortSignal.timeout(30_000),
    }).output();
    const dec = new TextDecoder();
    assertEquals(r.code, 0, dec.decode(r.stderr));
    assertEquals(dec.decode(r.stdout), "TimeoutError\nTimeoutError\n");
  },
});
