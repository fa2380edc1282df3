/**
 * The seven message types and their body codecs (docs/PROTOCOL.md §9.3). Bodies follow the
 * 22-byte header; this module never sees the header. Decoders check every count against its
 * maximum and against the bytes present before they allocate (check 6 of
 * docs/ARCHITECTURE.md "Decoding untrusted bytes").
 * @module
 */
import { type ByteReader, type ByteWriter, checkBytes } from "../core/bytes.ts";
import { toHex } from "../core/hash.ts";

import { type Confirmation, readConfirmation, writeConfirmation } from "../core/confirmation.ts";
import {
  type EncodedTx,
  isEncodedTx,
  MAX_INPUTS,
  MAX_OUTPUTS,
  readEncodedTx,
  type Tx,
  TX_VERSION,
  TXID_BYTES,
  writeTx,
} from "../core/tx.ts";
import {
  CONF_ENTRY_BYTES,
  DIGEST_BYTES,
  INV_ENTRY_BYTES,
  MAX_CONF_ENTRIES,
  MAX_GET_DATA_ENTRIES,
  MAX_INV_ENTRIES,
  MAX_ITEM_KIND,
  MAX_TX_ENTRIES,
  type MessageType,
  MIN_TX_BYTES,
} from "./constants.ts";
import { DatagramError } from "./errors.ts";

/**
 * One inventory entry: an item id and its kind. In protocol v2 (docs/PROTOCOL.md §10.3) the
 * id is a txid or a confirmation id and `work` carries the kind: 0 a transaction, 1 a
 * confirmation (the field keeps its v1 name and place).
 */
export interface InvEntry {
  readonly txid: Uint8Array;
  readonly work: number;
}

/**
 * A decoded message body. Plain readonly data; the decoder returns it frozen. Transactions
 * come with their bytes and txid (EncodedTx), so nobody downstream encodes them again.
 */
export type Message =
  | { readonly type: "tx"; readonly txs: readonly EncodedTx[] }
  | { readonly type: "conf"; readonly confs: readonly Confirmation[] }
  | { readonly type: "sync-req" }
  | { readonly type: "summary"; readonly count: number; readonly digest: Uint8Array }
  | { readonly type: "get-inv"; readonly after: Uint8Array; readonly limit: number }
  | {
    readonly type: "inv";
    readonly after: Uint8Array;
    readonly more: boolean;
    readonly entries: readonly InvEntry[];
  }
  | { readonly type: "get-data"; readonly txids: readonly Uint8Array[] };

function countInRange(n: number, min: number, max: number, what: string): void {
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new RangeError(`"${what}" expected ${min}..${max} entries, got ${n}`);
  }
}

/** Throws RangeError unless the transaction is one the decoder would accept. */
export function checkTxEncodable(tx: Tx): void {
  if (tx.version !== TX_VERSION) {
    throw new RangeError(`"tx version" expected ${TX_VERSION}, got ${tx.version}`);
  }
  if (tx.inputs.length > MAX_INPUTS || tx.outputs.length > MAX_OUTPUTS) {
    throw new RangeError(
      `"tx" expected at most ${MAX_INPUTS} inputs and ${MAX_OUTPUTS} outputs, ` +
        `got ${tx.inputs.length}/${tx.outputs.length}`,
    );
  }
}

/** True when every txid is strictly greater than the one before it, starting from `after`. */
/**
 * Inventory entries come in the sender's storage order (topological, see PROTOCOL.md §10),
 * so they are not sorted; they must be distinct and differ from the cursor, so that every
 * page names new txids.
 */
function isDistinctFromCursor(after: Uint8Array, entries: readonly InvEntry[]): boolean {
  const seen = new Set<string>([toHex(after)]);
  for (const e of entries) {
    const k = toHex(e.txid);
    if (seen.has(k)) return false;
    seen.add(k);
  }
  return true;
}

/** Writes the body of `m`. Throws RangeError on a field or count the decoder would refuse. */
export function writeMessageBody(w: ByteWriter, m: Message): void {
  switch (m.type) {
    case "tx":
      countInRange(m.txs.length, 1, MAX_TX_ENTRIES, "txs");
      w.u8(m.txs.length);
      for (const e of m.txs) {
        checkTxEncodable(e.tx);
        // Bytes this codec made are canonical already; a look-alike is encoded from its tx.
        if (isEncodedTx(e)) w.bytes(e.raw);
        else writeTx(w, e.tx);
      }
      return;
    case "conf":
      countInRange(m.confs.length, 1, MAX_CONF_ENTRIES, "confs");
      w.u16(m.confs.length);
      for (const c of m.confs) writeConfirmation(w, c);
      return;
    case "sync-req":
      return;
    case "summary":
      if (!Number.isInteger(m.count) || m.count < 0 || m.count > 0xffffffff) {
        throw new RangeError(`"summary count" expected an integer in [0, 2^32), got ${m.count}`);
      }
      w.u32(m.count).bytes(checkBytes(m.digest, DIGEST_BYTES, "summary digest"));
      return;
    case "get-inv":
      countInRange(m.limit, 1, MAX_INV_ENTRIES, "get-inv limit");
      w.bytes(checkBytes(m.after, TXID_BYTES, "get-inv after")).u16(m.limit);
      return;
    case "inv":
      countInRange(m.entries.length, m.more ? 1 : 0, MAX_INV_ENTRIES, "inv entries");
      checkBytes(m.after, TXID_BYTES, "inv after");
      for (const e of m.entries) {
        checkBytes(e.txid, TXID_BYTES, "inv txid");
        if (!Number.isInteger(e.work) || e.work < 0 || e.work > MAX_ITEM_KIND) {
          throw new RangeError(`"inv kind" expected 0..${MAX_ITEM_KIND}, got ${e.work}`);
        }
      }
      if (!isDistinctFromCursor(m.after, m.entries)) {
        throw new RangeError(`"inv entries" expected distinct txids that differ from the cursor`);
      }
      w.bytes(m.after).u8(m.more ? 1 : 0).u16(m.entries.length);
      for (const e of m.entries) w.bytes(e.txid).u16(e.work);
      return;
    case "get-data":
      countInRange(m.txids.length, 1, MAX_GET_DATA_ENTRIES, "get-data txids");
      w.u16(m.txids.length);
      for (const t of m.txids) w.bytes(checkBytes(t, TXID_BYTES, "get-data txid"));
      return;
    default:
      throw new TypeError(`"message type" expected a known type, got ${(m as Message).type}`);
  }
}

