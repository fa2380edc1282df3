/**
 * Command-line parsing with node:util parseArgs in strict mode (docs/ARCHITECTURE.md
 * "Command line"). Every flag is validated here, before anything is written (README "Flags
 * and their rules"). Errors are UsageError, which main.ts turns into one line and exit code 2.
 *
 * Subcommands live in one table, {@linkcode SUBCOMMANDS}: a new one is one entry (its flags,
 * help and the Command it builds) plus one runner in main.ts.
 * @module
 */
import { parseArgs } from "node:util";
import { MIN_CONF_BITS } from "../core/pow.ts";
import { DEFAULT_MINING_CAP_BITS } from "../mining/pool.ts";
import { DEFAULT_BROADCAST, DEFAULT_PORT, type HostPort } from "../net/node.ts";
import { type HttpListen, isLoopback, parseHttpListen } from "../http/listen.ts";
import { RPC_HELP } from "../http/rpc.ts";

/** The program version (also in deno.json). */
export const VERSION = "0.1.0";

/** Highest --mine-cap accepted, in bits. */
export const MAX_MINE_CAP_BITS = 64;

/** A bad command line; the message says what is wrong. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** Settings of a node run. */
export interface NodeOptions {
  readonly data: string;
  readonly port: number;
  readonly bind: string;
  readonly broadcast: string;
  readonly peers: readonly HostPort[];
  readonly miners: number;
  readonly mineCap: number;
  readonly genesis: string | null;
  readonly quiet: boolean;
  readonly jsonLog: boolean;
  readonly daemon: boolean;
  /** `--http [ADDR:]PORT`: serve the API and web page there; null (the default) for off. */
  readonly http: HttpListen | null;
  /** `--http-allow-remote`: permit an --http address outside loopback. */
  readonly httpAllowRemote: boolean;
  /** --passphrase-file FILE: the encrypted wallet's passphrase (lib/cli/wallet_node.ts). */
  readonly passphraseFile?: string | null;
  /** --network-key FILE: a private network's membership key (lib/cli/network_key.ts). */
  readonly networkKey?: string | null;
}

/** What the command line asks for. */
export type Command =
  | { readonly kind: "help"; readonly topic: string }
  | {
    readonly kind: "rpc";
    readonly data: string;
    readonly method: string;
    readonly args: readonly string[];
  }
  | { readonly kind: "version" }
  | { readonly kind: "node"; readonly options: NodeOptions }
  | {
    readonly kind: "export";
    readonly data: string;
    readonly genesis: string | null;
    /** --secrets: add the wallet's secrets (a terminal only; lib/cli/wallet_node.ts). */
    readonly secrets?: boolean;
  };

/** Environment lookups the parser needs (injected for tests). */
export interface ArgsEnv {
  readonly get: (name: string) => string | undefined;
  readonly cpus: number;
}

/** The usage text of the node. */
export const NODE_HELP =
  `crackcoin ${VERSION}: a blockchain-free cryptocurrency node for local networks

Usage:
  crackcoin [flags]                 run a node with its command loop
  crackcoin export --data DIR       print the ledger as JSON
  crackcoin wallet --data DIR       print the receive address; 'crackcoin wallet --help' lists
                                    new, restore, encrypt, decrypt, label and more
  crackcoin rpc METHOD [ARGS]       call the API of the node running on --data DIR
  crackcoin --help | --version

Flags:
  --data DIR         data directory (default $CRACKCOIN_DATA, else ~/.crackcoin)
  --port N           UDP port for broadcasts, 1 to 65535 (default ${DEFAULT_PORT})
  --bind ADDR        local IPv4 address of both sockets (default 0.0.0.0, every interface);
                     another address hears no LAN broadcasts, so it needs --peer
  --broadcast ADDR   broadcast address: 255.255.255.255 or one ending in .255
                     (default ${DEFAULT_BROADCAST})
  --peer HOST:PORT   unicast peer beyond the LAN; repeatable
  --miners N         mining workers; 0 turns mining off (default: cores - 1, at least 1)
  --mine-cap BITS    most bits of one confirmation, ${MIN_CONF_BITS} to ${MAX_MINE_CAP_BITS}; weight is
                     never capped (default ${DEFAULT_MINING_CAP_BITS})
  --genesis FILE     genesis of another network; remembered in DIR/genesis.json (default
                     DIR/genesis.json if present, else the built-in network)
  --quiet            log warnings only
  --json-log         log JSON lines to stderr
  --daemon           keep running when stdin closes, until SIGINT or SIGTERM
  --http [ADDR:]PORT serve the local API and web wallet (default off; ADDR 127.0.0.1)
  --http-allow-remote  permit an --http ADDR outside loopback (the token is then all
                     that protects the wallet)
  --passphrase-file FILE  passphrase of an encrypted wallet (else $CRACKCOIN_PASSPHRASE, else
                     asked once on a terminal; without one the node cannot send)
  --network-key FILE membership key of a private network (default DIR/network.key if present)
  -h, --help         show this help
  --version          show the version

Commands in the loop: h help, i info, t send, b sync, l history, x transaction, m mining,
p peers, r new receive address, sweep, q quit.
Exit codes: 0 success, 1 a runtime failure (files, sockets, ledger), 2 a usage error.`;

