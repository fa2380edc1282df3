/**
 * Server-Sent Events (`GET /api/v1/events`): the wallet events the command loop prints
 * (received, confirmed, conflicted) and the payments sent through the API, one JSON object
 * per event, `event:` set to its kind. A comment line every KEEPALIVE_MS keeps proxies and
 * idle timeouts away. Browsers read it with fetch() so that the token travels in a header.
 * @module
 */
import type { NodeEventJson, NodeView } from "./node_view.ts";

/** Interval of keep-alive comments, ms. */
export const KEEPALIVE_MS = 15_000;
/** Most open event streams; further ones are refused with 503. */
export const MAX_STREAMS = 32;

const encoder = new TextEncoder();

/** Formats one event in the SSE wire format (an `id`, an `event` and one `data` line). */
export function formatEvent(id: number, e: NodeEventJson): string {
  return `id: ${id}\nevent: ${e.kind}\ndata: ${JSON.stringify(e)}\n\n`;
}

/** The open event streams of one server. */
export class EventHub {
  readonly #view: NodeView;
  readonly #closers = new Set<() => void>();
  #nextId = 1;

  constructor(view: NodeView) {
    this.#view = view;
  }

  /** Open streams. */
  get size(): number {
    return this.#closers.size;
  }

  /**
   * A streaming response that ends when the client goes away (the body stream is cancelled,
   * or a write fails) or the hub closes.
   */
  open(): Response {
    if (this.#closers.size >= MAX_STREAMS) {
      return new Response(
        JSON.stringify({ error: { code: "too-many-streams", message: "Too many event streams" } }),
        { status: 503, headers: { "content-type": "application/json" } },
      );
    }
    let cleanup = () => {};
    const body = new ReadableStream<Uint8Array>({
      start: (controller) => {
        const send = (text: string) => {
          try {
            controller.enqueue(encoder.encode(text));
          } catch {
            cleanup(); // the client is gone
          }
        };
        send(`retry: 2000\n: crackcoin events\n\n`);
        const unsubscribe = this.#view.subscribe((e) => send(formatEvent(this.#nextId++, e)));
        const timer = setInterval(() => send(`: keep-alive\n\n`), KEEPALIVE_MS);
        let done = false;
        cleanup = () => {
          if (done) return;
          done = true;
          unsubscribe();
          clearInterval(timer);
          this.#closers.delete(cleanup);
          try {
            controller.close();
          } catch { /* already closed or errored */ }
        };
        this.#closers.add(cleanup);
      },
      cancel: () => cleanup(),
    });
    return new Response(body, {
      headers: {
        "content-type": "text/event-stream; charset=utf-8",
        "cache-control": "no-store",
        "x-accel-buffering": "no",
      },
    });
  }

  /** Ends every stream (before the server shuts down). */
  close(): void {
    for (const c of [...this.#closers]) c();
  }
}
