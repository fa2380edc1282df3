/** Batching helpers: packTxs, packConfs and packGetData split greedily and losslessly. */
import { deepStrictEqual, ok, strictEqual, throws } from "node:assert/strict";
import fc from "fast-check";
import { encodeTx, type Tx } from "../../lib/core/tx.ts";
import type { Confirmation } from "../../lib/core/confirmation.ts";
import {
  decodeDatagram,
  GET_DATA_PACK_ENTRIES,
  HEADER_BYTES,
  MAX_CONF_ENTRIES,
  MAX_DATAGRAM_BYTES,
  MAX_GET_DATA_ENTRIES,
  MAX_TX_ENTRIES,
  PACK_TARGET_BYTES,
  packConfs,
  packGetData,
  packTxs,
} from "../../lib/wire/mod.ts";
import { bytesOf, conf, largestTx, tx, txBytes } from "./arbitraries.ts";

const network = new Uint8Array(8).fill(0xa1);
const sender = new Uint8Array(8).fill(0xb1);

function unpackTxs(datagrams: Uint8Array[]): Tx[][] {
  return datagrams.map((bytes) => {
    ok(bytes.length <= MAX_DATAGRAM_BYTES);
    const d = decodeDatagram(bytes, network);
    deepStrictEqual(d.sender, sender);
    if (d.message.type !== "tx") throw new Error(`expected tx, got ${d.message.type}`);
    return d.message.txs.map((e) => e.tx);
  });
}

Deno.test("packTxs() keeps every transaction, in order, and fills datagrams greedily", () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(tx, fc.boolean()), { maxLength: 40 }), (items) => {
      const txs = items.map(([t]) => t);
      // Callers may pass canonical encodings (from the ledger) or Tx objects, mixed.
      const input = items.map(([t, encoded]) => encoded ? encodeTx(t) : t);
      const batches = unpackTxs(packTxs(network, sender, input));
      deepStrictEqual(batches.flat(), txs);
      for (let i = 0; i + 1 < batches.length; i++) {
        const used = HEADER_BYTES + 1 + batches[i].reduce((n, t) => n + txBytes(t), 0);
        const next = txBytes(batches[i + 1][0]);
        ok(
          batches[i].length === MAX_TX_ENTRIES || used + next > PACK_TARGET_BYTES,
          "the next transaction would have fit",
        );
        ok(used <= PACK_TARGET_BYTES || batches[i].length === 1, "filled past the target");
      }
    }),
    { numRuns: 200 },
  );
});

Deno.test("packTxs() puts each largest transaction in a datagram of its own", () => {
  const datagrams = packTxs(network, sender, [largestTx, largestTx, largestTx]);
  strictEqual(datagrams.length, 3);
  for (const d of datagrams) strictEqual(d.length, HEADER_BYTES + 1 + 6959);
});

Deno.test("packTxs() caps a datagram at 255 transactions", () => {
  const small: Tx = { version: 1, timestamp: 0, inputs: [], outputs: [] };
  const batches = unpackTxs(packTxs(network, sender, Array(MAX_TX_ENTRIES * 2 + 1).fill(small)));
  deepStrictEqual(batches.map((b) => b.length), [255, 255, 1]);
  deepStrictEqual(packTxs(network, sender, []), []);
});

Deno.test("packTxs() throws RangeError on a transaction the decoder would refuse", () => {
  const valid = encodeTx(largestTx);
  const cases: (Tx | Uint8Array)[] = [
    valid.subarray(0, valid.length - 1),
    new Uint8Array([...valid, 0]),
    new Uint8Array(9000),
    { ...largestTx, version: 2 },
    { ...largestTx, inputs: [...largestTx.inputs, largestTx.inputs[0]] },
  ];
  for (const bad of cases) throws(() => packTxs(network, sender, [bad]), RangeError);
  throws(() => packTxs(new Uint8Array(4), sender, [largestTx]), RangeError);
  throws(() => packTxs(network, new Uint8Array(0), []), RangeError);
});

Deno.test("packConfs() splits at MAX_CONF_ENTRIES or the packing target and keeps the order", () => {
  fc.assert(
    fc.property(fc.array(conf, { maxLength: MAX_CONF_ENTRIES * 3, size: "max" }), (confs) => {
      const datagrams = packConfs(network, sender, confs);
      const bytes = confs.reduce((n, c) => n + 42 + 32 * c.refs.length, 0);
      ok(datagrams.length >= Math.ceil(confs.length / MAX_CONF_ENTRIES));
      ok(datagrams.length >= Math.ceil(bytes / (PACK_TARGET_BYTES - 24)));
      for (const d of datagrams) ok(d.length <= PACK_TARGET_BYTES);
      const back: Confirmation[] = datagrams.flatMap((bytes) => {
        const m = decodeDatagram(bytes, network).message;
        return m.type === "conf" ? [...m.confs] : [];
      });
      deepStrictEqual(back, confs.map((c) => ({ ...c })));
    }),
    { numRuns: 50 },
  );
  const one = { txid: new Uint8Array(32), bits: 20, refs: [], nonce: 0n };
  // Packed to the target, a datagram holds (7680 - 24) / 42 = 182 confirmations without refs;
  // the decoder still takes MAX_CONF_ENTRIES (194) from other senders.
  const perDatagram = Math.floor((PACK_TARGET_BYTES - HEADER_BYTES - 2) / 42);
  strictEqual(perDatagram, 182);
  ok(perDatagram < MAX_CONF_ENTRIES);
  strictEqual(packConfs(network, sender, Array(perDatagram).fill(one)).length, 1);
  strictEqual(packConfs(network, sender, Array(perDatagram + 1).fill(one)).length, 2);
});

Deno.test("packGetData() splits at GET_DATA_PACK_ENTRIES and keeps the order", () => {
  fc.assert(
    fc.property(fc.array(bytesOf(32), { maxLength: 700, size: "max" }), (txids) => {
      const datagrams = packGetData(network, sender, txids);
      strictEqual(datagrams.length, Math.ceil(txids.length / GET_DATA_PACK_ENTRIES));
      for (const d of datagrams) ok(d.length <= PACK_TARGET_BYTES);
      ok(GET_DATA_PACK_ENTRIES < MAX_GET_DATA_ENTRIES);
      const back = datagrams.flatMap((bytes) => {
        const m = decodeDatagram(bytes, network).message;
        return m.type === "get-data" ? [...m.txids] : [];
      });
      deepStrictEqual(back, txids);
    }),
    { numRuns: 50 },
  );
  throws(() => packGetData(network, sender, [new Uint8Array(31)]), RangeError);
});
