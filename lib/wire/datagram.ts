/**
 * The datagram codec: a 22-byte header then one message body (docs/PROTOCOL.md §9.2).
 * The decoder takes bytes from strangers and runs its checks in the fixed order of
 * docs/ARCHITECTURE.md "Decoding untrusted bytes" (PROTOCOL.md §9.5): size, magic and version,
 * network, type, per-type maximum, counts, decode, nothing left over.
 * @module
 */
import { ByteReader, ByteWriter, checkBytes } from "../core/bytes.ts";
import { toHex } from "../core/hash.ts";
import { TXID_BYTES } from "../core/tx.ts";
import {
  HEADER_BYTES,
  MAGIC,
  MAGIC_BYTES,
  MAX_BODY_BYTES_BY_TYPE,
  MAX_DATAGRAM_BYTES,
  MESSAGE_TYPE_CODES,
  MESSAGE_TYPES,
  type MessageType,
  NETWORK_ID_BYTES,
  NODE_ID_BYTES,
  PROTOCOL_VERSION,
} from "./constants.ts";
import { DatagramError, WireError } from "./errors.ts";
import { type Message, readMessageBody, writeMessageBody } from "./messages.ts";

/** A datagram: which network it belongs to, which node sent it, and its message. */
export interface Datagram {
  /** Network id, 8 bytes: the first 8 bytes of the genesis txid. */
  readonly network: Uint8Array;
  /** Sender's node id, 8 bytes, random for each run; a node drops its own broadcasts by it. */
  readonly sender: Uint8Array;
  readonly message: Message;
}

const NETWORK_OFFSET = MAGIC_BYTES + 1;
const SENDER_OFFSET = NETWORK_OFFSET + NETWORK_ID_BYTES;
const TYPE_OFFSET = SENDER_OFFSET + NODE_ID_BYTES;

/**
 * The network id of a genesis: the first 8 bytes of its txid (a copy).
 *
 * @example
 * ```ts
 * import { networkIdFromGenesis } from "./datagram.ts";
 * if (networkIdFromGenesis(new Uint8Array(32).fill(7)).length !== 8) throw new Error("length");
 * ```
 */
export function networkIdFromGenesis(genesisTxid: Uint8Array): Uint8Array {
  return checkBytes(genesisTxid, TXID_BYTES, "genesis txid").slice(0, NETWORK_ID_BYTES);
}

/** Writes the 22-byte header; the caller has checked the lengths of `network` and `sender`. */
export function writeHeader(
  w: ByteWriter,
  network: Uint8Array,
  sender: Uint8Array,
  type: MessageType,
): void {
  for (const b of MAGIC) w.u8(b);
  w.u8(PROTOCOL_VERSION).bytes(network).bytes(sender).u8(MESSAGE_TYPE_CODES[type]);
}

/**
 * Encodes a datagram. Throws RangeError if a field has the wrong length, a count or value
 * breaks a limit of docs/PROTOCOL.md §9, or the result would exceed MAX_DATAGRAM_BYTES;
 * TypeError for an unknown message type. Whatever it returns, decodeDatagram accepts.
 *
 * @example
 * ```ts
 * import { decodeDatagram, encodeDatagram } from "./datagram.ts";
 * const network = new Uint8Array(8).fill(1);
 * const bytes = encodeDatagram({ network, sender: new Uint8Array(8), message: { type: "sync-req" } });
 * if (bytes.length !== 22 || decodeDatagram(bytes, network).message.type !== "sync-req") {
 *   throw new Error("round trip");
 * }
 * ```
 */
