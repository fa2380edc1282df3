/**
 * Batching: split any number of transactions, confirmations or txid requests into as few
 * datagrams as the limits of docs/PROTOCOL.md §9.4 allow, each filled up to PACK_TARGET_BYTES
 * (a lone item larger than that goes alone), so callers never split by hand.
 * @module
 */
import { ByteWriter, checkBytes } from "../core/bytes.ts";
import { type Confirmation, encodeConfirmation } from "../core/confirmation.ts";
import {
  decodeTx,
  type EncodedTx,
  encodeTx,
  isEncodedTx,
  MAX_TX_BYTES,
  type Tx,
} from "../core/tx.ts";
import {
  GET_DATA_PACK_ENTRIES,
  HEADER_BYTES,
  MAX_CONF_ENTRIES,
  MAX_TX_ENTRIES,
  NETWORK_ID_BYTES,
  NODE_ID_BYTES,
  PACK_TARGET_BYTES,
} from "./constants.ts";
import { encodeDatagram, writeHeader } from "./datagram.ts";
import { WireError } from "./errors.ts";
import { checkTxEncodable } from "./messages.ts";

function canonicalTx(given: Tx | Uint8Array | EncodedTx): Uint8Array {
  if (isEncodedTx(given)) {
    const e = given as EncodedTx;
    checkTxEncodable(e.tx);
    return e.raw; // decoded or encoded once already: no second pass
  }
  // A look-alike EncodedTx: only its tx is trusted.
  const item = given instanceof Uint8Array || !("raw" in given) ? given : (given as EncodedTx).tx;
  if (!(item instanceof Uint8Array)) {
    checkTxEncodable(item);
    return encodeTx(item);
  }
  if (item.length > MAX_TX_BYTES) {
    throw new RangeError(`"encoded tx" expected at most ${MAX_TX_BYTES} bytes, got ${item.length}`);
  }
  try {
    decodeTx(item); // a packed datagram must decode, so refuse what the receiver would
  } catch (e) {
    if (e instanceof WireError) {
      throw new RangeError(`"encoded tx" is not a canonical transaction: ${e.message}`, {
        cause: e,
      });
    }
    throw e;
  }
  return item;
}

/**
 * Packs transactions, given as Tx, EncodedTx or canonical encodings, into `tx` datagrams, filling
 * each greedily in the order given. Returns no datagrams for no transactions. Throws
 * RangeError for a transaction the decoder would refuse.
 *
 * @example
 * ```ts
 * import { decodeDatagram, packTxs } from "./mod.ts";
 * const network = new Uint8Array(8);
 * const tx = { version: 1, timestamp: 0, inputs: [], outputs: [] };
 * const datagrams = packTxs(network, new Uint8Array(8), Array(300).fill(tx));
 * const messages = datagrams.map((d) => decodeDatagram(d, network).message);
 * if (datagrams.length !== 2 || messages[0].type !== "tx" || messages[0].txs.length !== 255) {
 *   throw new Error("packing");
 * }
 * ```
 */
export function packTxs(
  network: Uint8Array,
  sender: Uint8Array,
  txs: readonly (Tx | Uint8Array | EncodedTx)[],
): Uint8Array[] {
  checkBytes(network, NETWORK_ID_BYTES, "network id");
  checkBytes(sender, NODE_ID_BYTES, "sender node id");
  const out: Uint8Array[] = [];
  let batch: Uint8Array[] = [];
  let size = HEADER_BYTES + 1;
  const flush = () => {
    const w = new ByteWriter(size);
    writeHeader(w, network, sender, "tx");
    w.u8(batch.length);
    for (const b of batch) w.bytes(b);
    out.push(w.finish());
    batch = [];
    size = HEADER_BYTES + 1;
  };
  for (const item of txs) {
    const encoded = canonicalTx(item);
    if (
      batch.length > 0 &&
      (batch.length === MAX_TX_ENTRIES || size + encoded.length > PACK_TARGET_BYTES)
    ) flush();
    batch.push(encoded);
    size += encoded.length;
  }
  if (batch.length > 0) flush();
  return out;
}

function chunks<T>(items: readonly T[], max: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += max) out.push(items.slice(i, i + max));
  return out;
}

/**
 * Packs confirmations into `conf` datagrams, filling each greedily in order, up to
 * MAX_CONF_ENTRIES or PACK_TARGET_BYTES. Throws RangeError for one the decoder would refuse.
 *
 * @example
 * ```ts
 * import { MAX_CONF_ENTRIES, packConfs } from "./mod.ts";
 * const conf = { txid: new Uint8Array(32), bits: 20, refs: [], nonce: 1n };
 * const n = packConfs(new Uint8Array(8), new Uint8Array(8), Array(MAX_CONF_ENTRIES + 1).fill(conf)).length;
 * if (n !== 2) throw new Error("packing");
 * ```
 */
export function packConfs(
  network: Uint8Array,
  sender: Uint8Array,
  confs: readonly Confirmation[],
): Uint8Array[] {
  checkBytes(network, NETWORK_ID_BYTES, "network id");
  checkBytes(sender, NODE_ID_BYTES, "sender node id");
  const out: Uint8Array[] = [];
  let batch: Uint8Array[] = [];
  let size = HEADER_BYTES + 2;
  const flush = () => {
    const w = new ByteWriter(size);
    writeHeader(w, network, sender, "conf");
    w.u16(batch.length);
    for (const b of batch) w.bytes(b);
    out.push(w.finish());
    batch = [];
    size = HEADER_BYTES + 2;
  };
  for (const c of confs) {
    const encoded = encodeConfirmation(c);
    if (
      batch.length > 0 &&
      (batch.length === MAX_CONF_ENTRIES || size + encoded.length > PACK_TARGET_BYTES)
    ) flush();
    batch.push(encoded);
    size += encoded.length;
  }
  if (batch.length > 0) flush();
  return out;
}

/**
 * Packs txid requests into `get-data` datagrams of at most GET_DATA_PACK_ENTRIES each.
 *
 * @example
 * ```ts
 * import { packGetData } from "./mod.ts";
 * const txids = Array.from({ length: 600 }, () => new Uint8Array(32));
 * if (packGetData(new Uint8Array(8), new Uint8Array(8), txids).length !== 3) throw new Error("packing");
 * ```
 */
export function packGetData(
  network: Uint8Array,
  sender: Uint8Array,
  txids: readonly Uint8Array[],
): Uint8Array[] {
  return chunks(txids, GET_DATA_PACK_ENTRIES).map((t) =>
    encodeDatagram({ network, sender, message: { type: "get-data", txids: t } })
  );
}
