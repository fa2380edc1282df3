/**
 * The transaction model and its canonical binary codec (docs/PROTOCOL.md §4).
 * Fixed-width fields and one-byte counts give exactly one encoding per transaction.
 * @module
 */
import { ByteReader, ByteWriter, checkBytes } from "./bytes.ts";
import { WireError } from "./errors.ts";
import { sha256, sha256d, toHex } from "./hash.ts";
import { HASH160_BYTES, PUBLIC_KEY_BYTES, SIGNATURE_BYTES, TXID_BYTES } from "./sizes.ts";

export { SIGNATURE_BYTES, TXID_BYTES };

/** The only transaction version this code produces and accepts. */
export const TX_VERSION = 1;
/** Most inputs in one transaction (fits one datagram, see PROTOCOL.md §9). */
export const MAX_INPUTS = 50;
/** Most outputs in one transaction. */
export const MAX_OUTPUTS = 16;
/** Bytes of one encoded input: txid 32, index 1, public key 33, signature 64. */
export const INPUT_BYTES = 130;
/** Bytes of one encoded output: amount 8, address hash 20. */
export const OUTPUT_BYTES = 28;
/** Bytes of the fixed fields: version 1, timestamp 8, two counts. */
export const TX_FIXED_BYTES = 11;
/** Largest possible encoded transaction. */
export const MAX_TX_BYTES = TX_FIXED_BYTES + MAX_INPUTS * INPUT_BYTES +
  MAX_OUTPUTS * OUTPUT_BYTES;

/** Domain tag that separates signature digests from every other hash. */
const SIGHASH_TAG = new TextEncoder().encode("crackcoin/sighash/v1");

/** An input: the outpoint it spends, the spender's public key and signature. */
export interface TxInput {
  readonly txid: Uint8Array;
  readonly index: number;
  readonly publicKey: Uint8Array;
  readonly signature: Uint8Array;
}

/** An output: an amount in base units paid to a 20-byte address hash. */
export interface TxOutput {
  readonly amount: bigint;
  readonly address: Uint8Array;
}

/** A transaction. `timestamp` is milliseconds since the Unix epoch. */
export interface Tx {
  readonly version: number;
  readonly timestamp: number;
  readonly inputs: readonly TxInput[];
  readonly outputs: readonly TxOutput[];
}

function writeBody(w: ByteWriter, tx: Tx, withSignatures: boolean): void {
  if (tx.inputs.length > 255 || tx.outputs.length > 255) {
    throw new RangeError(
      `"tx" expected at most 255 inputs and outputs, got ${tx.inputs.length}/${tx.outputs.length}`,
    );
  }
  if (!Number.isSafeInteger(tx.timestamp) || tx.timestamp < 0) {
    throw new RangeError(`"timestamp" expected a non-negative safe integer, got ${tx.timestamp}`);
  }
  w.u8(tx.version).u64(BigInt(tx.timestamp)).u8(tx.inputs.length);
  for (const inp of tx.inputs) {
    checkBytes(inp.txid, TXID_BYTES, "input txid");
    checkBytes(inp.publicKey, PUBLIC_KEY_BYTES, "public key");
    if (!Number.isInteger(inp.index) || inp.index < 0 || inp.index > 255) {
      throw new RangeError(`"input index" expected 0..255, got ${inp.index}`);
    }
    w.bytes(inp.txid).u8(inp.index).bytes(inp.publicKey);
    if (withSignatures) w.bytes(checkBytes(inp.signature, SIGNATURE_BYTES, "signature"));
  }
  w.u8(tx.outputs.length);
  for (const out of tx.outputs) {
    if (typeof out.amount !== "bigint" || out.amount < 0n || out.amount >= 1n << 64n) {
      throw new RangeError(`"amount" expected a bigint in [0, 2^64), got ${out.amount}`);
    }
    w.u64(out.amount).bytes(checkBytes(out.address, HASH160_BYTES, "address hash"));
  }
}

/**
 * Canonical encoding of a transaction. Throws RangeError on fields that cannot be encoded.
 *
 * @example
 * ```ts
 * import { decodeTx, encodeTx } from "./tx.ts";
 * const tx = { version: 1, timestamp: 0, inputs: [], outputs: [{ amount: 5n, address: new Uint8Array(20) }] };
 * if (decodeTx(encodeTx(tx)).outputs[0].amount !== 5n) throw new Error("round trip");
 * ```
 */
