/**
 * Version 2 confirmations (docs/PROTOCOL.md §6): (txid, bits, refs, nonce). The commitment
 * binds the transaction, the claimed bits and the approved confirmations; the pow hash of
 * commitment ‖ nonce is the confirmation's id, and it must have at least `bits` leading zero
 * bits. Pure: no I/O.
 * @module
 */
import { ByteReader, ByteWriter } from "./bytes.ts";
import { RuleError, WireError } from "./errors.ts";
import { compareBytes, sha256, toHex } from "./hash.ts";
import { leadingZeroBits, MAX_CONF_BITS, MAX_REFS, MIN_CONF_BITS, powMessage } from "./pow.ts";

/** Bytes of a txid, a confirmation id and a commitment. */
export const CONF_ID_BYTES = 32;
/** Domain tag of the commitment: the 17 ASCII bytes "crackcoin/conf/v2". */
export const CONF_TAG: Uint8Array = new TextEncoder().encode("crackcoin/conf/v2");
/** Encoded size without refs: txid 32, bits 1, nrefs 1, nonce 8. */
export const CONF_FIXED_BYTES = CONF_ID_BYTES + 1 + 1 + 8;
/** Largest encoded confirmation: CONF_FIXED_BYTES + MAX_REFS × 32. */
export const CONF_MAX_BYTES = CONF_FIXED_BYTES + MAX_REFS * CONF_ID_BYTES;

/**
 * A confirmation. `refs` are ids of earlier confirmations, strictly increasing bytewise (one
 * encoding per set). Its id and weight are derived, never taken from the wire.
 */
export interface Confirmation {
  readonly txid: Uint8Array;
  /** Claimed work: the pow hash has at least this many leading zero bits. Weight = 2^bits. */
  readonly bits: number;
  readonly refs: readonly Uint8Array[];
  /** u64 */
  readonly nonce: bigint;
}

/** A confirmation with its derived id (the pow hash). */
export interface IdentifiedConfirmation extends Confirmation {
  readonly id: Uint8Array;
}

/** Throws WireError unless the refs are at most MAX_REFS 32-byte ids in strictly increasing order. */
export function checkRefs(refs: readonly Uint8Array[]): void {
  if (refs.length > MAX_REFS) throw new WireError(`Confirmation has ${refs.length} refs`);
  for (let i = 0; i < refs.length; i++) {
    if (!(refs[i] instanceof Uint8Array) || refs[i].length !== CONF_ID_BYTES) {
      throw new WireError(`Confirmation ref ${i} is not ${CONF_ID_BYTES} bytes`);
    }
    if (i > 0 && compareBytes(refs[i - 1], refs[i]) >= 0) {
      throw new WireError("Confirmation refs are not strictly increasing");
    }
  }
}

/** Sorts and de-duplicates ids into the canonical ref order (a new array). */
export function canonicalRefs(ids: readonly Uint8Array[]): Uint8Array[] {
  const seen = new Map<string, Uint8Array>();
  for (const id of ids) seen.set(toHex(id), id);
  return [...seen.values()].sort(compareBytes);
}

/**
 * The commitment SHA-256(tag ‖ txid ‖ bits ‖ nrefs ‖ refs), 32 bytes: what the nonce is
 * searched for (the mining kernel takes it where v1 took the txid).
 */
export function confirmationCommitment(
  c: Pick<Confirmation, "txid" | "bits" | "refs">,
): Uint8Array {
  const w = new ByteWriter(CONF_TAG.length + CONF_MAX_BYTES);
  w.bytes(CONF_TAG).bytes(c.txid).u8(c.bits).u8(c.refs.length);
  for (const r of c.refs) w.bytes(r);
  return sha256(w.finish());
}

/** The pow hash SHA-256(commitment ‖ nonce u64 BE) of a confirmation: its id. */
export function confirmationId(c: Confirmation): Uint8Array {
  return sha256(powMessage(confirmationCommitment(c), c.nonce));
}

