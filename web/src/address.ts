/**
 * Address checks in the page, before anything is sent: Base58Check with the network's version
 * byte (docs/PROTOCOL.md §2), with the same libraries as lib/core/address.ts.
 * @module
 */
import { sha256 } from "@noble/hashes/sha2.js";
import { createBase58check } from "@scure/base";

/** The version byte of crackcoin addresses (lib/core/address.ts ADDRESS_VERSION). */
export const ADDRESS_VERSION = 0x1c;

const b58check = createBase58check(sha256);

/** Null when `text` is a valid address, else why not (for the user). */
export function addressProblem(text: string): string | null {
  const t = text.trim();
  if (t.length === 0) return "Enter the payee's address.";
  let payload: Uint8Array;
  try {
    payload = b58check.decode(t);
  } catch {
    return "This address has a bad character or checksum: it was probably mistyped.";
  }
  if (payload.length !== 21 || payload[0] !== ADDRESS_VERSION) {
    return "This is not a crackcoin address.";
  }
  return null;
}

/** Null when `text` is a valid amount in base units, else why not. */
export function amountProblem(text: string): string | null {
  if (!/^[0-9]{1,19}$/.test(text.trim())) {
    return "Enter a whole number of base units, such as 25.";
  }
  if (BigInt(text.trim()) < 1n) return "The amount must be at least 1.";
  return null;
}