export function encodeTx(tx: Tx): Uint8Array {
  const w = new ByteWriter(
    TX_FIXED_BYTES + tx.inputs.length * INPUT_BYTES +
      tx.outputs.length * OUTPUT_BYTES,
  );
  writeBody(w, tx, true);
  return w.finish();
}

/**
 * Reads one transaction from a reader (used by the wire codec for batches). Throws WireError
 * on an unknown version, a count over MAX_INPUTS/MAX_OUTPUTS, or truncation (§4). With
 * `views`, its byte fields are views into the reader's input instead of copies (the caller
 * keeps that input unchanged for as long as the transaction lives).
 */
export function readTx(r: ByteReader, views = false): Tx {
  const version = r.u8("tx version");
  if (version !== TX_VERSION) throw new WireError(`Unknown tx version ${version}`);
  const ts = r.u64("tx timestamp");
  if (ts > BigInt(Number.MAX_SAFE_INTEGER)) throw new WireError(`Tx timestamp ${ts} too large`);
  const nIn = r.u8("input count");
  if (nIn > MAX_INPUTS) throw new WireError(`Tx has ${nIn} inputs, limit ${MAX_INPUTS}`);
  if (r.remaining < nIn * INPUT_BYTES + 1) {
    throw new WireError(`Truncated tx: ${nIn} inputs need ${nIn * INPUT_BYTES} bytes`);
  }
  const take = views
    ? (n: number, what: string) => r.view(n, what)
    : (n: number, what: string) => r.bytes(n, what);
  const inputs: TxInput[] = [];
  for (let i = 0; i < nIn; i++) {
    inputs.push(Object.freeze({
      txid: take(TXID_BYTES, "input txid"),
      index: r.u8("input index"),
      publicKey: take(PUBLIC_KEY_BYTES, "public key"),
      signature: take(SIGNATURE_BYTES, "signature"),
    }));
  }
  const outputs = readOutputs(r, views);
  return Object.freeze({
    version,
    timestamp: Number(ts),
    inputs: Object.freeze(inputs),
    outputs: Object.freeze(outputs),
  });
}

function readOutputs(r: ByteReader, views = false): TxOutput[] {
  const nOut = r.u8("output count");
  if (nOut > MAX_OUTPUTS) throw new WireError(`Tx has ${nOut} outputs, limit ${MAX_OUTPUTS}`);
  if (r.remaining < nOut * OUTPUT_BYTES) {
    throw new WireError(`Truncated tx: ${nOut} outputs need ${nOut * OUTPUT_BYTES} bytes`);
  }
  const outputs: TxOutput[] = [];
  for (let i = 0; i < nOut; i++) {
    const amount = r.u64("amount");
    const address = views ? r.view(HASH160_BYTES, "address") : r.bytes(HASH160_BYTES, "address");
    outputs.push(Object.freeze({ amount, address }));
  }
  return outputs;
}

/**
 * Only the outputs of an encoded transaction, skipping its inputs without copying them: for
 * a stored parent, whose whole encoding was checked when it arrived. Equal to
 * `decodeTx(bytes).outputs` on every valid encoding; throws WireError on a truncated one.
 */
export function decodeOutputs(bytes: Uint8Array): TxOutput[] {
  const countAt = 1 + 8; // version, timestamp
  if (bytes.length <= countAt) throw new WireError(`Truncated tx of ${bytes.length} bytes`);
  const at = countAt + 1 + bytes[countAt] * INPUT_BYTES;
  if (bytes.length <= at) throw new WireError(`Truncated tx: inputs end at ${at}`);
  const r = new ByteReader(bytes.subarray(at));
  const outputs = readOutputs(r);
  r.end("tx");
  return outputs;
}

/** Write one transaction to a writer (used by the wire codec for batches). */
export function writeTx(w: ByteWriter, tx: Tx): void {
  writeBody(w, tx, true);
}

/**
 * Decode exactly one transaction; throws WireError on malformed or left-over bytes. With
 * `views`, see {@linkcode readTx}.
 */