export function encodeDatagram(d: Datagram): Uint8Array {
  checkBytes(d.network, NETWORK_ID_BYTES, "network id");
  checkBytes(d.sender, NODE_ID_BYTES, "sender node id");
  const code = MESSAGE_TYPE_CODES[d.message?.type];
  if (code === undefined) {
    throw new TypeError(`"message type" expected a known type, got ${d.message?.type}`);
  }
  const w = new ByteWriter(HEADER_BYTES + 64);
  writeHeader(w, d.network, d.sender, d.message.type);
  writeMessageBody(w, d.message);
  const out = w.finish();
  if (out.length > MAX_DATAGRAM_BYTES) {
    throw new RangeError(
      `"datagram" expected at most ${MAX_DATAGRAM_BYTES} bytes, got ${out.length}`,
    );
  }
  return out;
}

/**
 * Decodes a datagram meant for `network` (8 bytes). Every malformed input throws a
 * DatagramError (a WireError) whose `reason` names the check that failed, in the order of
 * docs/ARCHITECTURE.md "Decoding untrusted bytes"; a datagram of another network fails with
 * reason "network". The result is frozen
 * and shares no memory with `bytes`.
 *
 * @example
 * ```ts
 * import { decodeDatagram, DatagramError } from "./mod.ts";
 * try {
 *   decodeDatagram(new Uint8Array(9000), new Uint8Array(8));
 *   throw new Error("accepted");
 * } catch (e) {
 *   if (!(e instanceof DatagramError) || e.reason !== "size") throw e;
 * }
 * ```
 */
export function decodeDatagram(bytes: Uint8Array, network: Uint8Array): Datagram {
  checkBytes(network, NETWORK_ID_BYTES, "network id");
  // 1. Size, before reading anything.
  checkBytes(bytes, undefined, "datagram");
  if (bytes.length > MAX_DATAGRAM_BYTES || bytes.length < HEADER_BYTES) {
    throw new DatagramError(
      "size",
      `Datagram of ${bytes.length} bytes is outside ${HEADER_BYTES}..${MAX_DATAGRAM_BYTES}`,
    );
  }
  // 2. Magic, then version.
  for (let i = 0; i < MAGIC_BYTES; i++) {
    if (bytes[i] !== MAGIC[i]) {
      throw new DatagramError("magic", `Datagram magic ${toHex(bytes.subarray(0, 4))} is wrong`);
    }
  }
  if (bytes[MAGIC_BYTES] !== PROTOCOL_VERSION) {
    throw new DatagramError("version", `Protocol version ${bytes[MAGIC_BYTES]} is not supported`);
  }
  // 3. Network: another network's traffic is dropped and counted, not treated as hostile.
  for (let i = 0; i < NETWORK_ID_BYTES; i++) {
    if (bytes[NETWORK_OFFSET + i] !== network[i]) {
      const theirs = toHex(bytes.subarray(NETWORK_OFFSET, SENDER_OFFSET));
      throw new DatagramError("network", `Datagram is for network ${theirs}`);
    }
  }
  // 4. Type.
  const code = bytes[TYPE_OFFSET];
  const type = MESSAGE_TYPES[code];
  if (type === undefined) throw new DatagramError("type", `Message type ${code} is unknown`);
  // 5. Per-type maximum body size.
  const bodyBytes = bytes.length - HEADER_BYTES;
  if (bodyBytes > MAX_BODY_BYTES_BY_TYPE[type]) {
    throw new DatagramError(
      "size",
      `A ${type} body of ${bodyBytes} bytes exceeds ${MAX_BODY_BYTES_BY_TYPE[type]}`,
    );
  }
  // 6 and 7. Counts (checked inside readMessageBody before allocating), then the fields.
  const r = new ByteReader(bytes.subarray(HEADER_BYTES));
  let message: Message;
  try {
    message = readMessageBody(r, type);
  } catch (e) {
    if (e instanceof DatagramError) throw e;
    if (e instanceof WireError) throw new DatagramError("decode", e.message, { cause: e });
    throw e;
  }
  // 8. Nothing left over.
  if (r.remaining !== 0) {
    throw new DatagramError("trailing", `${r.remaining} bytes left over after a ${type} message`);
  }
  return Object.freeze({
    network: network.slice(),
    sender: bytes.slice(SENDER_OFFSET, TYPE_OFFSET),
    message,
  });
}
