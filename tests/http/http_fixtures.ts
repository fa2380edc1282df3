/**
 * Nodes with `--http 127.0.0.1:0` as real subprocesses, and a small API client for tests.
 * UDP stays on loopback (`--broadcast 127.255.255.255`).
 * @module
 */
import { NodeProc } from "../helpers/proc.ts";
import { LOOPBACK_BROADCAST } from "../helpers/net_fixtures.ts";

/** The demo network's wallet that owns the genesis coins. */
export const DEMO_WALLET = new URL("../../genesis/demo_wallet.json", import.meta.url).pathname;
/** The demo network's supply. */
export const SUPPLY = 1_000_000_000n;

/** Parsed JSON of an answer (tests read fields freely). */
// deno-lint-ignore no-explicit-any
export type Json = any;

/** A running node with its API. */
export interface HttpNode {
  readonly proc: NodeProc;
  readonly dir: string;
  /** `http://127.0.0.1:PORT` */
  readonly base: string;
  readonly token: string;
  readonly address: string;
  /** Calls the API with the token; returns status and parsed JSON. */
  readonly api: (
    path: string,
    init?: { method?: string; body?: unknown },
  ) => Promise<{ status: number; body: Json }>;
}

/** Copies the demo wallet into `dir` (creating it). */
export async function importDemoWallet(dir: string): Promise<void> {
  await Deno.mkdir(dir, { recursive: true, mode: 0o700 });
  await Deno.copyFile(DEMO_WALLET, `${dir}/wallet.json`);
  await Deno.chmod(`${dir}/wallet.json`, 0o600);
}

/** Starts main.ts on `dir` with --http on a free loopback port and waits for the API. */
export async function startHttpNode(
  dir: string,
  udpPort: number,
  opts: { miners?: number; extra?: string[] } = {},
): Promise<HttpNode> {
  const proc = await NodeProc.startMain([
    "--data",
    dir,
    "--port",
    String(udpPort),
    "--broadcast",
    LOOPBACK_BROADCAST,
    "--miners",
    String(opts.miners ?? 0),
    "--http",
    "127.0.0.1:0",
    "--quiet",
    ...(opts.extra ?? []),
  ]);
  const address = (await proc.waitFor(/^Address: (C\w+)$/, 30_000))[1];
  const link = await proc.waitFor(
    /^Web wallet: (http:\/\/127\.0\.0\.1:\d+)\/#token=([0-9a-f]{64})$/,
    30_000,
  );
  const base = link[1], token = link[2];
  const api = async (
    path: string,
    init: { method?: string; body?: unknown } = {},
  ) => {
    const res = await fetch(`${base}/api/v1/${path}`, {
      method: init.method ?? (init.body === undefined ? "GET" : "POST"),
      headers: {
        authorization: `Bearer ${token}`,
        ...(init.body === undefined ? {} : { "content-type": "application/json" }),
      },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  };
  return { proc, dir, base, token, address, api };
}

/** Polls `fn` until it returns a non-undefined value. */
export async function until<T>(
  fn: () => Promise<T | undefined> | T | undefined,
  ms: number,
  what: string,
): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() - t0 > ms) {
      throw new Error(`Timed out after ${ms} ms waiting for ${what}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Sends one raw HTTP/1.1 request over TCP (to set any Host header); returns the status. */
export async function rawStatus(
  base: string,
  path: string,
  host: string,
  token?: string,
): Promise<number> {
  const u = new URL(base);
  const conn = await Deno.connect({
    hostname: u.hostname,
    port: Number(u.port),
  });
  try {
    const req = `GET ${path} HTTP/1.1\r\nHost: ${host}\r\n` +
      (token ? `Authorization: Bearer ${token}\r\n` : "") +
      "Connection: close\r\n\r\n";
    await conn.write(new TextEncoder().encode(req));
    const buf = new Uint8Array(4096);
    let text = "";
    for (;;) {
      const n = await conn.read(buf);
      if (n === null) break;
      text += new TextDecoder().decode(buf.subarray(0, n));
      if (text.includes("\r\n")) break;
    }
    return Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0);
  } finally {
    conn.close();
  }
}

/**
 * Reads an SSE stream in the background, collecting the JSON data of each event. `ended`
 * settles when the stream ends (the node closed it, or `close` was called); it never rejects:
 * a stream cut by a node that exits ends it too, with `error` set.
 */
export function collectEvents(base: string, token: string): {
  events: { kind: string; txid: string; amount: string }[];
  ended: Promise<void>;
  error: () => unknown;
  close: () => Promise<void>;
} {
  const events: { kind: string; txid: string; amount: string }[] = [];
  const ctl = new AbortController();
  let error: unknown = null;
  const ended = (async () => {
    try {
      const res = await fetch(`${base}/api/v1/events`, {
        headers: { authorization: `Bearer ${token}` },
        signal: ctl.signal,
      });
      let buf = "";
      for await (const chunk of res.body!.pipeThrough(new TextDecoderStream())) {
        buf += chunk;
        let i;
        while ((i = buf.indexOf("\n\n")) >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const data = block.split("\n").find((l) => l.startsWith("data: "));
          if (data) events.push(JSON.parse(data.slice(6)));
        }
      }
    } catch (e) {
      if (!ctl.signal.aborted) error = e;
    }
  })();
  return {
    events,
    ended,
    error: () => error,
    close: async () => {
      ctl.abort();
      await ended;
    },
  };
}