export function decodeTx(bytes: Uint8Array, views = false): Tx {
  if (bytes.length > MAX_TX_BYTES) {
    throw new WireError(`Tx of ${bytes.length} bytes exceeds ${MAX_TX_BYTES}`);
  }
  const r = new ByteReader(bytes);
  const tx = readTx(r, views);
  r.end("tx");
  return tx;
}

/** The txid: SHA-256d of the canonical encoding. */
export function txid(tx: Tx): Uint8Array {
  return sha256d(encodeTx(tx));
}

/** The txid of an already-encoded transaction. */
export function txidOfEncoding(encoded: Uint8Array): Uint8Array {
  return sha256d(encoded);
}

/** Lowercase hex txid. */
export function txidHex(tx: Tx): string {
  return toHex(txid(tx));
}

/**
 * A transaction decoded once, carrying its canonical encoding and its txid, so that the
 * ledger, sync and relay share one encoding instead of re-encoding (as btcd's
 * `wire.ReadMessageN` returns the payload with the message). Only `encodedTxFromBytes`,
 * `encodedTxFromTx` and `readEncodedTx` make them, frozen; `isEncodedTx` tells those apart
 * from look-alike objects, whose `raw` nobody checked.
 */
export interface EncodedTx {
  readonly tx: Tx;
  /** The canonical encoding of `tx` (docs/PROTOCOL.md §4). */
  readonly raw: Uint8Array;
  /** SHA-256d of `raw` (32 bytes). */
  readonly txid: Uint8Array;
  /** `txid` in lowercase hex. */
  readonly id: string;
}

/**
 * The EncodedTx this module makes: the private field brands them (a look-alike object, or a
 * spread copy, lacks it), so their `raw` is the canonical encoding of their `tx`. (A
 * WeakSet of them did the same, at the price of an ephemeron entry per transaction for the
 * garbage collector.)
 */
class MadeEncodedTx implements EncodedTx {
  readonly #made = true;
  readonly tx: Tx;
  readonly raw: Uint8Array;
  readonly txid: Uint8Array;
  readonly id: string;
  constructor(tx: Tx, raw: Uint8Array) {
    this.tx = tx;
    this.raw = raw;
    this.txid = sha256d(raw);
    this.id = toHex(this.txid);
    Object.freeze(this);
  }
  static made(x: object): boolean {
    return #made in x;
  }
}

function makeEncoded(tx: Tx, raw: Uint8Array): EncodedTx {
  return new MadeEncodedTx(tx, raw);
}

/** True when `x` was made by this module, so its `raw` is the canonical encoding of its `tx`. */
export function isEncodedTx(x: unknown): boolean {
  return typeof x === "object" && x !== null && MadeEncodedTx.made(x);
}

/**
 * Decodes exactly one transaction and keeps a copy of its bytes and its txid. Throws WireError
 * like `decodeTx`.
 *
 * @example
 * ```ts
 * import { encodedTxFromBytes, encodeTx, txid } from "./tx.ts";
 * const tx = { version: 1, timestamp: 0, inputs: [], outputs: [{ amount: 5n, address: new Uint8Array(20) }] };
 * const e = encodedTxFromBytes(encodeTx(tx));
 * if (e.tx.outputs[0].amount !== 5n || e.txid.length !== 32) throw new Error("decode");
 * ```
 */
export function encodedTxFromBytes(bytes: Uint8Array): EncodedTx {
  const raw = bytes.slice();
  return makeEncoded(decodeTx(raw, true), raw);
}

/** Encodes `tx` once and keeps the bytes and the txid. Throws RangeError like `encodeTx`. */
export function encodedTxFromTx(tx: Tx): EncodedTx {
  return makeEncoded(tx, encodeTx(tx));
}

/**
 * Reads one transaction from a reader, keeping a copy of its bytes (wire batches). Its
 * fields are views into that copy.
 */