/** The usage text of `export`. */
export const EXPORT_HELP = `Usage: crackcoin export --data DIR [--genesis FILE] [--secrets]

Prints the ledger of DIR as JSON: the network, the wallet address, every transaction with its
inputs, outputs, work and status, the balances by address, and the supply check. Works while a
node runs on DIR, and on a read-only copy of DIR. --secrets adds the wallet's recovery words and
keys (on a terminal only, with a warning; it asks the passphrase of an encrypted wallet).`;

function defaultData(env: ArgsEnv): string {
  const fromEnv = env.get("CRACKCOIN_DATA");
  if (fromEnv) return fromEnv;
  const home = env.get("HOME") ?? env.get("USERPROFILE");
  if (!home) throw new UsageError("Cannot find a home directory: pass --data DIR");
  return `${home}/.crackcoin`;
}

function intFlag(name: string, v: string | undefined, min: number, max: number, def: number) {
  if (v === undefined) return def;
  if (!/^[0-9]{1,9}$/.test(v) || Number(v) < min || Number(v) > max) {
    throw new UsageError(
      `Invalid --${name} "${v}": expected a whole number from ${min} to ${max}`,
    );
  }
  return Number(v);
}

/** Parses a dotted-quad IPv4 address into its four octets; UsageError naming the flag. */
function ipv4(name: string, v: string): number[] {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(v);
  const octets = m ? m.slice(1).map(Number) : [];
  if (!m || octets.some((x) => x > 255)) {
    throw new UsageError(`Invalid --${name} "${v}": expected an IPv4 address such as 192.168.1.5`);
  }
  return octets;
}

/**
 * Checks --broadcast. The rule: 255.255.255.255 (this LAN), or a directed broadcast that
 * ends in .255 (the broadcast address of a /24 or larger subnet, such as 192.168.1.255,
 * 10.255.255.255 or the loopback 127.255.255.255). Refused: 0.0.0.0 and 0.x, multicast
 * (224-239.x) and reserved (240-254.x) addresses, and every address that does not end in .255,
 * since sending "broadcasts" to one host (8.8.8.8) reaches no LAN peer and leaks every
 * datagram to that host. Smaller subnets (/25 to /30) use 255.255.255.255.
 */
export function checkBroadcast(v: string): string {
  const [a, , , d] = ipv4("broadcast", v);
  if (v === "255.255.255.255") return v;
  const why = a === 0
    ? "0.x addresses are not broadcast addresses"
    : a >= 224 && a <= 239
    ? "that is a multicast address"
    : a >= 240
    ? "that is a reserved address"
    : d !== 255
    ? "that looks like one host's address, not a broadcast address (it does not end in .255)"
    : null;
  if (why !== null) {
    throw new UsageError(
      `Invalid --broadcast "${v}": ${why}; use 255.255.255.255 or your subnet's broadcast ` +
        `address, such as 192.168.1.255`,
    );
  }
  return v;
}

/**
 * Checks --bind. Both of the node's sockets bind this address. A socket bound to one unicast
 * address receives only datagrams sent to that address, never LAN broadcasts, so a node
 * bound to anything but 0.0.0.0 would be deaf to its LAN: it is accepted only with at least
 * one --peer (unicast links), and the start line says "unicast only". Whether the address
 * belongs to this machine is checked by binding it (`checkSockets`) before anything is written.
 */
export function checkBind(v: string, peers: readonly HostPort[]): string {
  const [a, , , d] = ipv4("bind", v);
  if (v === "0.0.0.0") return v;
  if (a === 0 || a >= 224 || d === 255) {
    throw new UsageError(
      `Invalid --bind "${v}": expected 0.0.0.0 or one address of this machine, ` +
        `not a broadcast, multicast or reserved address`,
    );
  }
  if (peers.length === 0) {
    throw new UsageError(
      `--bind ${v} would make the node deaf to LAN broadcasts (a socket bound to one address ` +
        `hears only datagrams sent to it); add --peer HOST:PORT for unicast links, or leave ` +
        `--bind at 0.0.0.0`,
    );
  }
  return v;
}

