/**
 * A strict DER reader for ECDSA signatures, used only by tests to feed Wycheproof's DER
 * vectors to our compact-signature API. It accepts exactly the encodings of BIP 66 /
 * X.690 §10 (DER) for `Ecdsa-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER }`:
 * definite short-form lengths, minimal non-negative INTEGERs, and nothing left over.
 * @module
 */

/** Why a DER signature was refused. */
export class DerError extends Error {
  override name = "DerError";
}

const TAG_SEQUENCE = 0x30;
const TAG_INTEGER = 0x02;

/**
 * Read one length octet. The whole signature is at most 72 bytes, so every length is below
 * 128 and X.690 §10.1 requires the short form; any long form (0x81 …) is non-minimal BER.
 */
function readLength(der: Uint8Array, pos: number): number {
  if (pos >= der.length) throw new DerError("truncated: missing length");
  const len = der[pos];
  if (len & 0x80) throw new DerError(`long-form or indefinite length 0x${len.toString(16)}`);
  return len;
}

/** Read an INTEGER at `pos`; returns its value and the offset after it. */
function readInteger(der: Uint8Array, pos: number): { value: bigint; next: number } {
  if (pos >= der.length) throw new DerError("truncated: missing INTEGER");
  if (der[pos] !== TAG_INTEGER) throw new DerError(`expected INTEGER tag, got ${der[pos]}`);
  const len = readLength(der, pos + 1);
  const start = pos + 2;
  if (len === 0) throw new DerError("empty INTEGER");
  if (start + len > der.length) throw new DerError("truncated INTEGER");
  const body = der.subarray(start, start + len);
  if (body[0] & 0x80) throw new DerError("negative INTEGER");
  if (len > 1 && body[0] === 0x00 && (body[1] & 0x80) === 0) {
    throw new DerError("non-minimal INTEGER (superfluous leading zero)");
  }
  let value = 0n;
  for (const b of body) value = (value << 8n) | BigInt(b);
  return { value, next: start + len };
}

/** The (r, s) integers of a strict-DER ECDSA signature. Throws DerError otherwise. */
export function parseDerSignature(der: Uint8Array): { r: bigint; s: bigint } {
  if (der.length < 2) throw new DerError("truncated SEQUENCE");
  if (der[0] !== TAG_SEQUENCE) throw new DerError(`expected SEQUENCE tag, got ${der[0]}`);
  const seqLen = readLength(der, 1);
  if (2 + seqLen !== der.length) {
    throw new DerError(`SEQUENCE length ${seqLen} does not match ${der.length - 2} bytes`);
  }
  const r = readInteger(der, 2);
  const s = readInteger(der, r.next);
  if (s.next !== der.length) throw new DerError("bytes left over inside SEQUENCE");
  return { r: r.value, s: s.value };
}

/**
 * A 64-byte compact r‖s from strict DER. Values wider than 256 bits cannot be represented and
 * are refused here; range checks against n are left to the verifier under test.
 */
export function derToCompact(der: Uint8Array): Uint8Array {
  const { r, s } = parseDerSignature(der);
  const out = new Uint8Array(64);
  for (const [v, off] of [[r, 0], [s, 32]] as const) {
    if (v >= 1n << 256n) throw new DerError("INTEGER wider than 256 bits");
    let x = v;
    for (let i = off + 31; i >= off; i--) {
      out[i] = Number(x & 0xffn);
      x >>= 8n;
    }
  }
  return out;
}
