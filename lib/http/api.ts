/**
 * The JSON routes under /api/v1/ (docs/openapi.json describes them). Each handler reads the
 * node through a NodeView and answers JSON; errors are `{ "error": { "code", "message" } }`
 * with a stable code. Authentication and the Host check happen before (server.ts).
 * @module
 */
import { type NodeView, SendError } from "./node_view.ts";
import { OPENAPI } from "./openapi.ts";
import type { EventHub } from "./events.ts";

/** Largest accepted request body, bytes. */
export const MAX_BODY_BYTES = 16 * 1024;
/** Most transactions one list request returns. */
export const MAX_LIST = 1000;
/** Default `limit` of history and graph. */
export const DEFAULT_LIST = 50;

/** Stable error codes of the API (besides the payment codes of SendError). */
export type ApiErrorCode =
  | "unauthorized"
  | "forbidden-host"
  | "not-found"
  | "method-not-allowed"
  | "bad-request"
  | "unsupported-media-type"
  | "payload-too-large"
  | "internal";

const JSON_HEADERS = {
  "content-type": "application/json; charset=utf-8",
  "cache-control": "no-store",
};

/** A JSON response. */
export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body, null, 1) + "\n", {
    status,
    headers: { ...JSON_HEADERS, ...headers },
  });
}

/** An error response. */
export function apiError(
  status: number,
  code: ApiErrorCode | string,
  message: string,
  headers: Record<string, string> = {},
): Response {
  return json({ error: { code, message } }, status, headers);
}

/** A bad query parameter or body field; answered 400 bad-request. */
class BadRequest extends Error {}

function intParam(url: URL, name: string, def: number, max: number): number {
  const v = url.searchParams.get(name);
  if (v === null) return def;
  if (!/^[0-9]{1,7}$/.test(v)) {
    throw new BadRequest(`Invalid ${name} "${v}": expected a whole number from 0 to ${max}`);
  }
  return Math.min(Number(v), max);
}

function addressParam(url: URL): string | undefined {
  const v = url.searchParams.get("address");
  return v === null || v === "" ? undefined : v;
}

async function readJsonBody(req: Request): Promise<Record<string, unknown>> {
  const type = req.headers.get("content-type") ?? "";
  if (!/^application\/json\s*(;|$)/i.test(type)) {
    throw new SendError("unsupported-media-type", "POST bodies must be application/json");
  }
  const reader = req.body?.getReader();
  const chunks: Uint8Array[] = [];
  let n = 0;
  while (reader) {
    const r = await reader.read();
    if (r.done) break;
    n += r.value.length;
    if (n > MAX_BODY_BYTES) {
      await reader.cancel();
      throw new SendError(
        "payload-too-large",
        `Request bodies are limited to ${MAX_BODY_BYTES} bytes`,
      );
    }
    chunks.push(r.value);
  }
  const bytes = new Uint8Array(n);
  let off = 0;
  for (const c of chunks) {
    bytes.set(c, off);
    off += c.length;
  }
  let body: unknown;
  try {
    body = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch {
    throw new BadRequest("The request body is not valid JSON");
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new BadRequest("The request body must be a JSON object");
  }
  return body as Record<string, unknown>;
}

const STATUS_OF: Record<string, number> = {
  "unsupported-media-type": 415,
  "payload-too-large": 413,
};

/** Answers one authenticated request under /api/v1/. */
export async function handleApi(
  req: Request,
  path: string,
  url: URL,
  view: NodeView,
  events: EventHub,
): Promise<Response> {
  const get = req.method === "GET" || req.method === "HEAD";
  const only = (allowed: string) =>
    apiError(405, "method-not-allowed", `Use ${allowed}`, { allow: allowed });
  try {
    if (path.startsWith("tx/")) {
      if (!get) return only("GET");
      const d = view.tx(path.slice(3));
      return d
        ? json(d)
        : apiError(404, "not-found", `No transaction ${path.slice(3)} in the ledger`);
    }
    switch (path) {
      case "info":
        return get ? json(view.info()) : only("GET");
      case "balance":
        return get ? json(view.balance()) : only("GET");
      case "addresses":
        return get ? json({ addresses: view.addresses() }) : only("GET");
      case "receive":
        return get ? json({ address: view.receiveAddress() }) : only("GET");
      case "history": {
        if (!get) return only("GET");
        const limit = intParam(url, "limit", DEFAULT_LIST, MAX_LIST);
        const offset = intParam(url, "offset", 0, 10_000_000);
        const wallet = url.searchParams.get("wallet");
        if (wallet !== null && wallet !== "1") {
          throw new BadRequest(`Invalid wallet "${wallet}": expected 1`);
        }
        return json({
          transactions: wallet === "1"
            ? view.walletHistory(limit, offset)
            : view.history(limit, offset, addressParam(url)),
        });
      }
      case "graph":
        if (!get) return only("GET");
        return json(view.graph(intParam(url, "limit", DEFAULT_LIST, MAX_LIST), addressParam(url)));
      case "mining":
        return get ? json(view.mining()) : only("GET");
      case "peers":
        return get ? json(view.peers()) : only("GET");
      case "sync":
        if (req.method === "POST") {
          view.syncNow();
          return json({ requested: true }, 202);
        }
        return get ? json(view.sync()) : only("GET, POST");
      case "send": {
        if (req.method !== "POST") return only("POST");
        const body = await readJsonBody(req);
        const { address, amount } = body;
        if (typeof address !== "string") {
          throw new SendError("bad-address", 'Missing "address": expected a string');
        }
        if (typeof amount !== "string" && typeof amount !== "number") {
          throw new SendError(
            "bad-amount",
            'Missing "amount": expected a decimal string of base units',
          );
        }
        return json(view.send(address, String(amount)));
      }
      case "events":
        return get ? events.open() : only("GET");
      case "openapi.json":
        return get ? json(OPENAPI) : only("GET");
      default:
        return apiError(404, "not-found", `No API route /api/v1/${path}`);
    }
  } catch (e) {
    if (e instanceof SendError) return apiError(STATUS_OF[e.code] ?? 400, e.code, e.message);
    if (e instanceof BadRequest || e instanceof TypeError || e instanceof RangeError) {
      return apiError(400, "bad-request", e.message);
    }
    throw e;
  }
}
