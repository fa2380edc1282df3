import { assert, assertEquals, assertThrows } from "../helpers/assert.ts";
import {
  type ArgsEnv,
  checkBroadcast,
  type Command,
  COMMAND_NAMES,
  helpText,
  MAX_MINE_CAP_BITS,
  parseCommand,
  parsePeer,
  SUBCOMMANDS,
  UsageError,
} from "../../lib/cli/args.ts";
import { MIN_CONF_BITS } from "../../lib/core/pow.ts";
import { DEFAULT_MINING_CAP_BITS } from "../../lib/mining/pool.ts";
const env = (vars: Record<string, string> = { HOME: "/home/u" }, cpus = 4): ArgsEnv => ({
  get: (name) => vars[name],
  cpus,
});

Deno.test("parsePeer() parses HOST:PORT", () => {
  const cases: [string, string, number][] = [
    ["10.0.0.7:31337", "10.0.0.7", 31337],
    ["localhost:1", "localhost", 1],
    ["node-2.lan:65535", "node-2.lan", 65535],
  ];
  for (const [text, hostname, port] of cases) {
    assertEquals(parsePeer(text), { hostname, port }, text);
  }
});

Deno.test("parsePeer() throws UsageError on anything else", () => {
  const bad = [
    "",
    "10.0.0.7",
    ":31337",
    "10.0.0.7:",
    "10.0.0.7:0",
    "10.0.0.7:65536",
    "10.0.0.7:31337x",
    "10.0.0.7:-1",
    "host name:1",
    "h_st:1",
    "a:b:9",
  ];
  for (const text of bad) {
    assertThrows(() => parsePeer(text), UsageError, `Invalid --peer "${text}"`);
  }
});

/** Expected fields of a parsed command (a subset is compared). */
type Expect = Partial<Record<string, unknown>>;

function pick(c: Command): Record<string, unknown> {
  return c.kind === "node" ? { kind: c.kind, ...c.options } : { ...c };
}

Deno.test("parseCommand() reads flags, subcommands and defaults", () => {
  const cases: [string[], ArgsEnv, Expect][] = [
    [[], env(), {
      kind: "node",
      data: "/home/u/.crackcoin",
      port: 31337,
      bind: "0.0.0.0",
      broadcast: "255.255.255.255",
      peers: [],
      miners: 3,
      mineCap: DEFAULT_MINING_CAP_BITS,
      genesis: null,
      quiet: false,
      jsonLog: false,
      daemon: false,
    }],
    [[], env({ CRACKCOIN_DATA: "/srv/cc", HOME: "/home/u" }), { data: "/srv/cc" }],
    [[], env({ USERPROFILE: "C:/Users/u" }), { data: "C:/Users/u/.crackcoin" }],
    [[], env({ HOME: "/h" }, 1), { miners: 1 }],
    [["--data", "/d", "--port", "4000"], env(), { data: "/d", port: 4000 }],
    [["--broadcast", "127.255.255.255", "--bind", "127.0.0.1", "--peer", "127.0.0.2:9"], env(), {
      broadcast: "127.255.255.255",
      bind: "127.0.0.1",
    }],
    [["--peer", "a:1", "--peer", "b:2"], env(), {
      peers: [{ hostname: "a", port: 1 }, { hostname: "b", port: 2 }],
    }],
    [["--miners", "0"], env(), { miners: 0 }],
    [["--mine-cap", "30"], env(), { mineCap: 30 }],
    [["--genesis", "g.json"], env(), { genesis: "g.json" }],
    [["--quiet", "--json-log", "--daemon"], env(), { quiet: true, jsonLog: true, daemon: true }],
    [["--help"], env(), { kind: "help", topic: "node" }],
    [["-h"], env(), { kind: "help", topic: "node" }],
    [["--version"], env(), { kind: "version" }],
    [["export", "--data", "/d"], env(), { kind: "export", data: "/d", genesis: null }],
    [["export"], env(), { kind: "export", data: "/home/u/.crackcoin" }],
    [["export", "--help"], env(), { kind: "help", topic: "export" }],
  ];
  for (const [argv, e, expected] of cases) {
    const got = pick(parseCommand(argv, e));
    const subset = Object.fromEntries(Object.keys(expected).map((k) => [k, got[k]]));
    assertEquals(subset, expected, argv.join(" ") || "(no arguments)");
  }
});

Deno.test("parseCommand() throws UsageError naming what is wrong", () => {
  const cases: [string[], ArgsEnv, string][] = [
    [["--port", "0"], env(), `Invalid --port "0"`],
    [["--port", "65536"], env(), `Invalid --port "65536"`],
    [["--port", "8x"], env(), `Invalid --port "8x"`],
    [["--miners", "257"], env(), `Invalid --miners "257"`],
    [["--miners=-1"], env(), `Invalid --miners "-1"`],
    [["--miners", "-1"], env(), "--miners"],
    [["--mine-cap", "0"], env(), `Invalid --mine-cap "0"`],
    [["--mine-cap", "65"], env(), `Invalid --mine-cap "65"`],
    [["--bind", "300.0.0.1"], env(), `Invalid --bind "300.0.0.1"`],
    [["--broadcast", "lan"], env(), `Invalid --broadcast "lan"`],
    [["--peer", "nohost"], env(), `Invalid --peer "nohost"`],
    [["--frobnicate"], env(), "--frobnicate"],
    [["extra"], env(), "extra"],
    [["export", "--port", "1"], env(), "--port"],
    [[], env({}), "Cannot find a home directory"],
  ];
  for (const [argv, e, message] of cases) {
    assertThrows(() => parseCommand(argv, e), UsageError, message);
  }
});