export function readEncodedTx(r: ByteReader): EncodedTx {
  const start = r.offset;
  // Its extent first (the counts say it), then one decode over the copy.
  r.view(1 + 8, "tx header");
  const nIn = r.u8("input count");
  if (nIn > MAX_INPUTS) throw new WireError(`Tx has ${nIn} inputs, limit ${MAX_INPUTS}`);
  r.view(nIn * INPUT_BYTES, "tx inputs");
  const nOut = r.u8("output count");
  if (nOut > MAX_OUTPUTS) throw new WireError(`Tx has ${nOut} outputs, limit ${MAX_OUTPUTS}`);
  r.view(nOut * OUTPUT_BYTES, "tx outputs");
  const raw = r.copyFrom(start);
  const inner = new ByteReader(raw);
  const tx = readTx(inner, true);
  inner.end("tx");
  return makeEncoded(tx, raw);
}

/**
 * The message every input signs: SHA-256(tag ‖ encoding without signatures). It commits to
 * the version, timestamp, every outpoint, every public key and every output. ECDSA then
 * hashes it once more with SHA-256 (docs/PROTOCOL.md §5).
 */
export function sighashMessage(tx: Tx): Uint8Array {
  const w = new ByteWriter();
  w.bytes(SIGHASH_TAG);
  writeBody(w, tx, false);
  return sha256(w.finish());
}

/** Offset of the first input in an encoding: version 1, timestamp 8, input count 1. */
const INPUTS_AT = 10;
/** Offsets inside one encoded input: txid 32, index 1, then the public key, then the signature. */
const KEY_AT = 33;
const SIGNATURE_AT = KEY_AT + PUBLIC_KEY_BYTES;

/**
 * The number of inputs of a canonical encoding, after checking that its counts and its length
 * agree (§4 layout; the field values are not checked, `decodeTx` does that). Lets a worker read
 * the inputs' keys and signatures in place. Throws WireError when the layout does not hold.
 */
export function encodedInputCount(raw: Uint8Array): number {
  if (raw.length < TX_FIXED_BYTES) throw new WireError(`Truncated tx of ${raw.length} bytes`);
  const nIn = raw[INPUTS_AT - 1];
  const outAt = INPUTS_AT + nIn * INPUT_BYTES;
  if (nIn > MAX_INPUTS || raw.length <= outAt) {
    throw new WireError(`Tx of ${raw.length} bytes cannot hold ${nIn} inputs`);
  }
  const nOut = raw[outAt];
  if (nOut > MAX_OUTPUTS || raw.length !== outAt + 1 + nOut * OUTPUT_BYTES) {
    throw new WireError(`Tx of ${raw.length} bytes does not hold ${nIn} inputs, ${nOut} outputs`);
  }
  return nIn;
}

/** Input `i`'s public key (33 bytes), read in place from an encoding checked by `encodedInputCount`. */
export function encodedPublicKey(raw: Uint8Array, i: number): Uint8Array {
  const at = INPUTS_AT + i * INPUT_BYTES + KEY_AT;
  return raw.subarray(at, at + PUBLIC_KEY_BYTES);
}

/** Input `i`'s signature (64 bytes), read in place from an encoding checked by `encodedInputCount`. */
export function encodedSignature(raw: Uint8Array, i: number): Uint8Array {
  const at = INPUTS_AT + i * INPUT_BYTES + SIGNATURE_AT;
  return raw.subarray(at, at + SIGNATURE_BYTES);
}

/**
 * `sighashMessage(decodeTx(raw))`, computed from the encoding in place: the tag, then the
 * encoding with each input's signature left out (§5). Throws WireError like
 * `encodedInputCount`.
 */
export function sighashOfEncoding(raw: Uint8Array): Uint8Array {
  const nIn = encodedInputCount(raw);
  const pre = new Uint8Array(SIGHASH_TAG.length + raw.length - nIn * SIGNATURE_BYTES);
  pre.set(SIGHASH_TAG);
  let at = SIGHASH_TAG.length;
  pre.set(raw.subarray(0, INPUTS_AT), at);
  at += INPUTS_AT;
  for (let i = 0; i < nIn; i++) {
    const from = INPUTS_AT + i * INPUT_BYTES;
    pre.set(raw.subarray(from, from + SIGNATURE_AT), at);
    at += SIGNATURE_AT;
  }
  pre.set(raw.subarray(INPUTS_AT + nIn * INPUT_BYTES), at);
  return sha256(pre);
}

/** Outpoint key "txidhex:index", for maps and the database. */
export function outpointKey(txidBytes: Uint8Array, index: number): string {
  return `${toHex(txidBytes)}:${index}`;
}
