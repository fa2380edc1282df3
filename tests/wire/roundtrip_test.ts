/** Round-trip properties, encoder limits and the derived constants of lib/wire. */
import { deepStrictEqual, ok, strictEqual, throws } from "node:assert/strict";
import fc from "fast-check";
import {
  type EncodedTx,
  encodedTxFromTx,
  isEncodedTx,
  MAX_TX_BYTES,
  type Tx,
  txid as txidOf,
} from "../../lib/core/tx.ts";
import type { Confirmation } from "../../lib/core/confirmation.ts";
import {
  CONF_ENTRY_BYTES,
  type Datagram,
  decodeDatagram,
  encodeDatagram,
  HEADER_BYTES,
  MAX_BODY_BYTES,
  MAX_BODY_BYTES_BY_TYPE,
  MAX_CONF_ENTRIES,
  MAX_DATAGRAM_BYTES,
  MAX_GET_DATA_ENTRIES,
  MAX_INV_ENTRIES,
  type Message,
  MESSAGE_TYPE_CODES,
  type MessageType,
  networkIdFromGenesis,
} from "../../lib/wire/mod.ts";
import { datagramWith, largestTx, messageOf } from "./arbitraries.ts";

/** An object shaped like an EncodedTx that lib/core/tx.ts did not make. */
const lookAlike = (tx: Tx): EncodedTx => ({
  tx,
  raw: new Uint8Array(0),
  txid: new Uint8Array(32),
  id: "",
});

const network = new Uint8Array(8).fill(0xa1);
const sender = new Uint8Array(8).fill(0xb1);
const txid = (n: number) => new Uint8Array(32).fill(n);
const encode = (message: Message) => encodeDatagram({ network, sender, message });

for (const type of Object.keys(MESSAGE_TYPE_CODES) as MessageType[]) {
  Deno.test(`decodeDatagram(encodeDatagram(d)) returns d for every ${type} datagram`, () => {
    fc.assert(
      fc.property(datagramWith(messageOf[type]), (d: Datagram) => {
        const bytes = encodeDatagram(d);
        ok(bytes.length <= MAX_DATAGRAM_BYTES);
        const back = decodeDatagram(bytes, d.network);
        deepStrictEqual(back, d);
        deepStrictEqual(encodeDatagram(back), bytes);
      }),
      { numRuns: 300 },
    );
  });
}

Deno.test("wire constants have the values documented in PROTOCOL.md §9", async () => {
  strictEqual(MAX_DATAGRAM_BYTES, 8192);
  strictEqual(HEADER_BYTES, 22);
  strictEqual(MAX_BODY_BYTES, 8170);
  strictEqual(MAX_CONF_ENTRIES, 194);
  strictEqual(MAX_INV_ENTRIES, 239);
  strictEqual(MAX_GET_DATA_ENTRIES, 255);
  ok(HEADER_BYTES + 1 + MAX_TX_BYTES <= MAX_DATAGRAM_BYTES, "largest tx must fit");
  for (const max of Object.values(MAX_BODY_BYTES_BY_TYPE)) ok(max <= MAX_BODY_BYTES);
  const doc = await Deno.readTextFile(new URL("../../docs/PROTOCOL.md", import.meta.url));
  const section = doc.slice(doc.indexOf("## 9. Wire protocol"), doc.indexOf("## 10."));
  for (
    const [name, value] of Object.entries({
      MAX_DATAGRAM_BYTES,
      HEADER_BYTES,
      MAX_CONF_ENTRIES,
      MAX_INV_ENTRIES,
      MAX_GET_DATA_ENTRIES,
    })
  ) {
    ok(section.includes(`\`${name}\` = ${value.toLocaleString("en-US")}`), `${name} documented`);
  }
});

Deno.test("encodeDatagram() fills a datagram to each type's maximum count", () => {
  const conf = encode({
    type: "conf",
    confs: Array.from(
      { length: MAX_CONF_ENTRIES },
      (_, i) => ({ txid: txid(i), bits: 20, refs: [], nonce: 1n }),
    ),
  });
  strictEqual(conf.length, HEADER_BYTES + 2 + MAX_CONF_ENTRIES * CONF_ENTRY_BYTES);
  ok(conf.length + CONF_ENTRY_BYTES > MAX_DATAGRAM_BYTES, "one more entry would not fit");
  const entries = Array.from(
    { length: MAX_INV_ENTRIES },
    (_, i) => ({ txid: txid(i + 1), work: 1 }),
  );
  const inv = encode({ type: "inv", after: txid(0), more: true, entries });
  strictEqual(inv.length, HEADER_BYTES + MAX_BODY_BYTES_BY_TYPE.inv);
  const txids = Array.from({ length: MAX_GET_DATA_ENTRIES }, (_, i) => txid(i));
  strictEqual(encode({ type: "get-data", txids }).length, HEADER_BYTES + 2 + 255 * 32);
  for (const bytes of [conf, inv]) ok(bytes.length <= MAX_DATAGRAM_BYTES);
});

