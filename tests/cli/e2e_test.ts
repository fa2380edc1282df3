import { assert, assertEquals } from "../helpers/assert.ts";
import { DatabaseSync } from "node:sqlite";
import { BALANCE_LINE, NodeProc, runMain } from "../helpers/proc.ts";
import { freeUdpPort, LOOPBACK_BROADCAST } from "../helpers/net_fixtures.ts";

const DEMO_WALLET = new URL("../../genesis/demo_wallet.json", import.meta.url).pathname;
const SUPPLY = 1_000_000_000n;

async function tempDir(): Promise<string> {
  return await Deno.makeTempDir({ prefix: "crackcoin-e2e-" });
}

function integrity(path: string): string {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    return String(
      (db.prepare("PRAGMA integrity_check").get() as Record<string, unknown>)
        .integrity_check,
    );
  } finally {
    db.close();
  }
}

Deno.test("main.ts --help, --version and bad flags", async () => {
  const help = await runMain(["--help"]);
  assertEquals(help.code, 0);
  for (
    const flag of [
      "--data",
      "--port",
      "--bind",
      "--broadcast",
      "--peer",
      "--miners",
      "--genesis",
      "--quiet",
      "--json-log",
      "--daemon",
    ]
  ) {
    assert(help.stdout.includes(flag), `help mentions ${flag}`);
  }
  const version = await runMain(["--version"]);
  assertEquals(version.code, 0);
  assert(/^crackcoin \d+\.\d+\.\d+\n$/.test(version.stdout), version.stdout);
  const unknown = await runMain(["--frobnicate"]);
  assertEquals(unknown.code, 2);
  assert(unknown.stderr.includes("--frobnicate"), unknown.stderr);
  const badPort = await runMain(["--port", "70000"]);
  assertEquals(badPort.code, 2);
  assert(badPort.stderr.includes("Invalid --port"), badPort.stderr);
  const badPeer = await runMain(["--peer", "nohost"]);
  assertEquals(badPeer.code, 2);
  assert(badPeer.stderr.includes("Invalid --peer"), badPeer.stderr);
  const exportHelp = await runMain(["export", "--help"]);
  assertEquals(exportHelp.code, 0);
  assert(exportHelp.stdout.includes("export --data DIR"));
});

Deno.test("a first run creates the data directory, wallet and ledger; later runs reuse them", async () => {
  const parent = await tempDir();
  const dir = `${parent}/node`;
  try {
    const port = String(freeUdpPort());
    const args = [
      "--data",
      dir,
      "--port",
      port,
      "--broadcast",
      LOOPBACK_BROADCAST,
      "--miners",
      "0",
      "--quiet",
    ];
    const first = await runMain(args, "i\nq\n");
    assertEquals(first.code, 0, first.stderr);
    assert(first.stdout.includes(`Wallet: ${dir}/wallet.json (created)`), first.stdout);
    assert(first.stdout.includes(`Ledger: ${dir}/ledger.db`), first.stdout);
    const address = first.stdout.match(/^Address: (C\w+)$/m)?.[1];
    assert(address, "address printed");
    assertEquals((await Deno.stat(`${dir}/wallet.json`)).mode! & 0o777, 0o600);
    assertEquals((await Deno.stat(dir)).mode! & 0o777, 0o700);
    const again = await runMain(args, "q\n");
    assertEquals(again.code, 0, again.stderr);
    assert(again.stdout.includes("(loaded)"), again.stdout);
    assert(again.stdout.includes(`Address: ${address}`));
    const wallet = await runMain(["wallet", "--data", dir]);
    assertEquals(wallet.stdout.trim(), address);
    // The pipe closed without q: the node quits cleanly too.
    const eof = await runMain(args, "i\n");
    assertEquals(eof.code, 0, eof.stderr);
    assert(eof.stdout.includes("Stopped."));
  } finally {
    await Deno.remove(parent, { recursive: true });
  }
});

