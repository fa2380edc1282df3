/**
 * fast-check generators for wire tests: every message type, with every field drawn from its
 * full range, and datagrams that always fit MAX_DATAGRAM_BYTES.
 * @module
 */
import fc from "fast-check";
import { compareBytes } from "../../lib/core/hash.ts";
import type { Confirmation } from "../../lib/core/confirmation.ts";
import {
  encodedTxFromTx,
  INPUT_BYTES,
  MAX_INPUTS,
  MAX_OUTPUTS,
  OUTPUT_BYTES,
  type Tx,
  TX_FIXED_BYTES,
  type TxInput,
  type TxOutput,
} from "../../lib/core/tx.ts";
import {
  type Datagram,
  HEADER_BYTES,
  type InvEntry,
  MAX_CONF_ENTRIES,
  MAX_DATAGRAM_BYTES,
  MAX_GET_DATA_ENTRIES,
  MAX_INV_ENTRIES,
  MAX_TX_ENTRIES,
  type Message,
  type MessageType,
} from "../../lib/wire/mod.ts";

/** Arrays of up to `max` items: mostly short, often near `max`. */
function anyLength<T>(item: fc.Arbitrary<T>, max: number, min = 0): fc.Arbitrary<T[]> {
  return fc.oneof(
    fc.array(item, { minLength: min, maxLength: max }),
    fc.array(item, { minLength: min, maxLength: max, size: "max" }),
  );
}

/** Exactly `n` random bytes. */
export const bytesOf = (n: number): fc.Arbitrary<Uint8Array> =>
  fc.uint8Array({ minLength: n, maxLength: n });

/** fast-check builds null-prototype records by default; decoded data has Object's. */
const plain = { noNullPrototype: true } as const;

const txInput: fc.Arbitrary<TxInput> = fc.record({
  txid: bytesOf(32),
  index: fc.integer({ min: 0, max: 255 }),
  publicKey: bytesOf(33),
  signature: bytesOf(64),
}, plain);

const txOutput: fc.Arbitrary<TxOutput> = fc.record({
  amount: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
  address: bytesOf(20),
}, plain);

/** Any transaction the wire decoder accepts (the codec does not check signatures). */
export const tx: fc.Arbitrary<Tx> = fc.record({
  version: fc.constant(1),
  timestamp: fc.maxSafeNat(),
  inputs: anyLength(txInput, MAX_INPUTS),
  outputs: fc.array(txOutput, { maxLength: MAX_OUTPUTS }),
}, plain);

/** Encoded size of a transaction, from the layout in docs/PROTOCOL.md §4. */
export function txBytes(t: Tx): number {
  return TX_FIXED_BYTES + t.inputs.length * INPUT_BYTES + t.outputs.length * OUTPUT_BYTES;
}

/** A list of transactions cut to fit one `tx` datagram. */
const txsThatFit: fc.Arbitrary<Tx[]> = fc.array(tx, { minLength: 1, maxLength: 8 }).map((txs) => {
  let size = HEADER_BYTES + 1;
  const out: Tx[] = [];
  for (const t of txs) {
    if (out.length === MAX_TX_ENTRIES || size + txBytes(t) > MAX_DATAGRAM_BYTES) break;
    out.push(t);
    size += txBytes(t);
  }
  return out;
});

/** Refs in canonical order: 0..4 distinct ids, strictly increasing. */
const refs = fc.uniqueArray(bytesOf(32), { maxLength: 4, selector: (b) => b.join(",") })
  .map((r) => r.sort(compareBytes));

/** A confirmation with any txid, bits, canonical refs and u64 nonce (work is not checked). */
export const conf: fc.Arbitrary<Confirmation> = fc.record({
  txid: bytesOf(32),
  bits: fc.integer({ min: 0, max: 255 }),
  refs,
  nonce: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
}, plain);

/** A confirmation without refs: the smallest entry, so MAX_CONF_ENTRIES of them fit. */
export const confNoRefs: fc.Arbitrary<Confirmation> = conf.map((c) => ({ ...c, refs: [] }));

/** A valid inventory: unique txids, none equal to the cursor, in any order. */
const inv = fc.record({
  after: fc.oneof(fc.constant(new Uint8Array(32)), bytesOf(32)),
  txids: fc.uniqueArray(bytesOf(32), {
    maxLength: MAX_INV_ENTRIES,
    selector: (b) => b.join(","),
    size: "max",
  }),
  works: fc.array(fc.integer({ min: 0, max: 1 }), {
    minLength: MAX_INV_ENTRIES,
    maxLength: MAX_INV_ENTRIES,
  }),
  more: fc.boolean(),
}).map(({ after, txids, works, more }): Message => {
  const entries: InvEntry[] = txids
    .filter((t) => compareBytes(t, after) !== 0)
    .map((txid, i) => ({ txid, work: works[i] }));
  return { type: "inv", after, more: more && entries.length > 0, entries };
});

/** One arbitrary message of each type. */
export const messageOf: Readonly<Record<MessageType, fc.Arbitrary<Message>>> = {
  "tx": txsThatFit.map((txs): Message => ({ type: "tx", txs: txs.map(encodedTxFromTx) })),
  "conf": fc.oneof(anyLength(confNoRefs, MAX_CONF_ENTRIES, 1), anyLength(conf, 40, 1))
    .map((confs): Message => ({ type: "conf", confs })),
  "sync-req": fc.constant({ type: "sync-req" }),
  "summary": fc.record({ count: fc.nat({ max: 0xffffffff }), digest: bytesOf(32) })
    .map(({ count, digest }): Message => ({ type: "summary", count, digest })),
  "get-inv": fc.record({
    after: bytesOf(32),
    limit: fc.integer({ min: 1, max: MAX_INV_ENTRIES }),
  }).map(({ after, limit }): Message => ({ type: "get-inv", after, limit })),
  "inv": inv,
  "get-data": anyLength(bytesOf(32), MAX_GET_DATA_ENTRIES, 1)
    .map((txids): Message => ({ type: "get-data", txids })),
};

/** A datagram carrying `message`. */
export const datagramWith = (message: fc.Arbitrary<Message>): fc.Arbitrary<Datagram> =>
  fc.record({ network: bytesOf(8), sender: bytesOf(8), message }, plain);

/** A datagram of any type. */
export const datagram: fc.Arbitrary<Datagram> = datagramWith(
  fc.oneof(...Object.values(messageOf)),
);

/** The largest transaction the codec allows: 50 inputs, 16 outputs, 6,959 bytes. */
export const largestTx: Tx = {
  version: 1,
  timestamp: 0,
  inputs: Array.from({ length: 50 }, (_, i) => ({
    txid: new Uint8Array(32).fill(i),
    index: 0,
    publicKey: new Uint8Array(33).fill(2),
    signature: new Uint8Array(64).fill(3),
  })),
  outputs: Array.from({ length: 16 }, () => ({ amount: 1n, address: new Uint8Array(20) })),
};
