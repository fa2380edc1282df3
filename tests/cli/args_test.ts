import { assert, assertEquals } from "../helpers/assert.ts";
import {
  checkBroadcast,
  helpText,
  MAX_MINE_CAP_BITS,
  parseCommand,
  SUBCOMMANDS,
  UsageError,
} from "../../lib/cli/args.ts";
import { CONFIRM_WORK_BITS } from "../../lib/core/pow.ts";

const env = { get: (n: string) => (n === "HOME" ? "/home/u" : undefined), cpus: 4 };

function usage(argv: string[]): string {
  try {
    parseCommand(argv, env);
  } catch (e) {
    assert(e instanceof UsageError, `UsageError for ${argv.join(" ")}: ${e}`);
    assert(!e.message.includes("\n"), `one line: ${JSON.stringify(e.message)}`);
    return e.message;
  }
  throw new Error(`accepted: ${argv.join(" ")}`);
}

function node(argv: string[]) {
  const c = parseCommand(argv, env);
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

Deno.test("parseCommand() --mine-cap below the confirmation threshold is refused", () => {
  assertEquals(node(["--mine-cap", String(CONFIRM_WORK_BITS)]).mineCap, CONFIRM_WORK_BITS);
  const low = usage(["--mine-cap", String(CONFIRM_WORK_BITS - 1)]);
  assert(low.includes(`confirmation threshold of ${CONFIRM_WORK_BITS} bits`), low);
  assert(usage(["--mine-cap", String(MAX_MINE_CAP_BITS + 1)]).includes("--mine-cap"));
});

Deno.test("parseCommand() empty file flags and unknown subcommands are refused", () => {
  assertEquals(usage(["--genesis", ""]), 'Invalid --genesis "": expected a file name');
  assertEquals(usage(["export", "--genesis", ""]), 'Invalid --genesis "": expected a file name');
  assertEquals(usage(["--data", ""]), 'Invalid --data "": expected a directory');
  const unknown = usage(["frobnicate"]);
  assert(unknown.startsWith('Unknown command "frobnicate"'), unknown);
  for (const name of Object.keys(SUBCOMMANDS)) assert(unknown.includes(name), unknown);
  assert(usage(["export", "extra"]).includes('"export" takes flags only'));
  assert(usage(["--quiet", "frobnicate"]).startsWith('Unknown command "frobnicate"'));
});

Deno.test("parseCommand() subcommands come from the table, each with its help", () => {
  for (const name of Object.keys(SUBCOMMANDS)) {
    const h = parseCommand([name, "--help"], env);
    assertEquals(h, { kind: "help", topic: name });
    assertEquals(helpText(name), SUBCOMMANDS[name].help);
  }
  assertEquals(parseCommand(["export"], env), {
    kind: "export",
    data: "/home/u/.crackcoin",
    genesis: null,
  });
});