/**
 * Checks --mine-cap, the most bits of one confirmation (protocol v2, docs/PROTOCOL.md §12),
 * against MIN_CONF_BITS of lib/core/pow.ts: a confirmation with fewer bits is stored by
 * nobody, so a lower cap would mine for nothing.
 */
export function checkMineCap(v: string | undefined): number {
  if (v === undefined) return DEFAULT_MINING_CAP_BITS;
  const bits = intFlag("mine-cap", v, 0, MAX_MINE_CAP_BITS, DEFAULT_MINING_CAP_BITS);
  if (bits < MIN_CONF_BITS) {
    throw new UsageError(
      `Invalid --mine-cap "${v}": below the ${MIN_CONF_BITS} bits a confirmation needs to be ` +
        `stored; expected ${MIN_CONF_BITS} to ${MAX_MINE_CAP_BITS}`,
    );
  }
  return bits;
}

/** Checks a flag naming a file: not empty. Whether it can be read is checked when read. */
function fileFlag(name: string, v: string | undefined): string | null {
  if (v === undefined) return null;
  if (v.trim() === "") throw new UsageError(`Invalid --${name} "": expected a file name`);
  return v;
}

function dataFlag(v: string | undefined, env: ArgsEnv): string {
  if (v !== undefined && v.trim() === "") {
    throw new UsageError(`Invalid --data "": expected a directory`);
  }
  return v ?? defaultData(env);
}

function httpFlag(v: string | undefined, allowRemote: boolean): HttpListen | null {
  if (v === undefined) return null;
  let l: HttpListen;
  try {
    l = parseHttpListen(v);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (!isLoopback(l.hostname) && !allowRemote) {
    throw new UsageError(
      `Refusing --http on ${l.hostname}: not a loopback address; add --http-allow-remote to allow it`,
    );
  }
  return l;
}

/**
 * Parses `--peer HOST:PORT` (a host name or IPv4 address, a port in 1..65535). Throws
 * UsageError naming the value otherwise.
 */
export function parsePeer(v: string): HostPort {
  const i = v.lastIndexOf(":");
  const host = i > 0 ? v.slice(0, i) : "";
  const port = i > 0 ? v.slice(i + 1) : "";
  if (
    !host || !/^[A-Za-z0-9.\-]+$/.test(host) || !/^[0-9]{1,5}$/.test(port) || Number(port) < 1 ||
    Number(port) > 65535
  ) {
    throw new UsageError(`Invalid --peer "${v}": expected HOST:PORT, such as 10.0.0.7:31337`);
  }
  return { hostname: host, port: Number(port) };
}

type Values = Record<string, string | boolean | string[] | undefined>;
type OptionSpec = Record<
  string,
  { type: "string" | "boolean"; short?: string; multiple?: boolean }
>;

/** One subcommand: its flags, its help text and the Command its parsed flags make. */
export interface Subcommand {
  readonly options: OptionSpec;
  readonly help: string;
  /** Whether words other than flags are accepted (passed to `build`); default false. */
  readonly positionals?: boolean;
  readonly build: (values: Values, env: ArgsEnv, positionals: readonly string[]) => Command;
}

const str = (v: Values, k: string) => v[k] as string | undefined;

/** The subcommands after `crackcoin`; the node itself runs when none is given. */
export const SUBCOMMANDS: Readonly<Record<string, Subcommand>> = {
  export: {
    options: {
      data: { type: "string" },
      genesis: { type: "string" },
      secrets: { type: "boolean" },
    },
    help: EXPORT_HELP,
    build: (v, env) => ({
      kind: "export",
      data: dataFlag(str(v, "data"), env),
      genesis: fileFlag("genesis", str(v, "genesis")),
      ...(v.secrets === true ? { secrets: true } : {}),
    }),
  },
  rpc: {
    options: { data: { type: "string" } },
    help: RPC_HELP,
    positionals: true,
    build: (v, env, words) => {
      const [method, ...args] = words;
      if (method === undefined) throw new UsageError("rpc needs a METHOD, such as balance");
      return { kind: "rpc", data: dataFlag(str(v, "data"), env), method, args };
    },
  },
};

const NODE_OPTIONS: OptionSpec = {
  data: { type: "string" },
  port: { type: "string" },
  bind: { type: "string" },
  broadcast: { type: "string" },
  peer: { type: "string", multiple: true },
  miners: { type: "string" },
  "mine-cap": { type: "string" },
  genesis: { type: "string" },
  quiet: { type: "boolean" },
  "json-log": { type: "boolean" },
  daemon: { type: "boolean" },
  http: { type: "string" },
  "http-allow-remote": { type: "boolean" },
  "passphrase-file": { type: "string" },
  "network-key": { type: "string" },
  version: { type: "boolean" },
};

function buildNode(v: Values, env: ArgsEnv): Command {
  if (v.version) return { kind: "version" };
  const peers = ((v.peer as string[] | undefined) ?? []).map(parsePeer);
  return {
    kind: "node",
    options: {
      data: dataFlag(str(v, "data"), env),
      port: intFlag("port", str(v, "port"), 1, 65535, DEFAULT_PORT),
      bind: checkBind(str(v, "bind") ?? "0.0.0.0", peers),
      broadcast: checkBroadcast(str(v, "broadcast") ?? DEFAULT_BROADCAST),
      peers,
      miners: intFlag("miners", str(v, "miners"), 0, 256, Math.max(1, env.cpus - 1)),
      mineCap: checkMineCap(str(v, "mine-cap")),
      genesis: fileFlag("genesis", str(v, "genesis")),
      quiet: v.quiet === true,
      jsonLog: v["json-log"] === true,
      daemon: v.daemon === true,
      http: httpFlag(str(v, "http"), v["http-allow-remote"] === true),
      httpAllowRemote: v["http-allow-remote"] === true,
      passphraseFile: fileFlag("passphrase-file", str(v, "passphrase-file")),
      networkKey: fileFlag("network-key", str(v, "network-key")),
    },
  };
}

/**
 * A string flag's value that starts with a dash (`--port -1`) is glued to its flag, so that
 * the flag's own check names it, instead of parseArgs' three-line hint.
 */
function glueDashValues(args: readonly string[], options: OptionSpec): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const name = a.startsWith("--") && !a.includes("=") ? a.slice(2) : null;
    const next = args[i + 1];
    if (
      name !== null && options[name]?.type === "string" && next !== undefined &&
      /^-[0-9]/.test(next)
    ) {
      out.push(`${a}=${next}`);
      i++;
    } else {
      out.push(a);
    }
  }
  return out;
}

