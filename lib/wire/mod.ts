/**
 * The crackcoin datagram codec (docs/PROTOCOL.md §9): constants, message types, the
 * encodeDatagram/decodeDatagram pair, batching helpers and the one error type. No sockets.
 *
 * @example
 * ```ts
 * import { decodeDatagram, encodeDatagram } from "./mod.ts";
 * const network = new Uint8Array(8).fill(0xa1);
 * const sender = new Uint8Array(8).fill(0xb1);
 * const message = { type: "summary", count: 3, digest: new Uint8Array(32) } as const;
 * const d = decodeDatagram(encodeDatagram({ network, sender, message }), network);
 * if (d.message.type !== "summary" || d.message.count !== 3) throw new Error("round trip");
 * ```
 * @module
 */
export * from "./constants.ts";
export { DatagramError, WIRE_REASONS, WireError, type WireReason } from "./errors.ts";
export { type InvEntry, type Message } from "./messages.ts";
export { type Datagram, decodeDatagram, encodeDatagram, networkIdFromGenesis } from "./datagram.ts";
export { packConfs, packGetData, packTxs } from "./pack.ts";
