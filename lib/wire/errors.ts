/**
 * The wire codec's error: a {@link WireError} that says which decoder check refused the
 * datagram, so the receive loop can count rejections by reason (docs/PROTOCOL.md §9.5).
 * @module
 */
import { WireError } from "../core/errors.ts";

export { WireError };

/**
 * Why a datagram was refused, one value per decoder check, in the order of
 * docs/ARCHITECTURE.md "Decoding untrusted bytes".
 * `network` is a datagram of another crackcoin network: expected on a shared LAN, not hostile.
 */
export type WireReason =
  | "size"
  | "magic"
  | "version"
  | "network"
  | "type"
  | "count"
  | "decode"
  | "trailing";

/** Every reason in check order, for counters and documentation tests. */
export const WIRE_REASONS: readonly WireReason[] = Object.freeze([
  "size",
  "magic",
  "version",
  "network",
  "type",
  "count",
  "decode",
  "trailing",
]);

/**
 * A datagram the decoder refused. It is a {@link WireError}, so one `catch` covers all
 * malformed input; callers count by `reason`, never by the message.
 *
 * @example
 * ```ts
 * import { DatagramError, WireError } from "./errors.ts";
 * const e = new DatagramError("network", "Datagram is for network 0102030405060708");
 * if (!(e instanceof WireError) || e.reason !== "network") throw new Error("unexpected");
 * ```
 */
export class DatagramError extends WireError {
  override name = "DatagramError";
  /** The decoder check that failed. */
  readonly reason: WireReason;
  constructor(reason: WireReason, message: string, options?: ErrorOptions) {
    super(message, options);
    this.reason = reason;
  }
}