/**
 * Every command's name, as usage errors list them: the parser's subcommands and `wallet`, which
 * main.ts hands to lib/cli/wallet_cmd.ts before parsing (it has commands of its own).
 */
export const COMMAND_NAMES: readonly string[] = ["export", "wallet", "rpc"];

/** Parses the command line. Throws UsageError on anything unknown or malformed. */
export function parseCommand(argv: readonly string[], env: ArgsEnv): Command {
  const first = argv[0];
  let sub: string | null = null;
  if (first !== undefined && !first.startsWith("-")) {
    if (!Object.hasOwn(SUBCOMMANDS, first)) {
      throw new UsageError(
        `Unknown command "${first}"; the commands are ${
          COMMAND_NAMES.join(", ")
        }, or none to run a node`,
      );
    }
    sub = first;
  }
  const spec = sub === null ? null : SUBCOMMANDS[sub];
  const options: OptionSpec = {
    ...(spec ? spec.options : NODE_OPTIONS),
    help: { type: "boolean", short: "h" },
  };
  let parsed;
  try {
    parsed = parseArgs({
      args: glueDashValues(sub === null ? argv : argv.slice(1), options),
      strict: true,
      allowPositionals: spec?.positionals ?? false,
      options,
    });
  } catch (e) {
    const code = (e as { code?: string }).code;
    const first = (e as Error).message.split("\n")[0].replace(/\. To specify.*$/, "");
    if (code === "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL") {
      const word = /'([^']*)'/.exec(first)?.[1] ?? "";
      throw new UsageError(
        sub
          ? `Unexpected argument "${word}": "${sub}" takes flags only`
          : COMMAND_NAMES.includes(word)
          ? `"${word}" is a command: it comes first (crackcoin ${word} [flags])`
          : `Unknown command "${word}"; a command comes first (crackcoin ${
            COMMAND_NAMES.join("|")
          } [flags]), or none to run a node`,
      );
    }
    throw new UsageError(first);
  }
  const v = parsed.values as Values;
  if (v.help) return { kind: "help", topic: sub ?? "node" };
  return spec ? spec.build(v, env, parsed.positionals) : buildNode(v, env);
}

/** The help text of a topic ("node" or a subcommand name). */
export function helpText(topic: string): string {
  return SUBCOMMANDS[topic]?.help ?? NODE_HELP;
}
