/**
 * The page's client of the node API: the token from the one-time link's fragment (kept in
 * sessionStorage, never in a cookie), JSON calls with `Authorization: Bearer`, and the event
 * stream read with fetch() so that the token travels in a header there too.
 * @module
 */
import type { NodeEventJson } from "../../lib/http/node_view.ts";

export type * from "../../lib/http/node_view.ts";

const KEY = "crackcoin-token";

/** Takes `#token=...` from the address bar (then removes it) or the stored token. */
export function loadToken(): string | null {
  const m = /(?:^#|&)token=([0-9a-f]{64})/.exec(location.hash);
  if (m) {
    sessionStorage.setItem(KEY, m[1]);
    history.replaceState(null, "", location.pathname + location.search);
    return m[1];
  }
  return sessionStorage.getItem(KEY);
}

/** Stores a token typed by the user. */
export function saveToken(token: string): void {
  sessionStorage.setItem(KEY, token.trim());
}

/** Forgets the token (after a 401). */
export function clearToken(): void {
  sessionStorage.removeItem(KEY);
}

/** An error answer of the API. */
export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}

let token = "";
let onUnauthorized = () => {};

/** Sets the token and what to do when the node refuses it. */
export function configure(t: string, unauthorized: () => void): void {
  token = t;
  onUnauthorized = unauthorized;
}

/** Calls `/api/v1/<path>`; throws ApiError for an error answer. */
export async function api<T>(path: string, body?: unknown): Promise<T> {
  const res = await fetch(`/api/v1/${path}`, {
    method: body === undefined ? "GET" : "POST",
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const doc = await res.json().catch(() => null);
  if (!res.ok) {
    if (res.status === 401) onUnauthorized();
    const e = doc?.error ?? {};
    throw new ApiError(
      res.status,
      e.code ?? "http",
      e.message ?? `HTTP ${res.status}`,
    );
  }
  return doc as T;
}

/** Reads the SSE stream until `signal` aborts; reconnects after errors. */
export async function streamEvents(
  onEvent: (e: NodeEventJson) => void,
  signal: AbortSignal,
): Promise<void> {
  while (!signal.aborted) {
    try {
      const res = await fetch("/api/v1/events", {
        headers: { authorization: `Bearer ${token}` },
        signal,
      });
      if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`);
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      let buf = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += value;
        let i;
        while ((i = buf.indexOf("\n\n")) >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const data = block.split("\n").find((l) => l.startsWith("data: "));
          if (data) onEvent(JSON.parse(data.slice(6)));
        }
      }
    } catch {
      if (signal.aborted) return;
    }
    await new Promise((r) => setTimeout(r, 2000));
  }
}

/** The first 16 hex digits of a txid, as the terminal shows it. */
export function short(txid: string): string {
  return txid.slice(0, 16);
}

/** Groups the digits of a base-unit amount: 1000000 → 1 000 000. */
export function units(amount: string): string {
  const neg = amount.startsWith("-");
  const d = neg ? amount.slice(1) : amount;
  return (neg ? "−" : "") + d.replace(/\B(?=(\d{3})+(?!\d))/g, "\u202f");
}