/**
 * Checks a decoded confirmation's work and returns it with its id. Throws RuleError
 * "insufficient-work" when bits is outside minBits..MAX_CONF_BITS or the pow hash has fewer
 * than `bits` leading zero bits.
 *
 * @example
 * ```ts
 * import { checkConfirmation, confirmationId } from "./confirmation.ts";
 * import { leadingZeroBits } from "./pow.ts";
 * for (let nonce = 0n;; nonce++) {
 *   const c = { txid: new Uint8Array(32), bits: 2, refs: [], nonce };
 *   if (leadingZeroBits(confirmationId(c)) < 2) continue;
 *   if (checkConfirmation(c, 1).id.length !== 32) throw new Error("id");
 *   break;
 * }
 * ```
 */
export function checkConfirmation(
  c: Confirmation,
  minBits = MIN_CONF_BITS,
): IdentifiedConfirmation {
  if (!Number.isInteger(c.bits) || c.bits < minBits || c.bits > MAX_CONF_BITS) {
    throw new RuleError(
      "insufficient-work",
      `confirmation claims ${c.bits} bits, outside ${minBits}..${MAX_CONF_BITS}`,
    );
  }
  const id = confirmationId(c);
  const work = leadingZeroBits(id);
  if (work < c.bits) {
    throw new RuleError("insufficient-work", `pow hash has ${work} bits, claims ${c.bits}`);
  }
  return { txid: c.txid, bits: c.bits, refs: c.refs, nonce: c.nonce, id };
}

/** The weight 2^bits of a confirmation, exact. */
export function confirmationWeight(bits: number): bigint {
  return 1n << BigInt(bits);
}

/** Writes the canonical encoding. Throws RangeError for a field the decoder would refuse. */
export function writeConfirmation(w: ByteWriter, c: Confirmation): void {
  if (!(c.txid instanceof Uint8Array) || c.txid.length !== CONF_ID_BYTES) {
    throw new RangeError(`"conf txid" expected Uint8Array of length ${CONF_ID_BYTES}`);
  }
  if (!Number.isInteger(c.bits) || c.bits < 0 || c.bits > 255) {
    throw new RangeError(`"bits" expected an integer in 0..255, got ${c.bits}`);
  }
  if (typeof c.nonce !== "bigint" || c.nonce < 0n || c.nonce >= 1n << 64n) {
    throw new RangeError(`"nonce" expected a bigint in [0, 2^64), got ${c.nonce}`);
  }
  try {
    checkRefs(c.refs);
  } catch (e) {
    throw new RangeError(`"refs" ${(e as Error).message}`);
  }
  w.bytes(c.txid).u8(c.bits).u8(c.refs.length);
  for (const r of c.refs) w.bytes(r);
  w.u64(c.nonce);
}

/** Reads one confirmation. Throws WireError on truncation or non-canonical refs. */
export function readConfirmation(r: ByteReader): Confirmation {
  const txid = r.bytes(CONF_ID_BYTES, "conf txid");
  const bits = r.u8("conf bits");
  const n = r.u8("conf ref count");
  if (n > MAX_REFS) throw new WireError(`Confirmation has ${n} refs, limit ${MAX_REFS}`);
  if (r.remaining < n * CONF_ID_BYTES + 8) {
    throw new WireError(`Truncated confirmation: ${n} refs need ${n * CONF_ID_BYTES + 8} bytes`);
  }
  const refs: Uint8Array[] = [];
  for (let i = 0; i < n; i++) refs.push(r.bytes(CONF_ID_BYTES, "conf ref"));
  checkRefs(refs);
  const nonce = r.u64("conf nonce");
  return Object.freeze({ txid, bits, refs: Object.freeze(refs), nonce });
}

/** The canonical encoding of one confirmation. */
export function encodeConfirmation(c: Confirmation): Uint8Array {
  const w = new ByteWriter(CONF_MAX_BYTES);
  writeConfirmation(w, c);
  return w.finish();
}

/** Decodes exactly one confirmation. Throws WireError on anything else. */
export function decodeConfirmation(bytes: Uint8Array): Confirmation {
  const r = new ByteReader(bytes);
  const c = readConfirmation(r);
  r.end("confirmation");
  return c;
}
