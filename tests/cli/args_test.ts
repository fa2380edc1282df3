import { assertEquals, assertThrows } from "../helpers/assert.ts";
import {
  type ArgsEnv,
  type Command,
  parseCommand,
  parsePeer,
  UsageError,
} from "../../lib/cli/args.ts";
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
    [["--broadcast", "127.255.255.255", "--bind", "127.0.0.1"], env(), {
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
    [["wallet", "--data", "/d"], env(), { kind: "wallet", data: "/d" }],
    [["wallet", "-h"], env(), { kind: "help", topic: "wallet" }],
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
