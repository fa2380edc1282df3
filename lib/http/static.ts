/**
 * The web page's static files (web/dist, built by `deno task web` and embedded by
 * `deno task compile`). Only plain file names directly in the root or in `assets/` are
 * served, so no request path can leave the folder. Files are read once and kept in memory.
 * @module
 */

const TYPES: Record<string, string> = {
  html: "text/html; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  css: "text/css; charset=utf-8",
  svg: "image/svg+xml",
  png: "image/png",
  ico: "image/x-icon",
  json: "application/json; charset=utf-8",
  map: "application/json; charset=utf-8",
};

/** Serves files under one root. */
export class StaticFiles {
  readonly #root: URL;
  readonly #cache = new Map<string, Uint8Array | null>();

  constructor(root: URL) {
    this.#root = root;
  }

  async #read(rel: string): Promise<Uint8Array | null> {
    if (this.#cache.has(rel)) return this.#cache.get(rel)!;
    let bytes: Uint8Array | null = null;
    try {
      bytes = await Deno.readFile(new URL(rel, this.#root));
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound || e instanceof Deno.errors.IsADirectory)) throw e;
    }
    if (this.#cache.size < 256) this.#cache.set(rel, bytes);
    return bytes;
  }

  /** The response for a request path (`/` is index.html). */
  async serve(pathname: string): Promise<Response> {
    const rel = pathname === "/" ? "index.html" : pathname.slice(1);
    if (!/^(assets\/)?[A-Za-z0-9_-][A-Za-z0-9._-]*$/.test(rel) || rel.includes("..")) {
      return new Response("Not found\n", {
        status: 404,
        headers: { "content-type": "text/plain" },
      });
    }
    const bytes = await this.#read(rel);
    if (bytes === null) {
      if (rel === "index.html") {
        return new Response(
          "The web page is not built in this checkout: run `deno task web`, then restart.\n",
          { status: 503, headers: { "content-type": "text/plain; charset=utf-8" } },
        );
      }
      return new Response("Not found\n", {
        status: 404,
        headers: { "content-type": "text/plain" },
      });
    }
    const ext = rel.slice(rel.lastIndexOf(".") + 1);
    return new Response(bytes.slice(), {
      headers: {
        "content-type": TYPES[ext] ?? "application/octet-stream",
        // Bundles carry a content hash in their names; the page itself is always revalidated.
        "cache-control": rel.startsWith("assets/")
          ? "public, max-age=31536000, immutable"
          : "no-cache",
      },
    });
  }
}
