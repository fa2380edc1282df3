/**
 * The web page in a real Chromium (Debian's `chromium`, driven by playwright-core): node A's
 * page shows the balance; a payment to node B sent through the form shows as confirmed on
 * both pages; after a double spend the inspector on the loser names the winner and both
 * weights. Screenshots go to docs/img/. Installs chromium with apt-get when it is missing and
 * the test runs as root; otherwise it says why it skips.
 * @module
 */
import type { BrowserContext, Page } from "playwright-core";
import { assert, assertEquals } from "../helpers/assert.ts";
import { freeUdpPort } from "../helpers/net_fixtures.ts";
import { type HttpNode, importDemoWallet, startHttpNode, SUPPLY, until } from "./http_fixtures.ts";
import { CHROMIUM, CHROMIUM_ARGS, ensureChromium, loadChromium, present } from "./chromium.ts";

/** Where screenshots go: docs/img/ with UPDATE_SCREENSHOTS=1, else a temporary folder. */
const DOCS_IMG = new URL("../../docs/img/", import.meta.url).pathname;

const digits = (s: string | null) => (s ?? "").replace(/\D/g, "");

async function openPage(
  ctx: BrowserContext,
  node: HttpNode,
  problems: string[],
): Promise<Page> {
  const page = await ctx.newPage();
  page.on("console", (m) => {
    if (m.type() === "error") {
      problems.push(`${node.address.slice(0, 6)}: ${m.text()}`);
    }
  });
  page.on(
    "pageerror",
    (e) => problems.push(`${node.address.slice(0, 6)}: ${e.message}`),
  );
  await page.setViewportSize({ width: 1400, height: 900 });
  await page.goto(`${node.base}/#token=${node.token}`);
  return page;
}

/** Waits until the history row of `txid` on `page` shows `status`. */
async function rowStatus(
  page: Page,
  txid: string,
  status: string,
  ms: number,
): Promise<void> {
  await page.locator(
    `[data-testid=history] tr[data-txid="${txid}"] [data-testid=status]`,
    {
      hasText: status,
    },
  ).waitFor({ timeout: ms });
}