const homeEnv = env();

function usage(argv: string[]): string {
  try {
    parseCommand(argv, homeEnv);
  } catch (e) {
    assert(e instanceof UsageError, `UsageError for ${argv.join(" ")}: ${e}`);
    assert(!e.message.includes("\n"), `one line: ${JSON.stringify(e.message)}`);
    return e.message;
  }
  throw new Error(`accepted: ${argv.join(" ")}`);
}

function node(argv: string[]) {
  const c = parseCommand(argv, homeEnv);
  if (c.kind !== "node") throw new Error(c.kind);
  return c.options;
}

Deno.test("parseCommand() --broadcast: 255.255.255.255 and .255 addresses only", () => {
  for (const ok of ["255.255.255.255", "127.255.255.255", "192.168.1.255", "10.255.255.255"]) {
    assertEquals(checkBroadcast(ok), ok);
    assertEquals(node(["--broadcast", ok]).broadcast, ok);
  }
  assert(usage(["--broadcast", "8.8.8.8"]).includes("one host's address"));
  assert(usage(["--broadcast", "224.0.0.1"]).includes("multicast"));
  assert(usage(["--broadcast", "239.1.1.255"]).includes("multicast"));
  assert(usage(["--broadcast", "0.0.0.0"]).includes("0.x"));
  assert(usage(["--broadcast", "250.0.0.255"]).includes("reserved"));
  assert(usage(["--broadcast", "300.1.1.1"]).includes("expected an IPv4 address"));
});

Deno.test("parseCommand() --bind: 0.0.0.0, or one address together with --peer", () => {
  assertEquals(node([]).bind, "0.0.0.0");
  assert(usage(["--bind", "192.168.1.5"]).includes("deaf to LAN broadcasts"));
  assert(usage(["--bind", "192.168.1.255", "--peer", "a:1"]).includes("not a broadcast"));
  assert(usage(["--bind", "224.0.0.1", "--peer", "a:1"]).includes("multicast"));
  const o = node(["--bind", "127.0.0.1", "--peer", "127.0.0.2:4000"]);
  assertEquals([o.bind, o.peers.length], ["127.0.0.1", 1]);
});

Deno.test("parseCommand() --port -1 and other numbers get one line naming the flag", () => {
  assertEquals(
    usage(["--port", "-1"]),
    'Invalid --port "-1": expected a whole number from 1 to 65535',
  );
  assert(usage(["--port=0"]).startsWith('Invalid --port "0"'));
  assert(usage(["--miners", "-3"]).startsWith('Invalid --miners "-3"'));
  assert(usage(["--port"]).includes("--port"));
});

Deno.test("parseCommand() --mine-cap below the bits a confirmation needs is refused", () => {
  assertEquals(node(["--mine-cap", String(MIN_CONF_BITS)]).mineCap, MIN_CONF_BITS);
  const low = usage(["--mine-cap", String(MIN_CONF_BITS - 1)]);
  assert(low.includes(`below the ${MIN_CONF_BITS} bits a confirmation needs`), low);
  assert(usage(["--mine-cap", String(MAX_MINE_CAP_BITS + 1)]).includes("--mine-cap"));
});

Deno.test("parseCommand() empty file flags and unknown subcommands are refused", () => {
  assertEquals(usage(["--genesis", ""]), 'Invalid --genesis "": expected a file name');
  assertEquals(usage(["export", "--genesis", ""]), 'Invalid --genesis "": expected a file name');
  assertEquals(usage(["--data", ""]), 'Invalid --data "": expected a directory');
  const unknown = usage(["frobnicate"]);
  assert(unknown.startsWith('Unknown command "frobnicate"'), unknown);
  // Every command is listed: the parser's own and wallet, which main.ts routes before it.
  for (const name of Object.keys(SUBCOMMANDS)) assert(COMMAND_NAMES.includes(name), name);
  for (const name of COMMAND_NAMES) assert(unknown.includes(name), unknown);
  assert(unknown.includes("wallet"), unknown);
  assert(usage(["--quiet", "rpcx"]).includes("crackcoin export|wallet|rpc [flags]"));
  // A command after a flag is named as one, not called unknown.
  assertEquals(
    usage(["--data", "/d", "wallet"]),
    '"wallet" is a command: it comes first (crackcoin wallet [flags])',
  );
  assert(usage(["export", "extra"]).includes('"export" takes flags only'));
  assert(usage(["--quiet", "frobnicate"]).startsWith('Unknown command "frobnicate"'));
});

Deno.test("parseCommand() subcommands come from the table, each with its help", () => {
  for (const name of Object.keys(SUBCOMMANDS)) {
    const h = parseCommand([name, "--help"], homeEnv);
    assertEquals(h, { kind: "help", topic: name });
    assertEquals(helpText(name), SUBCOMMANDS[name].help);
  }
  assertEquals(parseCommand(["export"], homeEnv), {
    kind: "export",
    data: "/home/u/.crackcoin",
    genesis: null,
  });
});
