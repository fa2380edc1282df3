/**
 * Where the API listens (`--http [ADDR:]PORT`) and which `Host` headers it answers: the
 * defences against a remote caller and against DNS rebinding (a hostile page whose name
 * resolves to 127.0.0.1 sends its own name in `Host`).
 * @module
 */

/** Default listen address: loopback only. */
export const DEFAULT_HTTP_HOST = "127.0.0.1";

/** A parsed `--http` value. */
export interface HttpListen {
  readonly hostname: string;
  /** 0 picks a free port (written to DATA/.http). */
  readonly port: number;
}

/**
 * Parses `[ADDR:]PORT` (ADDR an IPv4 address or `localhost`; PORT 0-65535). Throws
 * RangeError naming the value and the expectation.
 *
 * @example
 * ```ts
 * import { parseHttpListen } from "./listen.ts";
 * const l = parseHttpListen("8332");
 * if (l.hostname !== "127.0.0.1" || l.port !== 8332) throw new Error("parse");
 * ```
 */
export function parseHttpListen(text: string): HttpListen {
  const m = /^(?:([0-9.]+|localhost):)?([0-9]{1,5})$/.exec(text);
  const port = m ? Number(m[2]) : NaN;
  const host = m?.[1] ?? DEFAULT_HTTP_HOST;
  const ipv4ok = host === "localhost" ||
    (/^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.test(host) &&
      host.split(".").every((x) => Number(x) <= 255));
  if (!m || !(port >= 0 && port <= 65535) || !ipv4ok) {
    throw new RangeError(
      `Invalid --http "${text}": expected [ADDR:]PORT, such as 8332 or 127.0.0.1:8332`,
    );
  }
  return { hostname: host === "localhost" ? DEFAULT_HTTP_HOST : host, port };
}

/** True for 127.0.0.0/8, ::1 and `localhost`. */
export function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || host === "[::1]" ||
    /^127\.\d+\.\d+\.\d+$/.test(host);
}

/**
 * Checks a request's `Host` header: the port must be ours and the name an IP literal or
 * `localhost`. A DNS name is refused, whatever it resolves to, which defeats DNS rebinding;
 * a user who reaches the node by IP (LAN, --http-allow-remote) is still served.
 */
export function hostAllowed(host: string | null, port: number): boolean {
  if (host === null) return false;
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:\[\]]+)(?::([0-9]{1,5}))?$/.exec(host);
  if (!m) return false;
  const name = m[1].toLowerCase();
  const p = m[2] === undefined ? 80 : Number(m[2]);
  if (p !== port) return false;
  if (name === "localhost" || name.startsWith("[")) return true;
  return /^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(name);
}
