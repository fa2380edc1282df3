/**
 * The local API against real node subprocesses on loopback: authentication, the Host check,
 * every endpoint and its errors, the SSE stream during a payment, a double spend explained,
 * `crackcoin rpc` against a --daemon node, and the refused non-loopback bind.
 * @module
 */
import { assert, assertEquals } from "../helpers/assert.ts";
import { type NodeProc, runMain } from "../helpers/proc.ts";
import { freeUdpPort, LOOPBACK_BROADCAST } from "../helpers/net_fixtures.ts";
import { OPENAPI } from "../../lib/http/openapi.ts";
import { CONFIRM_WEIGHT_BITS } from "../../lib/core/pow.ts";
import { addressFromPublicKey } from "../../lib/core/address.ts";
import { testKeys } from "../helpers/fixtures.ts";
import {
  collectEvents,
  DEMO_WALLET,
  type HttpNode,
  importDemoWallet,
  type Json,
  rawStatus,
  startHttpNode,
  SUPPLY,
  until,
} from "./http_fixtures.ts";

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

Deno.test("api: token, Host check, every endpoint, SSE of a payment, double spend explained", async () => {
  const root = await Deno.makeTempDir({ prefix: "crackcoin-api-" });
  const port = freeUdpPort();
  const nodes: HttpNode[] = [];
  try {
    await importDemoWallet(`${root}/a`);
    await importDemoWallet(`${root}/twin`);
    const a = await startHttpNode(`${root}/a`, port, { miners: 1 });
    nodes.push(a);
    const b = await startHttpNode(`${root}/b`, port);
    nodes.push(b);
    // The twin holds A's wallet on a network port of its own: it cannot hear A (yet).
    let twin = await startHttpNode(`${root}/twin`, freeUdpPort());
    nodes.push(twin);

    // Credentials: DATA/.cookie is the token, 0600; DATA/.http says where to connect.
    assertEquals(await Deno.readTextFile(`${a.dir}/.cookie`), a.token);
    assertEquals((await Deno.stat(`${a.dir}/.cookie`)).mode! & 0o777, 0o600);
    assertEquals(
      `http://${(await Deno.readTextFile(`${a.dir}/.http`)).trim()}`,
      a.base,
    );
    assert(a.token !== b.token, "every node has its own token");

    // No token, a wrong token, another node's token: 401 with a code.
    const none = await fetch(`${a.base}/api/v1/info`);
    assertEquals(none.status, 401);
    assertEquals((await none.json()).error.code, "unauthorized");
    const wrong = await fetch(`${a.base}/api/v1/info`, {
      headers: { authorization: `Bearer ${b.token}` },
    });
    assertEquals(wrong.status, 401);
    await wrong.body?.cancel();
    const basic = await fetch(`${a.base}/api/v1/info`, {
      headers: { authorization: `Basic ${a.token}` },
    });
    assertEquals(basic.status, 401);
    await basic.body?.cancel();

    // Host: a DNS name (DNS rebinding) or another port is refused, even with the token.
    const p = new URL(a.base).port;
    assertEquals(
      await rawStatus(a.base, "/api/v1/info", `evil.example:${p}`, a.token),
      403,
    );
    assertEquals(
      await rawStatus(a.base, "/api/v1/info", `127.0.0.1:1`, a.token),
      403,
    );
    assertEquals(
      await rawStatus(a.base, "/", `rebind.attacker.test:${p}`),
      403,
    );
    assertEquals(
      await rawStatus(a.base, "/api/v1/info", `localhost:${p}`, a.token),
      200,
    );
    assertEquals(
      await rawStatus(a.base, "/api/v1/info", `127.0.0.1:${p}`, a.token),
      200,
    );

    // info includes the wallet address; balance has the split.
    const info = await a.api("info");
    assertEquals(info.status, 200);
    assertEquals(info.body.address, a.address);
    assertEquals(BigInt(info.body.balance.confirmed), SUPPLY);
    assert(/^[0-9a-f]{16}$/.test(info.body.network));
    const bal = await a.api("balance");
    assertEquals(bal.body.spendable, String(SUPPLY));
    assertEquals(bal.body.address, a.address);
    assertEquals(
      (await a.api("addresses")).body.addresses[0].address,
      a.address,
    );
    // Receive: B's HD wallet hands out a fresh address each time, all of them its own; A's
    // wallet of one imported key (the demo wallet) has only its own address to give.
    const r1 = (await b.api("receive")).body.address, r2 = (await b.api("receive")).body.address;
    assert(r1 !== r2 && r1 !== b.address, `fresh addresses: ${b.address} ${r1} ${r2}`);
    const listed = (await b.api("addresses")).body.addresses.map((x: Json) => x.address);
    assert([b.address, r1, r2].every((x) => listed.includes(x)), JSON.stringify(listed));
    assertEquals((await b.api("info")).body.address, r2, "info shows the current one");
    assertEquals((await a.api("receive")).body.address, a.address);

    // Bad payments: 400 with a stable code, nothing sent.
    const bad = async (body: unknown, code: string, status = 400) => {
      const r = await a.api("send", { body });
      assertEquals(
        [r.status, r.body.error.code],
        [status, code],
        JSON.stringify(r.body),
      );
    };
    const mistyped = b.address.slice(0, -1) +
      (b.address.endsWith("a") ? "b" : "a");
    await bad({ address: b.address, amount: "-5" }, "bad-amount");
    await bad({ address: b.address, amount: "0" }, "bad-amount");
    await bad({ address: b.address, amount: "12.5" }, "bad-amount");
    await bad({ address: b.address }, "bad-amount");
    await bad({ address: mistyped, amount: "5" }, "bad-address");
    await bad(
      { address: b.address, amount: String(SUPPLY + 1n) },
      "insufficient-funds",
    );
    await bad([1, 2], "bad-request");
    const form = await fetch(`${a.base}/api/v1/send`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${a.token}`,
        "content-type": "application/x-www-form-urlencoded",
      },
      body: `address=${b.address}&amount=5`,
    });
    assertEquals([form.status, (await form.json()).error.code], [
      415,
      "unsupported-media-type",
    ]);
    const big = await a.api("send", {
      body: { address: b.address, amount: "1", pad: "x".repeat(20_000) },
    });
    assertEquals([big.status, big.body.error.code], [413, "payload-too-large"]);
    assertEquals((await a.api("send")).status, 405);
    assertEquals((await a.api("info", { method: "POST" })).status, 405);
    assertEquals((await a.api("tx/xyz")).status, 400);
    assertEquals((await a.api(`tx/${"0".repeat(64)}`)).status, 404);
    assertEquals((await a.api("nope")).body.error.code, "not-found");
    assertEquals((await a.api("history?limit=abc")).status, 400);
    assertEquals((await a.api(`history?address=${mistyped}`)).status, 400);
    assertEquals(
      (await a.api("info")).body.ledger.count,
      1,
      "no bad payment was stored",
    );

    // Hostile requests: odd paths, methods and bodies get an answer (mostly a 4xx), never a
    // crash or a 5xx, and store nothing.
    const chars = "%/.a0:?#&=\\\u00e9z~";
    const rnd = (n: number) =>
      Array.from({ length: n }, () => chars.charAt(Math.floor(Math.random() * chars.length)))
        .join("");
    const bodies = [undefined, "{", "null", "[]", `{"address":1,"amount":{}}`, "\u0000".repeat(99)];
    for (let i = 0; i < 150; i++) {
      const path = ["tx/", "history?limit=", "graph?address=", "send", "", "events/"][i % 6] +
        rnd(i % 40);
      const method = ["GET", "POST", "PUT", "DELETE"][i % 4];
      const r = await fetch(`${a.base}/api/v1/${path}`, {
        method,
        headers: { authorization: `Bearer ${a.token}`, "content-type": "application/json" },
        body: method === "GET" ? undefined : bodies[i % bodies.length],
      }).catch(() => null);
      if (r === null) continue; // a URL that fetch itself refuses
      await r.body?.cancel();
      assert(r.status >= 200 && r.status < 500, `${method} /api/v1/${path}: ${r.status}`);
    }
    assertEquals((await a.api("info")).body.ledger.count, 1, "the node answers and stored nothing");

    // A payment A -> B through the API; both SSE streams report it.
    const evA = collectEvents(a.base, a.token),
      evB = collectEvents(b.base, b.token);
    try {
      await new Promise((r) => setTimeout(r, 300));
      const sent = await a.api("send", {
        body: { address: b.address, amount: "1234" },
      });
      assertEquals(sent.status, 200, JSON.stringify(sent.body));
      const txid: string = sent.body.txid;
      assert(/^[0-9a-f]{64}$/.test(txid));
      const has = (
        ev: { events: { kind: string; txid: string }[] },
        kind: string,
      ) => ev.events.some((e) => e.kind === kind && e.txid === txid) || undefined;
      await until(() => has(evA, "sent"), 10_000, "A's sent event");
      await until(() => has(evB, "received"), 20_000, "B's received event");
      await until(() => has(evB, "confirmed"), 60_000, "B's confirmed event");
      await until(() => has(evA, "confirmed"), 20_000, "A's confirmed event");
      assertEquals(
        evB.events.find((e) => e.kind === "received")!.amount,
        "1234",
      );
      await until(
        () => evB.events.some((e) => e.kind === "ledger") || undefined,
        10_000,
        "B's ledger event",
      );
      assertEquals(evA.events.find((e) => e.kind === "sent")!.amount, "-1234");

      const tb = await b.api(`tx/${txid}`);
      assertEquals(tb.body.status, "confirmed");
      // Confirmed: cumulative weight at least 2^CONFIRM_WEIGHT_BITS; work is floor(log2 weight).
      const weight = BigInt(tb.body.weight), work = tb.body.work;
      assert(work >= CONFIRM_WEIGHT_BITS, `work ${work}`);
      assert(weight >= 1n << BigInt(work) && weight < 1n << BigInt(work + 1), `${weight} ${work}`);
      assertEquals(tb.body.outputs[0], { amount: "1234", address: b.address });
      assertEquals(tb.body.inputs[0].address, a.address);
      assertEquals(tb.body.conflicts, []);
      assert(tb.body.explanation.startsWith("Confirmed"), tb.body.explanation);
      assertEquals((await b.api("balance")).body.confirmed, "1234");
      const hist = await b.api(`history?limit=5&address=${b.address}`);
      assertEquals(hist.body.transactions.map((t: Json) => t.txid), [txid]);
      assertEquals(hist.body.transactions[0].walletAmount, "1234");
      const mine = await b.api("history?limit=5&wallet=1");
      assertEquals(mine.body.transactions.map((t: Json) => t.txid), [txid]);
      assertEquals(
        (await a.api("history?wallet=1")).body.transactions.length,
        2,
        "A: genesis and payment",
      );
      assertEquals((await a.api("history?wallet=2")).status, 400);
      const g = await a.api("graph?limit=10");
      assertEquals(g.body.total, 2);
      assert(g.body.edges.some((e: Json) => e.from === txid && e.index === 0));
      // Confirmation references at tx level: both ends are transactions of the window.
      assert(Array.isArray(g.body.approvals), "graph carries approvals");
      const inWindow = new Set(g.body.nodes.map((n: Json) => n.txid));
      for (const e of g.body.approvals) assert(inWindow.has(e.from) && inWindow.has(e.to));
    } finally {
      assertEquals([evA.error(), evB.error()], [null, null], "the streams stayed up");
      await evA.close();
      await evB.close();
    }

    // The other endpoints answer in their documented shape.
    const m = await a.api("mining");
    assertEquals([m.body.workers, m.body.running], [1, true]);
    assert(m.body.found >= 1 && m.body.capBits >= 20, JSON.stringify(m.body));
    const peers = await b.api("peers");
    assert(peers.body.peers.length >= 1 && peers.body.counters.datagramsIn > 0);
    const sync = await b.api("sync");
    assert(
      sync.body.requested >= 1 &&
        /^[0-9a-f]{64}$/.test(sync.body.summary.digest),
      JSON.stringify(sync.body),
    );
    assert(sync.body.summary.count >= 2, "the summary counts transactions and confirmations");
    assertEquals((await b.api("sync", { method: "POST" })).status, 202);
    const doc = await a.api("openapi.json");
    assertEquals(doc.body, JSON.parse(JSON.stringify(OPENAPI)));
    const kept = JSON.parse(
      await Deno.readTextFile(
        new URL("../../docs/openapi.json", import.meta.url),
      ),
    );
    assertEquals(kept, doc.body, "docs/openapi.json is the served document");

    // The page: CSP and friends.
    const page = await fetch(`${a.base}/`);
    await page.body?.cancel();
    const csp = page.headers.get("content-security-policy") ?? "";
    assert(
      csp.includes("script-src 'self'") &&
        csp.includes("frame-ancestors 'none'"),
      csp,
    );
    assertEquals(page.headers.get("x-content-type-options"), "nosniff");
    assertEquals(
      await fetch(`${a.base}/../wallet.json`).then((r) => r.status),
      404,
    );
    assertEquals(
      await fetch(`${a.base}/assets/..%2Fwallet.json`).then((r) => r.status),
      404,
    );

    // A double spend: the twin spends the genesis coin A already spent, on its own network;
    // then it joins A's network and each side learns the other's spend.
    const t1 = await twin.api("send", {
      body: { address: twin.address, amount: "777" },
    });
    assertEquals(t1.status, 200, JSON.stringify(t1.body));
    const loser: string = t1.body.txid;
    await twin.proc.kill("SIGTERM");
    nodes.splice(nodes.indexOf(twin), 1);
    twin = await startHttpNode(`${root}/twin`, port);
    nodes.push(twin);
    const d = await until(
      async () => {
        const r = await a.api(`tx/${loser}`);
        return r.status === 200 && r.body.status === "conflicted" ? r.body : undefined;
      },
      60_000,
      "A to hold the twin's spend as conflicted",
    );
    assertEquals(d.conflicts.length, 1);
    const c = d.conflicts[0];
    assertEquals(c.spenders.length, 2);
    assertEquals(c.spenders[1].txid, loser);
    assert(c.winner !== loser && c.spenders[0].winner && !c.spenders[1].winner);
    assert(BigInt(c.spenders[0].weight) > BigInt(c.spenders[1].weight));
    assert(
      c.reason.includes("more weight") &&
        c.reason.includes(c.winner.slice(0, 16)),
      c.reason,
    );
    assert(
      c.reason.includes(c.spenders[0].weight) &&
        c.reason.includes(c.spenders[1].weight),
      c.reason,
    );
    assert(
      d.explanation.startsWith("Conflicted: it loses outpoint"),
      d.explanation,
    );
    const g = await a.api("graph?limit=10");
    assert(
      g.body.conflicts.some((x: Json) => [x.a, x.b].includes(loser)),
      "graph shows the conflict",
    );

    // Secrets are never served: A's key (the demo wallet's) and every long string of B's
    // wallet file (seed, mnemonic, keys) appear in no answer.
    const demo = JSON.parse(await Deno.readTextFile(DEMO_WALLET)).secretKey as string;
    assert(/^[0-9a-f]{64}$/.test(demo), "the demo wallet's key");
    const strings = (v: unknown): string[] =>
      typeof v === "string"
        ? [v]
        : v && typeof v === "object"
        ? Object.values(v as Record<string, unknown>).flatMap(strings)
        : [];
    const addressesOfB = new Set(
      (await b.api("addresses")).body.addresses.map((x: Json) => x.address as string),
    );
    const bSecrets = strings(JSON.parse(await Deno.readTextFile(`${b.dir}/wallet.json`)))
      .filter((x) => x.length >= 32 && !addressesOfB.has(x) && !/^C\w{25,40}$/.test(x));
    assert(bSecrets.length > 0, "B's wallet file holds secrets to look for");
    const paths = ["info", "balance", "addresses", "receive", "history?limit=100", "graph"];
    for (const path of [...paths, "mining", "peers", "sync", "openapi.json"]) {
      const ta = JSON.stringify((await a.api(path)).body);
      assert(!ta.includes(demo), `A's ${path} leaks the key`);
      const tb = JSON.stringify((await b.api(path)).body);
      for (const x of [demo, ...bSecrets]) assert(!tb.includes(x), `B's ${path} leaks a secret`);
    }

    // A clean exit, even with an event stream open, removes the cookie and the address file
    // and ends the stream.
    const open = collectEvents(a.base, a.token);
    await new Promise((r) => setTimeout(r, 300));
    const t0 = Date.now();
    const st = await a.proc.kill("SIGTERM");
    nodes.splice(nodes.indexOf(a), 1);
    assertEquals(st.code, 0);
    assert(Date.now() - t0 < 10_000, "an open stream does not hold the exit");
    await open.ended; // the stream ended with the node (cleanly or cut)
    assert(
      !(await exists(`${a.dir}/.cookie`)) && !(await exists(`${a.dir}/.http`)),
    );
  } finally {
    for (const n of nodes) await n.proc.kill("SIGKILL").catch(() => {});
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("api: --http outside loopback is refused without --http-allow-remote; bad --http", async () => {
  const root = await Deno.makeTempDir({ prefix: "crackcoin-api-" });
  try {
    const common = [
      "--data",
      root,
      "--port",
      String(freeUdpPort()),
      "--broadcast",
      LOOPBACK_BROADCAST,
      "--miners",
      "0",
    ];
    const refused = await runMain([...common, "--http", "0.0.0.0:0"], "q\n");
    assertEquals(refused.code, 2, refused.stderr);
    assert(refused.stderr.includes("--http-allow-remote"), refused.stderr);
    const bad = await runMain([...common, "--http", "example.com:80"], "q\n");
    assertEquals(bad.code, 2);
    assert(bad.stderr.includes("Invalid --http"), bad.stderr);
    // With the flag it starts, with a warning.
    const allowed = await runMain([
      ...common,
      "--http",
      "0.0.0.0:0",
      "--http-allow-remote",
    ], "q\n");
    assertEquals(allowed.code, 0, allowed.stderr);
    assert(
      allowed.stderr.includes("warn: the HTTP API listens beyond this machine"),
      allowed.stderr,
    );
    assert(/^Web wallet: http:\/\/127\.0\.0\.1:\d+\/#token=/m.test(allowed.stdout), allowed.stdout);
    assert(!(await exists(`${root}/.cookie`)), "the cookie is removed at exit");
    // A port already taken: a clear error naming the --http address, exit 1, no cookie left.
    const taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    try {
      const port = (taken.addr as Deno.NetAddr).port;
      const busy = await runMain([...common, "--http", `127.0.0.1:${port}`], "q\n");
      assertEquals(busy.code, 1, busy.stderr);
      assert(busy.stderr.includes(`Cannot serve --http on 127.0.0.1:${port}`), busy.stderr);
      assert(!(await exists(`${root}/.cookie`)));
    } finally {
      taken.close();
    }
    // Off by default: no cookie, no port file, no API line.
    const off = await runMain(common, "q\n");
    assertEquals(off.code, 0);
    assert(!off.stdout.includes("API:") && !(await exists(`${root}/.http`)));
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("crackcoin rpc against a --daemon node: JSON out, documented exit codes", async () => {
  const root = await Deno.makeTempDir({ prefix: "crackcoin-rpc-" });
  let n: NodeProc | undefined;
  try {
    await importDemoWallet(`${root}/a`);
    const none = await runMain(["rpc", "--data", `${root}/a`, "balance"]);
    assertEquals(none.code, 3, "no node serving HTTP");
    assert(none.stderr.includes("no node serving HTTP"), none.stderr);
    const node = await startHttpNode(`${root}/a`, freeUdpPort(), {
      extra: ["--daemon"],
    });
    n = node.proc;
    await n.closeInput(); // a daemon: stdin closed, still running
    await new Promise((r) => setTimeout(r, 300));
    const rpc = (...args: string[]) => runMain(["rpc", "--data", `${root}/a`, ...args]);
    const bal = await rpc("balance");
    assertEquals(bal.code, 0, bal.stderr);
    assertEquals(JSON.parse(bal.stdout).confirmed, String(SUPPLY));
    const info = await rpc("info");
    assertEquals(JSON.parse(info.stdout).address, node.address);
    const other = addressFromPublicKey(testKeys(7).publicKey);
    const sent = await rpc("send", other, "42");
    assertEquals(sent.code, 0, sent.stderr);
    const txid = JSON.parse(sent.stdout).txid;
    assert(/^[0-9a-f]{64}$/.test(txid));
    const tx = await rpc("tx", txid);
    assertEquals(JSON.parse(tx.stdout).outputs[0], {
      amount: "42",
      address: other,
    });
    const refused = await rpc("send", other, "4.2");
    assertEquals(refused.code, 1);
    assertEquals(JSON.parse(refused.stdout).error.code, "bad-amount");
    assert(refused.stderr.includes("bad-amount"), refused.stderr);
    assertEquals((await rpc("frobnicate")).code, 2);
    assertEquals((await rpc("send", other)).code, 2);
    assertEquals((await rpc("history", "2")).code, 0);
    // A stale cookie (another token) is refused by the node: exit 4.
    await Deno.writeTextFile(`${root}/a/.cookie`, "0".repeat(64));
    assertEquals((await rpc("balance")).code, 4);
    const st = await n.kill("SIGTERM");
    n = undefined;
    assertEquals(st.code, 0);
    assertEquals((await rpc("balance")).code, 3);
  } finally {
    if (n) await n.kill("SIGKILL");
    await Deno.remove(root, { recursive: true });
  }
});