/**
 * Check 6: a count within [min, max] whose entries, at `entryBytes` each at least, fit the
 * bytes left. Runs before any entry is read, so a hostile count allocates nothing.
 */
function checkCount(
  r: ByteReader,
  n: number,
  min: number,
  max: number,
  entryBytes: number,
  what: string,
): void {
  if (n < min || n > max) {
    throw new DatagramError("count", `${what} count ${n} is outside ${min}..${max}`);
  }
  if (n * entryBytes > r.remaining) {
    throw new DatagramError(
      "count",
      `${what} count ${n} needs at least ${n * entryBytes} bytes, ${r.remaining} left`,
    );
  }
}

/**
 * Reads the body of a message of type `type`. Count checks throw DatagramError "count";
 * other malformed fields throw WireError, which the datagram decoder reports as "decode".
 */
export function readMessageBody(r: ByteReader, type: MessageType): Message {
  switch (type) {
    case "tx": {
      const n = r.u8("tx count");
      checkCount(r, n, 1, MAX_TX_ENTRIES, MIN_TX_BYTES, "tx");
      const txs: EncodedTx[] = [];
      for (let i = 0; i < n; i++) txs.push(readEncodedTx(r));
      return Object.freeze({ type, txs: Object.freeze(txs) });
    }
    case "conf": {
      const n = r.u16("conf count");
      checkCount(r, n, 1, MAX_CONF_ENTRIES, CONF_ENTRY_BYTES, "conf");
      const confs: Confirmation[] = [];
      for (let i = 0; i < n; i++) confs.push(readConfirmation(r));
      return Object.freeze({ type, confs: Object.freeze(confs) });
    }
    case "sync-req":
      return Object.freeze({ type });
    case "summary": {
      const count = r.u32("summary count");
      return Object.freeze({ type, count, digest: r.bytes(DIGEST_BYTES, "summary digest") });
    }
    case "get-inv": {
      const after = r.bytes(TXID_BYTES, "get-inv after");
      const limit = r.u16("get-inv limit");
      if (limit < 1 || limit > MAX_INV_ENTRIES) {
        throw new DatagramError("count", `get-inv limit ${limit} is outside 1..${MAX_INV_ENTRIES}`);
      }
      return Object.freeze({ type, after, limit });
    }
    case "inv":
      return readInv(r);
    case "get-data": {
      const n = r.u16("get-data count");
      checkCount(r, n, 1, MAX_GET_DATA_ENTRIES, TXID_BYTES, "get-data");
      const txids: Uint8Array[] = [];
      for (let i = 0; i < n; i++) txids.push(r.bytes(TXID_BYTES, "get-data txid"));
      return Object.freeze({ type, txids: Object.freeze(txids) });
    }
  }
}

function readInv(r: ByteReader): Message {
  const after = r.bytes(TXID_BYTES, "inv after");
  const flag = r.u8("inv more");
  const n = r.u16("inv count");
  checkCount(r, n, 0, MAX_INV_ENTRIES, INV_ENTRY_BYTES, "inv");
  if (flag > 1) throw new DatagramError("decode", `Inv more flag ${flag} is neither 0 nor 1`);
  // A page that promises more must advance the cursor, or a requester would loop forever.
  if (flag === 1 && n === 0) throw new DatagramError("decode", "Inv says more but has no entries");
  const entries: InvEntry[] = [];
  for (let i = 0; i < n; i++) {
    const txid = r.bytes(TXID_BYTES, "inv txid");
    const work = r.u16("inv kind");
    if (work > MAX_ITEM_KIND) {
      throw new DatagramError("decode", `Inv kind ${work} exceeds ${MAX_ITEM_KIND}`);
    }
    entries.push(Object.freeze({ txid, work }));
  }
  if (!isDistinctFromCursor(after, entries)) {
    throw new DatagramError("decode", "Inv txids repeat, or repeat the cursor");
  }
  return Object.freeze({ type: "inv", after, more: flag === 1, entries: Object.freeze(entries) });
}
