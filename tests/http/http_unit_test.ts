/**
 * The pure parts of lib/http: the --http parser, the loopback and Host checks, the conflict
 * and status sentences, the SSE wire format, and the rpc client's usage errors.
 * @module
 */
import { assert, assertEquals, assertThrows } from "../helpers/assert.ts";
import { hostAllowed, isLoopback, parseHttpListen } from "../../lib/http/listen.ts";
import { explainConflict, explainStatus } from "../../lib/http/explain.ts";
import { formatEvent } from "../../lib/http/events.ts";
import { RPC_EXIT, rpcCommand } from "../../lib/http/rpc.ts";
import type { SpenderJson } from "../../lib/http/node_view.ts";
import { parseCommand, UsageError } from "../../lib/cli/args.ts";

Deno.test("parseHttpListen() reads [ADDR:]PORT and refuses anything else", () => {
  const table: [string, string, number][] = [
    ["8332", "127.0.0.1", 8332],
    ["0", "127.0.0.1", 0],
    ["127.0.0.2:80", "127.0.0.2", 80],
    ["localhost:9000", "127.0.0.1", 9000],
    ["0.0.0.0:8332", "0.0.0.0", 8332],
    ["192.168.1.20:65535", "192.168.1.20", 65535],
  ];
  for (const [text, hostname, port] of table) {
    assertEquals(parseHttpListen(text), { hostname, port }, text);
  }
  for (
    const bad of [
      "",
      "x",
      "65536",
      "-1",
      "1.2.3:80",
      "256.1.1.1:80",
      "example.com:80",
      ":80",
      "80:",
      "[::1]:80",
    ]
  ) {
    assertThrows(() => parseHttpListen(bad), RangeError, "Invalid --http");
  }
});

Deno.test("isLoopback() accepts 127.0.0.0/8, ::1 and localhost only", () => {
  for (const h of ["127.0.0.1", "127.255.0.9", "localhost", "::1", "[::1]"]) {
    assert(isLoopback(h), h);
  }
  for (const h of ["0.0.0.0", "10.0.0.1", "128.0.0.1", "127.0.0.1.example", "localhost.evil"]) {
    assert(!isLoopback(h), h);
  }
});

Deno.test("hostAllowed() takes IP literals and localhost on our port, never a DNS name", () => {
  const ok = [
    "127.0.0.1:8332",
    "localhost:8332",
    "LOCALHOST:8332",
    "192.168.1.5:8332",
    "[::1]:8332",
  ];
  for (const h of ok) assert(hostAllowed(h, 8332), h);
  const refused = [
    null,
    "",
    "127.0.0.1",
    "127.0.0.1:8333",
    "evil.example:8332",
    "attacker.localhost:8332",
    "127.0.0.1.nip.io:8332",
    "localhost:8332:1",
    "user@127.0.0.1:8332",
  ];
  for (const h of refused) assert(!hostAllowed(h, 8332), String(h));
  assert(hostAllowed("127.0.0.1", 80), "no port means 80");
});

function spender(txid: string, work: number, winner: boolean): SpenderJson {
  return {
    txid,
    work,
    weight: String(1n << BigInt(work)),
    status: "pending",
    timestamp: 0,
    winner,
  };
}

Deno.test("explainConflict() names the winner and both weights, or the tie-break", () => {
  const a = "a".repeat(64), b = "b".repeat(64);
  const more = explainConflict([spender(b, 22, true), spender(a, 20, false)], "the lower txid");
  assert(more.startsWith(`${b.slice(0, 16)} wins because it has more weight`), more);
  assert(more.includes("4194304") && more.includes("1048576"), more);
  const tie = explainConflict([spender(a, 20, true), spender(b, 20, false)], "the lower txid");
  assert(tie.includes("equal weight 1048576") && tie.includes("tie-break: the lower txid"), tie);
  const three = explainConflict(
    [spender(a, 21, true), spender(b, 20, false), spender("c".repeat(64), 3, false)],
    "the lower txid",
  );
  assert(three.includes("and 1 more spenders"), three);
  const lighter = explainConflict([spender(a, 20, true), spender(b, 22, false)], "x");
  assert(lighter.includes(`wins although ${b.slice(0, 16)} has more weight`), lighter);
  assert(lighter.includes("depends on a transaction that lost a conflict"), lighter);
  assertThrows(() => explainConflict([spender(a, 1, true)], "x"), RangeError);
});

