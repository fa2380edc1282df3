/**
 * The local API and web-page server (README "API and web wallet"; docs/ARCHITECTURE.md "Seams"): `Deno.serve` on loopback unless
 * told otherwise, the Host check against DNS rebinding, the bearer token from DATA/.cookie on
 * every API call, a strict Content-Security-Policy on pages, and the static files of web/dist.
 * @module
 */
import { apiError, handleApi } from "./api.ts";
import { newToken, removeCredentials, writeCredentials } from "./cookie.ts";
import { EventHub } from "./events.ts";
import { hostAllowed, type HttpListen, isLoopback } from "./listen.ts";
import type { NodeView } from "./node_view.ts";
import { StaticFiles } from "./static.ts";

/**
 * The policy of every page: only our own scripts, styles, fetches and images (plus data:
 * images for the QR code); no inline script, no framing, no plugins, no foreign form target.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

/** Headers on every response. */
const SECURITY_HEADERS: Record<string, string> = {
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
  "cross-origin-opener-policy": "same-origin",
  "cross-origin-resource-policy": "same-origin",
};

/** Options of {@linkcode startHttpServer}. */
export interface HttpServerOptions extends HttpListen {
  /** Permit a listen address outside loopback (`--http-allow-remote`). */
  readonly allowRemote: boolean;
  /** The token; a fresh random one by default (tests may fix it). */
  readonly token?: string;
  /** Where the page's files are; web/dist of this checkout (or the executable) by default. */
  readonly webRoot?: URL;
  /** Log lines (warnings about remote binds, errors of handlers). */
  readonly log?: (level: "info" | "warn", msg: string, fields?: Record<string, unknown>) => void;
}

/** A running server. */
export interface HttpServer {
  /** Base URL, such as `http://127.0.0.1:8332`. */
  readonly url: string;
  readonly port: number;
  readonly token: string;
  /** Ends the event streams, stops listening, removes DATA/.cookie and DATA/.http. */
  readonly close: () => Promise<void>;
}

/** A listen address that needs --http-allow-remote; main.ts turns it into a usage error. */
export class RemoteBindError extends Error {
  override name = "RemoteBindError";
}

function withHeaders(res: Response, extra: Record<string, string>): Response {
  for (const [k, v] of Object.entries(extra)) res.headers.set(k, v);
  return res;
}

/** Compares two strings in time that does not depend on where they differ. */
function sameToken(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return d === 0;
}

/**
 * Starts the server, then writes DATA/.cookie and DATA/.http. Throws RemoteBindError for a
 * non-loopback address without `allowRemote`, and Deno's AddrInUse or PermissionDenied when
 * the port cannot be had.
 */
export async function startHttpServer(
  view: NodeView,
  opts: HttpServerOptions,
): Promise<HttpServer> {
  if (!isLoopback(opts.hostname) && !opts.allowRemote) {
    throw new RemoteBindError(
      `Refusing --http on ${opts.hostname}: it is not a loopback address, and anyone who can ` +
        `reach it could try the API. Add --http-allow-remote to do it anyway.`,
    );
  }
  const log = opts.log ?? (() => {});
  if (!isLoopback(opts.hostname)) {
    log("warn", "the HTTP API listens beyond this machine; the token is all that protects it", {
      address: opts.hostname,
    });
  }
  const token = opts.token ?? newToken();
  const events = new EventHub(view);
  const files = new StaticFiles(opts.webRoot ?? new URL("../../web/dist/", import.meta.url));
  const abort = new AbortController();
  let port = 0;
  const handler = async (req: Request): Promise<Response> => {
    const url = new URL(req.url);
    if (!hostAllowed(req.headers.get("host"), port)) {
      return apiError(
        403,
        "forbidden-host",
        "The Host header must be this node's IP address or localhost",
      );
    }
    if (url.pathname.startsWith("/api/")) {
      const m = /^\/api\/v1\/(.+)$/.exec(url.pathname);
      const auth = req.headers.get("authorization") ?? "";
      const given = /^Bearer ([^\s]+)$/.exec(auth)?.[1] ?? "";
      if (!sameToken(given, token)) {
        return apiError(
          401,
          "unauthorized",
          "Send Authorization: Bearer <the content of DATA/.cookie>",
          {
            "www-authenticate": 'Bearer realm="crackcoin"',
          },
        );
      }
      if (!m) return apiError(404, "not-found", `No API route ${url.pathname}`);
      try {
        return await handleApi(req, m[1], url, view, events);
      } catch (e) {
        log("warn", "API handler failed", { path: url.pathname, error: String(e) });
        return apiError(500, "internal", "The node could not answer this request");
      }
    }
    if (req.method !== "GET" && req.method !== "HEAD") {
      return new Response("Method not allowed\n", { status: 405, headers: { allow: "GET" } });
    }
    const res = await files.serve(url.pathname);
    return withHeaders(res, { "content-security-policy": CONTENT_SECURITY_POLICY });
  };
  const ready = Promise.withResolvers<Deno.NetAddr>();
  const server = Deno.serve({
    hostname: opts.hostname,
    port: opts.port,
    signal: abort.signal,
    onListen: (addr) => ready.resolve(addr as Deno.NetAddr),
    onError: (e) => {
      log("warn", "HTTP request failed", { error: String(e) });
      return apiError(500, "internal", "The node could not answer this request");
    },
  }, async (req) => withHeaders(await handler(req), SECURITY_HEADERS));
  const addr = await ready.promise;
  port = addr.port;
  // A wildcard bind is reached on this machine through loopback (rpc, the printed link).
  const host = addr.hostname === "0.0.0.0" ? "127.0.0.1" : addr.hostname;
  const url = `http://${host}:${addr.port}`;
  try {
    await writeCredentials(view.dataDir, token, `${host}:${addr.port}`);
  } catch (e) {
    abort.abort();
    await server.finished;
    throw e;
  }
  let closed = false;
  return {
    url,
    port,
    token,
    close: async () => {
      if (closed) return;
      closed = true;
      events.close();
      abort.abort();
      await server.finished;
      await removeCredentials(view.dataDir);
    },
  };
}
