/**
 * Starts the local API and web page for a running node (`--http`): builds the NodeView
 * adapter, starts the server, and prints where the page is. main.ts calls it and closes the
 * result before stopping the node.
 * @module
 */
import { startHttpServer } from "../http/server.ts";
import { LocalError, osReason } from "./local_error.ts";
import type { NodeOptions } from "./args.ts";
import type { Logger } from "./log.ts";
import { makeNodeView } from "./node_view.ts";
import type { Node } from "./run_node.ts";

/** The API server of a node. */
export interface NodeHttp {
  readonly url: string;
  /** Stops the server, removes DATA/.cookie and DATA/.http, releases the view. */
  readonly close: () => Promise<void>;
}

/**
 * Serves `options.http` (which must be set). Prints the page's address with the token in
 * the URL fragment, which browsers never send to a server or put in a Referer.
 */
export async function startNodeHttp(
  node: Node,
  options: NodeOptions,
  log: Logger,
  print: (line: string) => void,
): Promise<NodeHttp> {
  if (!options.http) throw new TypeError("startNodeHttp needs options.http");
  const handle = makeNodeView(node);
  let server;
  try {
    server = await startHttpServer(handle.view, {
      ...options.http,
      allowRemote: options.httpAllowRemote,
      log,
    });
  } catch (e) {
    handle.close();
    if (Object.values(Deno.errors).some((c) => e instanceof c)) {
      // One line naming the listener (the UDP sockets have their own, bindError).
      throw new LocalError(
        `Cannot serve --http on ${options.http.hostname}:${options.http.port}: ${osReason(e)}`,
        { cause: e },
      );
    }
    throw e;
  }
  print(`API: ${server.url}/api/v1/ (token in ${node.paths.dir}/.cookie)`);
  print(`Web wallet: ${server.url}/#token=${server.token}`);
  let closed = false;
  return {
    url: server.url,
    close: async () => {
      if (closed) return;
      closed = true;
      await server.close();
      handle.close();
    },
  };
}
