/**
 * Command-line parsing with node:util parseArgs in strict mode (docs/ARCHITECTURE.md
 * "Command line"). Errors are UsageError, which main.ts turns into a message and exit code 2.
 * @module
 */
import { parseArgs } from "node:util";
import { DEFAULT_MINING_CAP_BITS } from "../mining/pool.ts";
import { DEFAULT_BROADCAST, DEFAULT_PORT, type HostPort } from "../net/node.ts";
import { type HttpListen, isLoopback, parseHttpListen } from "../http/listen.ts";

/** The program version (also in deno.json). */
export const VERSION = "0.1.0";

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
}

/** What the command line asks for. */
export type Command =
  | { readonly kind: "help"; readonly topic: "node" | "export" | "wallet" | "rpc" }
  | {
    readonly kind: "rpc";
    readonly data: string;
    readonly method: string;
    readonly args: readonly string[];
  }
  | { readonly kind: "version" }
  | { readonly kind: "node"; readonly options: NodeOptions }
  | { readonly kind: "export"; readonly data: string; readonly genesis: string | null }
  | {
    readonly kind: "wallet";
    readonly data: string;
    readonly import: string | null;
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
  crackcoin wallet --data DIR       print the wallet address (--import FILE to load a wallet)
  crackcoin rpc METHOD [ARGS]       call the API of the node running on --data DIR
  crackcoin --help | --version

Flags:
  --data DIR         data directory (default $CRACKCOIN_DATA, else ~/.crackcoin)
  --port N           UDP port for broadcasts (default ${DEFAULT_PORT})
  --bind ADDR        local address to bind (default 0.0.0.0)
  --broadcast ADDR   broadcast address (default ${DEFAULT_BROADCAST})
  --peer HOST:PORT   unicast peer beyond the LAN; repeatable
  --miners N         mining workers; 0 turns mining off (default: cores - 1, at least 1)
  --mine-cap BITS    stop mining a transaction once its work reaches BITS (default ${DEFAULT_MINING_CAP_BITS})
  --genesis FILE     genesis of another network (default DIR/genesis.json if present,
                     else the built-in network)
  --quiet            log warnings only
  --json-log         log JSON lines to stderr
  --daemon           keep running when stdin closes, until SIGINT or SIGTERM
  --http [ADDR:]PORT serve the local API and web wallet (default off; ADDR 127.0.0.1)
  --http-allow-remote  permit an --http ADDR outside loopback (the token is then all
                     that protects the wallet)
  -h, --help         show this help
  --version          show the version

Commands in the loop: h help, i info, t send, b sync, l ledger, m mining, p peers, q quit.`;

/** The usage text of `export`. */
export const EXPORT_HELP = `Usage: crackcoin export --data DIR [--genesis FILE]

Prints the ledger of DIR as JSON: the network, the wallet address, every transaction with its
inputs, outputs, work and status, the balances by address, and the supply check. Works while a
node runs on DIR.`;

/** The usage text of `wallet`. */
export const WALLET_HELP = `Usage: crackcoin wallet --data DIR [--import FILE]

Prints the address of the wallet in DIR. With --import FILE, copies the wallet file FILE (for
example genesis/demo_wallet.json, or the wallet.json written by 'deno task genesis') into DIR,
which must not have a wallet yet.`;

function defaultData(env: ArgsEnv): string {
  const fromEnv = env.get("CRACKCOIN_DATA");
  if (fromEnv) return fromEnv;
  const home = env.get("HOME") ?? env.get("USERPROFILE");
  if (!home) throw new UsageError("Cannot find a home directory: pass --data DIR");
  return `${home}/.crackcoin`;
}

function intFlag(name: string, v: string | undefined, min: number, max: number, def: number) {
  if (v === undefined) return def;
  if (!/^[0-9]+$/.test(v) || Number(v) < min || Number(v) > max) {
    throw new UsageError(`Invalid --${name} "${v}": expected a whole number from ${min} to ${max}`);
  }
  return Number(v);
}

function ipv4(name: string, v: string): string {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(v);
  if (!m || m.slice(1).some((x) => Number(x) > 255)) {
    throw new UsageError(
      `Invalid --${name} "${v}": expected an IPv4 address such as 192.168.1.255`,
    );
  }
  return v;
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

/** Parses HOST:PORT. */
export function parsePeer(v: string): HostPort {
  const i = v.lastIndexOf(":");
  const host = i > 0 ? v.slice(0, i) : "";
  const port = i > 0 ? v.slice(i + 1) : "";
  if (
    !host || !/^[A-Za-z0-9.\-]+$/.test(host) || !/^[0-9]+$/.test(port) || Number(port) < 1 ||
    Number(port) > 65535
  ) {
    throw new UsageError(`Invalid --peer "${v}": expected HOST:PORT, such as 10.0.0.7:31337`);
  }
  return { hostname: host, port: Number(port) };
}

/** Parses the command line. Throws UsageError on anything unknown or malformed. */
export function parseCommand(argv: readonly string[], env: ArgsEnv): Command {
  const sub = argv[0] === "export" || argv[0] === "wallet" || argv[0] === "rpc" ? argv[0] : null;
  const rest = sub ? argv.slice(1) : [...argv];
  let parsed;
  try {
    parsed = parseArgs({
      args: rest,
      strict: true,
      allowPositionals: sub === "rpc",
      options: sub === "export" || sub === "rpc"
        ? {
          data: { type: "string" },
          genesis: { type: "string" },
          help: { type: "boolean", short: "h" },
        }
        : sub === "wallet"
        ? {
          data: { type: "string" },
          import: { type: "string" },
          help: { type: "boolean", short: "h" },
        }
        : {
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
          help: { type: "boolean", short: "h" },
          version: { type: "boolean" },
        },
    });
  } catch (e) {
    throw new UsageError(`${(e as Error).message.replace(/\. To specify.*$/s, "")}`);
  }
  const v = parsed.values as Record<string, string | boolean | string[] | undefined>;
  if (v.help) return { kind: "help", topic: sub ?? "node" };
  if (sub === "export") {
    return {
      kind: "export",
      data: (v.data as string | undefined) ?? defaultData(env),
      genesis: (v.genesis as string | undefined) ?? null,
    };
  }
  if (sub === "rpc") {
    const [method, ...rest] = parsed.positionals;
    if (method === undefined) throw new UsageError("rpc needs a METHOD, such as balance");
    return {
      kind: "rpc",
      data: (v.data as string | undefined) ?? defaultData(env),
      method,
      args: rest,
    };
  }
  if (sub === "wallet") {
    return {
      kind: "wallet",
      data: (v.data as string | undefined) ?? defaultData(env),
      import: (v.import as string | undefined) ?? null,
    };
  }
  if (v.version) return { kind: "version" };
  return {
    kind: "node",
    options: {
      data: (v.data as string | undefined) ?? defaultData(env),
      port: intFlag("port", v.port as string | undefined, 1, 65535, DEFAULT_PORT),
      bind: ipv4("bind", (v.bind as string | undefined) ?? "0.0.0.0"),
      broadcast: ipv4("broadcast", (v.broadcast as string | undefined) ?? DEFAULT_BROADCAST),
      peers: ((v.peer as string[] | undefined) ?? []).map(parsePeer),
      miners: intFlag("miners", v.miners as string | undefined, 0, 256, Math.max(1, env.cpus - 1)),
      mineCap: intFlag(
        "mine-cap",
        v["mine-cap"] as string | undefined,
        1,
        64,
        DEFAULT_MINING_CAP_BITS,
      ),
      genesis: (v.genesis as string | undefined) ?? null,
      quiet: v.quiet === true,
      jsonLog: v["json-log"] === true,
      daemon: v.daemon === true,
      http: httpFlag(v.http as string | undefined, v["http-allow-remote"] === true),
      httpAllowRemote: v["http-allow-remote"] === true,
    },
  };
}
