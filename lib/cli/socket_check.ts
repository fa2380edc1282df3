/**
 * Binding the node's sockets once, before anything is written, so that a wrong --bind or a
 * port held by another program is refused with one line naming the address and port, and
 * leaves no wallet or ledger behind.
 * @module
 */
import { bindError } from "./local_error.ts";

/**
 * Binds and closes the two sockets a node will open: the shared port (with reuseAddress, as
 * nodes share it) and a unicast socket on any port. Throws LocalError naming the address and
 * port (not an address of this machine; the port in use by another program).
 */
export function checkSockets(hostname: string, port: number): void {
  for (const p of [port, 0]) {
    let s: Deno.DatagramConn;
    try {
      s = Deno.listenDatagram({ transport: "udp", hostname, port: p, reuseAddress: p !== 0 });
    } catch (e) {
      throw bindError(hostname, p, e);
    }
    s.close();
  }
}
