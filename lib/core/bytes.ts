/**
 * A bounds-checked byte reader and a growable writer for the canonical codecs.
 * Every read past the end throws WireError, so every truncated encoding fails.
 * @module
 */
import { WireError } from "./errors.ts";

/**
 * The one byte-value check: returns `value` when it is a Uint8Array (of exactly `length`
 * bytes, when given). Throws TypeError for anything that is not a Uint8Array and RangeError
 * for a wrong length; both messages name the value and the expectation, as noble's `abytes`.
 *
 * @example
 * ```ts
 * import { checkBytes } from "./bytes.ts";
 * checkBytes(new Uint8Array(33), 33, "public key");
 * try {
 *   checkBytes(new Uint8Array(31), 32, "secret key");
 *   throw new Error("accepted");
 * } catch (e) {
 *   // "secret key" expected Uint8Array of length 32, got length=31
 *   if (!(e instanceof RangeError)) throw e;
 * }
 * ```
 */
export function checkBytes(value: unknown, length: number | undefined, name: string): Uint8Array {
  if (!(value instanceof Uint8Array)) {
    const got = value === null ? "null" : Array.isArray(value) ? "array" : typeof value;
    throw new TypeError(`"${name}" expected Uint8Array, got ${got}`);
  }
  if (length !== undefined && value.length !== length) {
    throw new RangeError(
      `"${name}" expected Uint8Array of length ${length}, got length=${value.length}`,
    );
  }
  return value;
}

/** Sequential big-endian reader over untrusted bytes. */
export class ByteReader {
  #view: DataView;
  #bytes: Uint8Array;
  #pos = 0;
  constructor(bytes: Uint8Array) {
    this.#bytes = bytes;
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  /** Bytes not yet read. */
  get remaining(): number {
    return this.#bytes.length - this.#pos;
  }
  /** Current offset. */
  get offset(): number {
    return this.#pos;
  }
  #need(n: number, what: string): void {
    if (this.remaining < n) {
      throw new WireError(
        `Truncated ${what}: needed ${n} bytes at offset ${this.#pos}, ${this.remaining} left`,
      );
    }
  }
  /** Reads an unsigned byte; `what` names the field in the WireError when truncated. */
  u8(what = "u8"): number {
    this.#need(1, what);
    return this.#bytes[this.#pos++];
  }
  /** Reads a big-endian u16; `what` names the field in the WireError when truncated. */
  u16(what = "u16"): number {
    this.#need(2, what);
    const v = this.#view.getUint16(this.#pos);
    this.#pos += 2;
    return v;
  }
  /** Reads a big-endian u32; `what` names the field in the WireError when truncated. */
  u32(what = "u32"): number {
    this.#need(4, what);
    const v = this.#view.getUint32(this.#pos);
    this.#pos += 4;
    return v;
  }
  /** Reads a big-endian u64 as a bigint; `what` names the field in the WireError when truncated. */
  u64(what = "u64"): bigint {
    this.#need(8, what);
    const v = this.#view.getBigUint64(this.#pos);
    this.#pos += 8;
    return v;
  }
  /** A copy of the next `n` bytes. */
  bytes(n: number, what = "bytes"): Uint8Array {
    this.#need(n, what);
    const out = this.#bytes.slice(this.#pos, this.#pos + n);
    this.#pos += n;
    return out;
  }
  /** The next `n` bytes as a view (no copy: it keeps the whole input alive). */
  view(n: number, what = "bytes"): Uint8Array {
    this.#need(n, what);
    const out = this.#bytes.subarray(this.#pos, this.#pos + n);
    this.#pos += n;
    return out;
  }
  /** A copy of the bytes read from offset `start` up to the current offset. */
  copyFrom(start: number): Uint8Array {
    return this.#bytes.slice(start, this.#pos);
  }
  /** Throws WireError unless every byte was consumed (no bytes left over). */
  end(what = "message"): void {
    if (this.remaining !== 0) {
      throw new WireError(`Trailing bytes after ${what}: ${this.remaining} left over`);
    }
  }
}

/** Growable big-endian writer. */
export class ByteWriter {
  #buf: Uint8Array;
  #view: DataView;
  #len = 0;
  constructor(capacity = 256) {
    this.#buf = new Uint8Array(capacity);
    this.#view = new DataView(this.#buf.buffer);
  }
  #grow(n: number): void {
    if (this.#len + n <= this.#buf.length) return;
    const next = new Uint8Array(Math.max(this.#buf.length * 2, this.#len + n));
    next.set(this.#buf.subarray(0, this.#len));
    this.#buf = next;
    this.#view = new DataView(next.buffer);
  }
  /** Appends one byte (`v` in 0..255; wider values are truncated by the typed array). */
  u8(v: number): this {
    this.#grow(1);
    this.#buf[this.#len++] = v;
    return this;
  }
  /** Appends a big-endian u16. */
  u16(v: number): this {
    this.#grow(2);
    this.#view.setUint16(this.#len, v);
    this.#len += 2;
    return this;
  }
  /** Appends a big-endian u32. */
  u32(v: number): this {
    this.#grow(4);
    this.#view.setUint32(this.#len, v);
    this.#len += 4;
    return this;
  }
  /** Appends a big-endian u64; throws RangeError outside [0, 2^64) (DataView's check). */
  u64(v: bigint): this {
    this.#grow(8);
    this.#view.setBigUint64(this.#len, v);
    this.#len += 8;
    return this;
  }
  /** Appends the bytes of `b`. */
  bytes(b: Uint8Array): this {
    this.#grow(b.length);
    this.#buf.set(b, this.#len);
    this.#len += b.length;
    return this;
  }
  /** The written bytes (a copy). */
  finish(): Uint8Array {
    return this.#buf.slice(0, this.#len);
  }
}
