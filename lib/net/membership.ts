/**
 * The network layer's use of the membership key (lib/wire/sealed.ts): Transport seals every
 * datagram it sends, and Dispatcher opens every datagram it receives (after the rate limit,
 * before decoding). A datagram that does not open is counted as `auth-failed` and dropped.
 * @module
 */
import { DatagramOpener, DatagramSealer, type OpenFailure, SEALED_MAGIC } from "../wire/sealed.ts";

/** Seal and open under one network key. */
export class Membership {
  readonly #sealer: DatagramSealer;
  readonly #opener: DatagramOpener;

  /** `random` draws the sealer's session (crypto.getRandomValues in production). */
  constructor(key: Uint8Array, random: (n: number) => Uint8Array, encrypt = true) {
    this.#sealer = new DatagramSealer(key, random, encrypt);
    this.#opener = new DatagramOpener(key);
  }

  /** Seals an outgoing datagram. */
  seal(datagram: Uint8Array, now: number): Uint8Array {
    return this.#sealer.seal(datagram, now);
  }

  /** Opens an incoming datagram, or says why not. */
  open(data: Uint8Array, now: number): Uint8Array | OpenFailure {
    return this.#opener.open(data, now);
  }
}

/** True when `data` looks like a sealed datagram (for a keyless node to count it). */
export function looksSealed(data: Uint8Array): boolean {
  return data.length >= 4 && data[0] === SEALED_MAGIC[0] && data[1] === SEALED_MAGIC[1] &&
    data[2] === SEALED_MAGIC[2] && data[3] === SEALED_MAGIC[3];
}
