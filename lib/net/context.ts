/**
 * What every part of the network layer shares: the ledger seam, our node id, the counters,
 * the clock, the log and the sockets.
 * @module
 */
import { encodeDatagram, type Message } from "../wire/mod.ts";
import type { NetCounters } from "./counters.ts";
import type { NetLedger } from "./ledger_port.ts";
import type { Membership } from "./membership.ts";
import type { Addr, NetLog, Transport } from "./transport.ts";

/** The node's shared state, handed to each part at construction. */
export interface NetContext {
  readonly ledger: NetLedger;
  /** Random per run; our own broadcasts are recognised by it (8 bytes). */
  readonly nodeId: Uint8Array;
  readonly counters: NetCounters;
  /** Milliseconds since the epoch. */
  readonly clock: () => number;
  readonly log: NetLog;
  readonly transport: Transport;
  /** True once the node is stopping: nothing new is started. */
  readonly stopped: () => boolean;
  /**
   * Sends one datagram to one address within its reply budget (lib/net/guard.ts): resolves
   * false when the datagram was not sent because the address has not shown that it receives
   * there and the datagram would exceed 3× what it sent.
   */
  readonly sendBounded: (datagram: Uint8Array, addr: Addr) => Promise<boolean>;
  /** The membership key of a private network, when there is one. */
  readonly membership?: Membership;
}

/** Encodes `message` as a datagram from us. */
export function datagramOf(ctx: NetContext, message: Message): Uint8Array {
  return encodeDatagram({ network: ctx.ledger.network, sender: ctx.nodeId, message });
}

/** Sends `message` to the LAN and every static peer. */
export function sendToAll(ctx: NetContext, message: Message): void {
  ctx.transport.sendAll(datagramOf(ctx, message));
}

/** Sends `message` to one address, within its reply budget (see `NetContext.sendBounded`). */
export function sendTo(ctx: NetContext, message: Message, addr: Addr): Promise<boolean> {
  return ctx.sendBounded(datagramOf(ctx, message), addr);
}