Deno.test("explainStatus() says why for each status", () => {
  const base = { work: 12, confirmWork: 20 };
  assert(explainStatus({ ...base, status: "pending" }).includes("below the threshold of 20"));
  assert(explainStatus({ ...base, work: 25, status: "confirmed" }).startsWith("Confirmed"));
  const lost = explainStatus({
    ...base,
    status: "conflicted",
    lostTo: { txid: "c".repeat(64), index: 1, winner: "d".repeat(64) },
  });
  assert(lost.includes(`${"c".repeat(16)}:1 to ${"d".repeat(16)}`), lost);
  const dep = explainStatus({ ...base, status: "conflicted", deadParent: "e".repeat(64) });
  assert(dep.includes(`depends on ${"e".repeat(16)}`), dep);
  assert(explainStatus({ ...base, status: "orphan" }).startsWith("Orphan"));
  const parent = explainStatus({
    ...base,
    work: 22,
    status: "pending",
    unconfirmedParent: "f".repeat(64),
  });
  assert(parent.includes("parent ffffffffffffffff is not confirmed"), parent);
});

Deno.test("formatEvent() writes one SSE event with id, event and a JSON data line", () => {
  const e = { kind: "received" as const, txid: "ab".repeat(32), amount: "5", time: 1 };
  const text = formatEvent(7, e);
  assertEquals(text, `id: 7\nevent: received\ndata: ${JSON.stringify(e)}\n\n`);
  assertEquals(text.split("\n").filter((l) => l.startsWith("data: ")).length, 1);
});

Deno.test("rpcCommand() refuses unknown methods and wrong arity with exit 2, no node with 3", async () => {
  const dir = await Deno.makeTempDir({ prefix: "crackcoin-rpc-unit-" });
  try {
    const out: string[] = [], err: string[] = [];
    const call = (m: string, a: string[]) =>
      rpcCommand(dir, m, a, (t) => out.push(t), (t) => err.push(t));
    assertEquals(await call("nope", []), RPC_EXIT.usage);
    assertEquals(await call("toString", []), RPC_EXIT.usage, "no prototype methods");
    assertEquals(await call("send", ["x"]), RPC_EXIT.usage);
    assertEquals(await call("balance", ["extra"]), RPC_EXIT.usage);
    assertEquals(await call("balance", []), RPC_EXIT.unreachable);
    assert(err.at(-1)!.includes("no node serving HTTP"), err.at(-1));
    assertEquals(out, []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("parseCommand() reads --http, --http-allow-remote and the rpc subcommand", () => {
  const env = { get: (n: string) => (n === "HOME" ? "/home/u" : undefined), cpus: 2 };
  const node = (argv: string[]) => {
    const c = parseCommand(argv, env);
    if (c.kind !== "node") throw new Error(`expected a node command, got ${c.kind}`);
    return c.options;
  };
  assertEquals(node([]).http, null, "off by default");
  assertEquals(node(["--http", "8332"]).http, { hostname: "127.0.0.1", port: 8332 });
  assertEquals(
    node(["--http", "10.0.0.2:80", "--http-allow-remote"]).http,
    { hostname: "10.0.0.2", port: 80 },
  );
  assertThrows(
    () => parseCommand(["--http", "10.0.0.2:80"], env),
    UsageError,
    "--http-allow-remote",
  );
  assertThrows(() => parseCommand(["--http", "nope"], env), UsageError, "Invalid --http");
  assertThrows(() => parseCommand(["--http"], env), UsageError);
  assertEquals(parseCommand(["rpc", "send", "Caddr", "5"], env), {
    kind: "rpc",
    data: "/home/u/.crackcoin",
    method: "send",
    args: ["Caddr", "5"],
  });
  assertEquals(parseCommand(["rpc", "--data", "/d", "balance"], env), {
    kind: "rpc",
    data: "/d",
    method: "balance",
    args: [],
  });
  assertEquals(parseCommand(["rpc", "--help"], env), { kind: "help", topic: "rpc" });
  assertThrows(() => parseCommand(["rpc"], env), UsageError, "METHOD");
});