Deno.test("encodeDatagram() carries the largest transaction in one datagram", () => {
  const bytes = encode({ type: "tx", txs: [encodedTxFromTx(largestTx)] });
  strictEqual(bytes.length, HEADER_BYTES + 1 + MAX_TX_BYTES);
  strictEqual(MAX_TX_BYTES, 6959);
  const m = decodeDatagram(bytes, network).message;
  deepStrictEqual(m, { type: "tx", txs: [encodedTxFromTx(largestTx)] });
  // The decoded value carries its own bytes and txid: nobody downstream encodes it again.
  ok(m.type === "tx" && isEncodedTx(m.txs[0]));
  deepStrictEqual(m.type === "tx" && m.txs[0].raw, bytes.subarray(HEADER_BYTES + 1));
  deepStrictEqual(m.type === "tx" && m.txs[0].txid, txidOf(largestTx));
});

/** A confirmation entry with defaults (work is not the codec's business). */
const cf = (c: Partial<Confirmation>): Confirmation => ({
  txid: txid(1),
  bits: 20,
  refs: [],
  nonce: 0n,
  ...c,
});

Deno.test("encodeDatagram() throws RangeError on every limit the decoder enforces", () => {
  const tooBig: Message[] = [
    { type: "tx", txs: [] },
    { type: "tx", txs: [encodedTxFromTx(largestTx), encodedTxFromTx(largestTx)] },
    // Look-alike EncodedTx values (not made by lib/core/tx.ts): encoded from their tx.
    { type: "tx", txs: [lookAlike({ ...largestTx, version: 2 })] },
    {
      type: "tx",
      txs: [lookAlike({ ...largestTx, inputs: [...largestTx.inputs, largestTx.inputs[0]] })],
    },
    {
      type: "tx",
      txs: [lookAlike({ ...largestTx, outputs: [...largestTx.outputs, largestTx.outputs[0]] })],
    },
    { type: "tx", txs: [lookAlike({ ...largestTx, timestamp: -1 })] },
    { type: "conf", confs: [] },
    { type: "conf", confs: Array(MAX_CONF_ENTRIES + 1).fill(cf({})) },
    { type: "conf", confs: Array(50).fill(cf({ refs: [txid(1), txid(2), txid(3), txid(4)] })) },
    { type: "conf", confs: [cf({ nonce: 1n << 64n })] },
    { type: "conf", confs: [cf({ nonce: -1n })] },
    { type: "conf", confs: [cf({ txid: new Uint8Array(31) })] },
    { type: "conf", confs: [cf({ bits: 256 })] },
    { type: "conf", confs: [cf({ refs: [txid(2), txid(1)] })] },
    { type: "conf", confs: [cf({ refs: [txid(1), txid(1)] })] },
    { type: "conf", confs: [cf({ refs: [txid(1), txid(2), txid(3), txid(4), txid(5)] })] },
    { type: "summary", count: -1, digest: txid(1) },
    { type: "summary", count: 2 ** 32, digest: txid(1) },
    { type: "summary", count: 1.5, digest: txid(1) },
    { type: "summary", count: 1, digest: new Uint8Array(33) },
    { type: "get-inv", after: txid(0), limit: 0 },
    { type: "get-inv", after: txid(0), limit: MAX_INV_ENTRIES + 1 },
    { type: "get-inv", after: new Uint8Array(0), limit: 1 },
    { type: "inv", after: txid(0), more: true, entries: [] },
    { type: "inv", after: txid(0), more: false, entries: [{ txid: txid(1), work: 2 }] },
    { type: "inv", after: txid(0), more: false, entries: [{ txid: txid(1), work: -1 }] },
    { type: "inv", after: txid(1), more: false, entries: [{ txid: txid(1), work: 0 }] },
    {
      type: "inv",
      after: txid(0),
      more: false,
      entries: [{ txid: txid(2), work: 0 }, { txid: txid(2), work: 0 }],
    },
    {
      type: "inv",
      after: txid(0),
      more: true,
      entries: Array.from({ length: MAX_INV_ENTRIES + 1 }, (_, i) => ({ txid: txid(i), work: 0 })),
    },
    { type: "get-data", txids: [] },
    { type: "get-data", txids: Array(MAX_GET_DATA_ENTRIES + 1).fill(txid(1)) },
    { type: "get-data", txids: [new Uint8Array(20)] },
  ];
  for (const message of tooBig) {
    throws(() => encode(message), RangeError, JSON.stringify(message, (_, v) => String(v)));
  }
  const syncReq: Message = { type: "sync-req" };
  throws(
    () => encodeDatagram({ network: new Uint8Array(7), sender, message: syncReq }),
    RangeError,
  );
  throws(
    () => encodeDatagram({ network, sender: new Uint8Array(9), message: syncReq }),
    RangeError,
  );
  throws(() => encode({ type: "ping" } as unknown as Message), TypeError);
});

Deno.test("decodeDatagram() returns frozen data that shares no memory with its input", () => {
  const bytes = encode({ type: "get-data", txids: [txid(9)] });
  const d = decodeDatagram(bytes, network);
  ok(Object.isFrozen(d) && Object.isFrozen(d.message));
  bytes.fill(0);
  deepStrictEqual(d.sender, sender);
  ok(d.message.type === "get-data" && d.message.txids[0][0] === 9);
});

Deno.test("networkIdFromGenesis() takes the first 8 bytes of the genesis txid", () => {
  const genesis = Uint8Array.from({ length: 32 }, (_, i) => i);
  deepStrictEqual(networkIdFromGenesis(genesis), Uint8Array.from([0, 1, 2, 3, 4, 5, 6, 7]));
  throws(() => networkIdFromGenesis(new Uint8Array(8)), RangeError);
});