Deno.test("two nodes on loopback: a payment changes both balances; bad input; export; SIGTERM", async () => {
  const root = await tempDir();
  const dirA = `${root}/a`, dirB = `${root}/b`;
  const port = String(freeUdpPort());
  const common = ["--port", port, "--broadcast", LOOPBACK_BROADCAST, "--quiet"];
  let a: NodeProc | undefined, b: NodeProc | undefined;
  try {
    const imp = await runMain(["wallet", "--data", dirA, "--import", DEMO_WALLET]);
    assertEquals(imp.code, 0, imp.stderr);
    const again = await runMain(["wallet", "--data", dirA, "--import", DEMO_WALLET]);
    assertEquals(again.code, 1);
    assert(again.stderr.includes("Refusing to overwrite"), again.stderr);

    a = await NodeProc.startMain(["--data", dirA, ...common, "--miners", "1"]);
    b = await NodeProc.startMain(["--data", dirB, ...common, "--miners", "0"]);
    const addrB = (await b.waitFor(/^Address: (C\w+)$/))[1];
    const info = await a.ask("i", BALANCE_LINE);
    assertEquals(BigInt(info[1]), SUPPLY);

    // Bad input gets its message and changes nothing.
    const mistyped = addrB.slice(0, -1) + (addrB.endsWith("a") ? "b" : "a");
    await a.ask(`t ${mistyped} 5`, /Invalid address .*checksum/);
    await a.ask(`t ${addrB} -5`, /Invalid amount "-5"/);
    await a.ask(`t ${addrB} 0`, /Invalid amount "0"/);
    await a.ask(`t ${addrB} 12.5`, /Invalid amount "12.5"/);
    await a.ask(`t ${addrB} ${SUPPLY + 1n}`, /Insufficient funds/);
    await a.ask(`t ${addrB}`, /Usage: t ADDRESS AMOUNT/);
    await a.ask("zz", /Unknown command "zz"/);

    // The prompted form: t, then the address, then the amount, one per line.
    const from = a.lines.length;
    await a.send("t");
    await a.send(addrB);
    await a.send("1234");
    const txid = (await a.waitFor(/^txid ([0-9a-f]{64})/, 15_000, from))[1];
    const short = txid.slice(0, 16);
    await a.waitFor(
      new RegExp(`^Your payment of 1234 to ${addrB} confirmed \\(${short}\\)$`),
      30_000,
    );
    await b.waitFor(new RegExp(`^Payment received: \\+1234 from C\\w+ in ${short} \\(pending\\)$`));
    await b.waitFor(new RegExp(`^Payment of 1234 from C\\w+ confirmed \\(${short}\\)$`), 30_000);
    const infoB = await b.ask("i", BALANCE_LINE);
    assertEquals(infoB.slice(1, 5), ["1234", "1234", "0", "0"]);
    // Paying never makes your own money look pending: the change is spendable.
    const infoA = await a.ask("i", BALANCE_LINE);
    assertEquals(BigInt(infoA[1]), SUPPLY - 1234n);
    assertEquals(infoA[4], "0");
    await b.ask("l", /confirmed/);
    await a.ask("m", /^Found:\s+\d+ confirmations/);
    await b.ask("p", /^Peers \(1\):/);

    // export works while the node runs, in the docs/ARCHITECTURE.md "Command line" shape.
    const ex = await runMain(["export", "--data", dirB]);
    assertEquals(ex.code, 0, ex.stderr);
    const doc = JSON.parse(ex.stdout);
    assertEquals(doc.wallet.address, addrB);
    assert(/^[0-9a-f]{16}$/.test(doc.network));
    assertEquals(doc.supply, { genesis: String(SUPPLY), unspent: String(SUPPLY), ok: true });
    assertEquals(doc.balances[addrB], "1234");
    const tx = doc.transactions.find((t: { txid: string }) => t.txid === txid);
    assertEquals(tx.status, "confirmed");
    assert(tx.work >= 20 && Number.isInteger(tx.timestamp));
    assertEquals(tx.inputs.length, 1);
    assert(/^[0-9a-f]{64}$/.test(tx.inputs[0].txid) && tx.inputs[0].index === 0);
    assertEquals(tx.outputs[0], { amount: "1234", address: addrB });
    for (const t of doc.transactions) {
      assert(["pending", "confirmed", "conflicted", "orphan"].includes(t.status));
      for (const o of t.outputs) assert(typeof o.amount === "string");
    }

    // SIGTERM: exit 0 and a healthy ledger.
    const st = await b.kill("SIGTERM");
    b = undefined;
    assertEquals(st.code, 0);
    assertEquals(integrity(`${dirB}/ledger.db`), "ok");
    const sa = await a.kill("SIGINT");
    a = undefined;
    assertEquals(sa.code, 0);
    assertEquals(integrity(`${dirA}/ledger.db`), "ok");
  } finally {
    if (a) await a.kill("SIGKILL");
    if (b) await b.kill("SIGKILL");
    await Deno.remove(root, { recursive: true });
  }
});