Deno.test({
  name:
    "browser: balance, a payment through the form confirmed on both pages, the inspector on a double spend",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const why = await ensureChromium();
    if (why) {
      console.log(`skipped: ${why}`);
      return;
    }
    const dist = new URL("../../web/dist/index.html", import.meta.url).pathname;
    if (!(await present(dist))) {
      console.log("skipped: web/dist is not built (run `deno task web`)");
      return;
    }
    const root = await Deno.makeTempDir({ prefix: "crackcoin-browser-" });
    const port = freeUdpPort();
    const nodes: HttpNode[] = [];
    let ctx: BrowserContext | undefined;
    const problems: string[] = [];
    try {
      await importDemoWallet(`${root}/a`);
      await importDemoWallet(`${root}/twin`);
      const a = await startHttpNode(`${root}/a`, port, { miners: 1 });
      nodes.push(a);
      const b = await startHttpNode(`${root}/b`, port);
      nodes.push(b);
      let twin = await startHttpNode(`${root}/twin`, freeUdpPort());
      nodes.push(twin);
      const IMG = Deno.env.get("UPDATE_SCREENSHOTS") === "1" ? DOCS_IMG : `${root}/img/`;
      await Deno.mkdir(IMG, { recursive: true });
      ctx = await (await loadChromium()).launchPersistentContext(`${root}/profile`, {
        executablePath: CHROMIUM,
        args: CHROMIUM_ARGS,
        headless: true,
      });

      // A's page reads the balance: the whole genesis supply.
      const pa = await openPage(ctx, a, problems);
      const balance = pa.getByTestId("balance-confirmed");
      await until(
        async () => digits(await balance.textContent()) === String(SUPPLY) || undefined,
        15_000,
        "A's balance",
      );
      assertEquals(
        await pa.getByTestId("wallet-address").textContent(),
        a.address,
      );
      assert(
        !(await pa.url()).includes("#token"),
        "the token leaves the address bar",
      );
      const pb = await openPage(ctx, b, problems);
      await pb.getByTestId("balance-confirmed").waitFor();

      // The form refuses a mistyped address before anything is sent.
      const mistyped = b.address.slice(0, -1) +
        (b.address.endsWith("a") ? "b" : "a");
      await pa.getByTestId("send-address").fill(mistyped);
      await pa.getByTestId("send-amount").fill("1234");
      await pa.getByTestId("send-review").click();
      const err = await pa.getByTestId("send-error").textContent();
      assert(err?.includes("checksum"), `client-side checksum check: ${err}`);
      assertEquals(
        (await a.api("info")).body.ledger.count,
        1,
        "nothing was sent",
      );

      // Review, confirm: the txid comes back; both pages show it confirmed.
      await pa.getByTestId("send-address").fill(b.address);
      await pa.getByTestId("send-review").click();
      const box = await pa.getByTestId("send-confirm-box").textContent();
      assert(
        box?.includes(b.address) && digits(box).includes("1234"),
        `review step: ${box}`,
      );
      await pa.getByTestId("send-confirm").click();
      const txid = (await pa.getByTestId("send-txid").locator("code").textContent())!;
      assert(/^[0-9a-f]{64}$/.test(txid), txid);
      await rowStatus(pa, txid, "confirmed", 60_000);
      await rowStatus(pb, txid, "confirmed", 60_000);
      await until(
        async () =>
          digits(await pb.getByTestId("balance-confirmed").textContent()) ===
            "1234" || undefined,
        15_000,
        "B's balance",
      );
      await pa.screenshot({ path: `${IMG}wallet.png` });

      // A double spend: the twin (A's wallet, another network port) spends the same genesis
      // coin, then joins; A's spend has the work, the twin's loses.
      const t1 = await twin.api("send", {
        body: { address: twin.address, amount: "777" },
      });
      assertEquals(t1.status, 200);
      const loser: string = t1.body.txid;
      await twin.proc.kill("SIGTERM");
      nodes.splice(nodes.indexOf(twin), 1);
      twin = await startHttpNode(`${root}/twin`, port);
      nodes.push(twin);
      const detail = await until(
        async () => {
          const r = await a.api(`tx/${loser}`);
          return r.status === 200 && r.body.status === "conflicted" ? r.body : undefined;
        },
        60_000,
        "A to hold the twin's spend as conflicted",
      );
      const [win, lose] = detail.conflicts[0].spenders;
      assertEquals(win.txid, txid);

      // The inspector on the loser (from the history, where it shows as conflicted).
      await rowStatus(pa, loser, "conflicted", 15_000);
      await pa.locator(`[data-testid=history] tr[data-txid="${loser}"]`)
        .click();
      const insp = pa.getByTestId("inspector");
      await insp.getByTestId("conflict-reason").waitFor({ timeout: 15_000 });
      const reason = (await insp.getByTestId("conflict-reason").textContent())!;
      assert(
        reason.includes(txid.slice(0, 16)) && reason.includes("more weight"),
        reason,
      );
      // Cumulative weight (protocol v2) keeps growing while A mines: the winner shows at least
      // what the API said a moment ago, the loser (never approved) what it had.
      const weights = await insp.getByTestId("spender-weight").allTextContents();
      assertEquals(weights.length, 2);
      assert(BigInt(weights[0]) >= BigInt(win.weight), `${weights[0]} < ${win.weight}`);
      assertEquals(weights[1], lose.weight);
      const ids = await insp.getByTestId("spender-txid").allTextContents();
      assertEquals(ids, [txid.slice(0, 16), loser.slice(0, 16)]);
      // The sentence names both weights as shown (read together: the inspector refreshes).
      const shown = await insp.evaluate((el) => ({
        reason: el.querySelector("[data-testid=conflict-reason]")?.textContent ?? "",
        weights: [...el.querySelectorAll("[data-testid=spender-weight]")].map((w) =>
          w.textContent ?? ""
        ),
      }));
      assert(
        shown.weights.length === 2 && shown.weights.every((w) => shown.reason.includes(w)),
        JSON.stringify(shown),
      );
      await pa.screenshot({ path: `${IMG}inspector.png` });

      // The explorer draws the window with the conflict, and a few more payments each way.
      for (
        const [from, to, amount] of [[a, b, "50"], [b, a, "20"], [a, b, "7"], [b, a, "3"]] as const
      ) {
        const r = await from.api("send", { body: { address: to.address, amount } });
        assertEquals(r.status, 200, JSON.stringify(r.body));
        await until(
          async () => (await to.api(`tx/${r.body.txid}`)).status === 200 || undefined,
          15_000,
          "relay",
        );
      }
      await insp.locator("button.close").click();
      await pa.getByTestId("tab-explorer").click();
      await pa.getByTestId("graph-info").filter({ hasText: "7 of 7 transactions shown" })
        .waitFor({ timeout: 15_000 });
      await pa.getByTestId("graph-info").filter({ hasText: "1 conflicts" }).waitFor();
      await pa.getByTestId("graph-info").filter({ hasText: / \d+ approvals,/ }).waitFor();
      await pa.locator("[data-testid=graph] canvas").first().waitFor();
      await pa.screenshot({ path: `${IMG}explorer.png` });
      await pa.getByTestId("tab-network").click();
      await pa.getByTestId("hashrate-chart").waitFor({ timeout: 15_000 });
      await new Promise((r) => setTimeout(r, 4500));
      await pa.screenshot({ path: `${IMG}network.png` });

      // The strict CSP let everything the page needs run: no violations, no script errors.
      assertEquals(problems, []);
    } finally {
      await ctx?.close();
      for (const n of nodes) await n.proc.kill("SIGKILL").catch(() => {});
      await Deno.remove(root, { recursive: true });
    }
  },
});
