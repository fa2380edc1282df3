/**
 * `crackcoin rpc METHOD [ARGS]`: the client for scripts. It reads DATA/.cookie and DATA/.http
 * of the node running on the same data directory, calls the API and prints its JSON answer.
 * It returns an exit code ({@linkcode RPC_EXIT}); main.ts exits with it.
 * @module
 */
import { readCredentials } from "./cookie.ts";

/** Exit codes of `crackcoin rpc` (README "API and web wallet"). */
export const RPC_EXIT = Object.freeze({
  /** The node answered; its JSON is on stdout. */
  ok: 0,
  /** The node refused the request (bad address, bad amount, unknown txid...); its error JSON is on stdout. */
  refused: 1,
  /** Bad command line (unknown method, wrong arguments). */
  usage: 2,
  /** No node to talk to: no DATA/.cookie (node not running or without --http), or it does not answer. */
  unreachable: 3,
  /** The node rejected the token: DATA/.cookie is stale or belongs to another node. */
  unauthorized: 4,
});

/** One API request. */
export interface RpcRequest {
  readonly method: "GET" | "POST";
  readonly path: string;
  readonly body?: unknown;
}

/** One rpc method: its usage line and the request it makes from its arguments. */
export interface RpcMethod {
  readonly usage: string;
  readonly build: (args: readonly string[]) => RpcRequest;
}

/** The methods, their arguments and the request each makes. */
export const RPC_METHODS: Readonly<Record<string, RpcMethod>> = {
  info: { usage: "info", build: () => ({ method: "GET", path: "info" }) },
  balance: { usage: "balance", build: () => ({ method: "GET", path: "balance" }) },
  addresses: { usage: "addresses", build: () => ({ method: "GET", path: "addresses" }) },
  receive: { usage: "receive", build: () => ({ method: "GET", path: "receive" }) },
  history: {
    usage: "history [LIMIT [ADDRESS]]",
    build: (a) => {
      const q = new URLSearchParams();
      if (a[0] !== undefined) q.set("limit", a[0]);
      if (a[1] !== undefined) q.set("address", a[1]);
      return { method: "GET", path: `history?${q}` };
    },
  },
  tx: {
    usage: "tx TXID",
    build: (a) => ({ method: "GET", path: `tx/${encodeURIComponent(a[0])}` }),
  },
  graph: {
    usage: "graph [LIMIT]",
    build: (a) => ({
      method: "GET",
      path: `graph${a[0] ? `?limit=${encodeURIComponent(a[0])}` : ""}`,
    }),
  },
  send: {
    usage: "send ADDRESS AMOUNT",
    build: (a) => ({ method: "POST", path: "send", body: { address: a[0], amount: a[1] } }),
  },
  mining: { usage: "mining", build: () => ({ method: "GET", path: "mining" }) },
  peers: { usage: "peers", build: () => ({ method: "GET", path: "peers" }) },
  sync: { usage: "sync", build: () => ({ method: "GET", path: "sync" }) },
  "sync-now": { usage: "sync-now", build: () => ({ method: "POST", path: "sync" }) },
};

const ARITY: Record<string, [number, number]> = {
  history: [0, 2],
  tx: [1, 1],
  graph: [0, 1],
  send: [2, 2],
};

/** The usage text of `rpc`. */
export const RPC_HELP = `Usage: crackcoin rpc [--data DIR] METHOD [ARGS]

Calls the API of the node running on DIR (started with --http) and prints its JSON answer.
Methods:
${Object.values(RPC_METHODS).map((m) => `  ${m.usage}`).join("\n")}

Exit codes: 0 answered; 1 the node refused the request (its error JSON is printed);
2 bad command line; 3 no node serving HTTP on DIR; 4 the token in DIR/.cookie was rejected.`;

/** Runs one call; writes the answer with `out` and messages with `err`; returns the exit code. */
export async function rpcCommand(
  dir: string,
  method: string,
  args: string[],
  out: (text: string) => void,
  err: (text: string) => void,
): Promise<number> {
  const m = Object.hasOwn(RPC_METHODS, method) ? RPC_METHODS[method] : undefined;
  const [min, max] = Object.hasOwn(ARITY, method) ? ARITY[method] : [0, 0];
  if (!m || args.length < min || args.length > max) {
    err(
      m
        ? `crackcoin rpc: usage: crackcoin rpc ${m.usage}\n`
        : `crackcoin rpc: unknown method "${method}"; run 'crackcoin rpc --help' for the list\n`,
    );
    return RPC_EXIT.usage;
  }
  let cred;
  try {
    cred = await readCredentials(dir);
  } catch (e) {
    err(`crackcoin rpc: cannot read the cookie in ${dir}: ${(e as Error).message}\n`);
    return RPC_EXIT.unreachable;
  }
  if (cred === null) {
    err(
      `crackcoin rpc: no node serving HTTP on ${dir} (no ${dir}/.cookie); start it with --http PORT\n`,
    );
    return RPC_EXIT.unreachable;
  }
  const req = m.build(args);
  let res: Response;
  try {
    res = await fetch(`http://${cred.hostPort}/api/v1/${req.path}`, {
      method: req.method,
      headers: {
        authorization: `Bearer ${cred.token}`,
        ...(req.body === undefined ? {} : { "content-type": "application/json" }),
      },
      body: req.body === undefined ? undefined : JSON.stringify(req.body),
    });
  } catch (e) {
    err(`crackcoin rpc: the node at ${cred.hostPort} does not answer: ${(e as Error).message}\n`);
    return RPC_EXIT.unreachable;
  }
  const text = await res.text();
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    err(`crackcoin rpc: the node answered ${res.status} with something that is not JSON\n`);
    return RPC_EXIT.refused;
  }
  out(JSON.stringify(doc, null, 2) + "\n");
  if (res.ok) return RPC_EXIT.ok;
  const e = (doc as { error?: { code?: string; message?: string } }).error;
  err(`crackcoin rpc: ${e?.message ?? `HTTP ${res.status}`}${e?.code ? ` (${e.code})` : ""}\n`);
  return res.status === 401 ? RPC_EXIT.unauthorized : RPC_EXIT.refused;
}
