/**
 * The event wording on a live double spend, through the command loops of real nodes on
 * loopback (free ports, broadcasts to 127.255.255.255 only). Two copies of the demo wallet
 * spend the genesis coin twice: A pays R 500 on the shared port and its confirmation makes
 * it confirmed at R; A2, on a port of its own, spends the same coin and mines more work,
 * then joins the shared port. R's payment is reversed, and R says so, naming the winner
 * and the work; A2 never announces the spend that lost on arrival.
 */
import { assert, assertEquals } from "../helpers/assert.ts";
import { NodeProc, runMain } from "../helpers/proc.ts";
import { freeUdpPort, LOOPBACK_BROADCAST } from "../helpers/net_fixtures.ts";
import { CONFIRM_WORK_BITS } from "../../lib/core/pow.ts";

const DEMO_WALLET = new URL("../../genesis/demo_wallet.json", import.meta.url).pathname;

function args(dir: string, port: number, extra: string[]): string[] {
  return [
    "--data",
    dir,
    "--port",
    String(port),
    "--broadcast",
    LOOPBACK_BROADCAST,
    "--quiet",
    ...extra,
  ];
}

/** ⌊log2⌋ of a transaction's cumulative weight, as `x TXID` shows it ("weight 2^24.31 hashes"). */
async function workOf(node: NodeProc, txid: string): Promise<number> {
  const m = await node.ask(
    `x ${txid}`,
    /^Status:\s+\w+, weight (?:0 \(no confirmation|(?:≥ )?2\^(\d+)\.\d\d hashes)/,
  );
  return Number(m[1] ?? 0);
}

Deno.test("a reversed payment is announced with the winner and the work; a lost spend is not", async () => {
  const root = await Deno.makeTempDir({ prefix: "crackcoin-ds-" });
  const shared = freeUdpPort(), alone = freeUdpPort();
  const procs: NodeProc[] = [];
  const start = async (a: string[]) => {
    const p = await NodeProc.startMain(a);
    procs.push(p);
    await p.waitFor(/^Listening on UDP/, 30_000);
    return p;
  };
  try {
    for (const d of ["a", "a2"]) {
      const imp = await runMain(["wallet", "--data", `${root}/${d}`, "--import", DEMO_WALLET]);
      assertEquals(imp.code, 0, imp.stderr);
    }
    const r = await start(args(`${root}/r`, shared, ["--miners", "0"]));
    const addrR = (await r.waitFor(/^Address: (C\w+)$/))[1];
    const a = await start(
      args(`${root}/a`, shared, ["--miners", "1", "--mine-cap", String(CONFIRM_WORK_BITS)]),
    );
    const payer = (await a.waitFor(/^Address: (C\w+)$/))[1];
    const tx1 = (await a.ask(`t ${addrR} 500`, /^txid ([0-9a-f]{64})/))[1];
    await r.waitFor(
      new RegExp(`^Payment of 500 from ${payer} confirmed \\(${tx1.slice(0, 16)}\\)$`),
      60_000,
    );
    const w1 = await workOf(r, tx1);
    await a.send("q");
    assertEquals((await a.close()).code, 0);

    // A2 spends the same coin, alone, and mines it past tx1's work.
    let a2 = await start(
      args(`${root}/a2`, alone, ["--miners", "1", "--mine-cap", String(w1 + 1)]),
    );
    const tx2 = (await a2.ask(`t ${payer} 700`, /^txid ([0-9a-f]{64})/))[1];
    const t0 = Date.now();
    let w2 = 0;
    while ((w2 = await workOf(a2, tx2)) <= w1) {
      assert(Date.now() - t0 < 180_000, `tx2 mined to ${w2}, not past ${w1}`);
      await new Promise((res) => setTimeout(res, 500));
    }
    await a2.send("q");
    assertEquals((await a2.close()).code, 0);

    // A2 joins the shared port: R learns tx2, which wins.
    a2 = await start(args(`${root}/a2`, shared, ["--miners", "0"]));
    const from = a2.lines.length;
    const reversed = `^Payment of 500 from ${payer} REVERSED: a conflicting spend ${tx2} won ` +
      `\\(weight 2\\^${w2} against 2\\^${w1}\\)$`;
    await r.waitFor(new RegExp(reversed), 60_000);
    // R's own view of the pair, with the reason.
    const shown = r.lines.length;
    await r.send(`x ${tx1.slice(0, 12)}`);
    await r.waitFor(/^Winner:/, 15_000, shown);
    const text = r.lines.slice(shown).join("\n");
    assert(text.includes(`Transaction ${tx1}`), text);
    assert(/^Status:\s+conflicted, weight 2\^[0-9.]+ hashes/m.test(text), text);
    assert(text.includes(`You:      received +500 from ${payer}`), text);
    assert(new RegExp(`^  ${tx2}  confirmed\\s+weight 2\\^${w2}\\.\\d\\d$`, "m").test(text), text);
    assert(
      text.includes(
        `Winner:   ${tx2.slice(0, 16)}, by more weight: weight 2^${w2} against 2^${w1}`,
      ),
      text,
    );
    // A2 received tx1, conflicted on arrival and never confirmed there: not announced.
    await a2.ask(`x ${tx1}`, /^Status:\s+conflicted/, 30_000);
    const a2Events = a2.lines.slice(from).filter((l) => /^(Payment|Your payment)/.test(l));
    assert(!a2Events.some((l) => l.includes(tx1.slice(0, 16))), a2Events.join("\n"));
    assertEquals(a2Events.filter((l) => l.includes("REVERSED")), []);
    // R's history: the reversed payment shows as received, conflicted.
    const hist = await r.ask(
      "l",
      new RegExp(
        `^${
          tx1.slice(0, 16)
        }\\s+conflicted\\s+≥?2\\^[0-9.]+\\s+.*received\\s+\\+500\\s+from ${payer}$`,
      ),
    );
    assert(hist);
  } finally {
    for (const p of procs) if (!p.exited) await p.kill("SIGKILL");
    await Deno.remove(root, { recursive: true });
  }
});
