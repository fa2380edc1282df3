/**
 * Byte-exact vectors for every message type, frozen in vectors.json. The expected bytes were
 * built from the layout in docs/PROTOCOL.md §9 without lib/wire and reviewed by hand; this
 * test only reads them.
 */
import { deepStrictEqual, fail, strictEqual } from "node:assert/strict";
import { fromHex, toHex } from "../../lib/core/hash.ts";
import { encodedTxFromTx, type Tx } from "../../lib/core/tx.ts";
import {
  type Datagram,
  DatagramError,
  decodeDatagram,
  encodeDatagram,
  type Message,
  MESSAGE_TYPE_CODES,
  type MessageType,
  WIRE_REASONS,
  type WireReason,
} from "../../lib/wire/mod.ts";

interface JsonTx {
  version: number;
  timestamp: number;
  inputs: { txid: string; index: number; publicKey: string; signature: string }[];
  outputs: { amount: string; address: string }[];
}

// deno-lint-ignore no-explicit-any
type JsonMessage = { type: MessageType } & Record<string, any>;

interface Vectors {
  network: string;
  valid: { name: string; network: string; sender: string; message: JsonMessage; hex: string }[];
  invalid: { name: string; reason: WireReason; hex: string }[];
}

const vectors: Vectors = JSON.parse(
  await Deno.readTextFile(new URL("./vectors.json", import.meta.url)),
);

function txFromJson(t: JsonTx): Tx {
  return {
    version: t.version,
    timestamp: t.timestamp,
    inputs: t.inputs.map((i) => ({
      txid: fromHex(i.txid),
      index: i.index,
      publicKey: fromHex(i.publicKey),
      signature: fromHex(i.signature),
    })),
    outputs: t.outputs.map((o) => ({ amount: BigInt(o.amount), address: fromHex(o.address) })),
  };
}

function messageFromJson(m: JsonMessage): Message {
  switch (m.type) {
    case "tx":
      return { type: "tx", txs: m.txs.map(txFromJson).map(encodedTxFromTx) };
    case "conf":
      return {
        type: "conf",
        confs: m.confs.map((
          c: { txid: string; bits: number; refs: string[]; nonce: string },
        ) => ({
          txid: fromHex(c.txid),
          bits: c.bits,
          refs: c.refs.map(fromHex),
          nonce: BigInt(c.nonce),
        })),
      };
    case "sync-req":
      return { type: "sync-req" };
    case "summary":
      return { type: "summary", count: m.count, digest: fromHex(m.digest) };
    case "get-inv":
      return { type: "get-inv", after: fromHex(m.after), limit: m.limit };
    case "inv":
      return {
        type: "inv",
        after: fromHex(m.after),
        more: m.more,
        entries: m.entries.map((e: { txid: string; work: number }) => ({
          txid: fromHex(e.txid),
          work: e.work,
        })),
      };
    case "get-data":
      return { type: "get-data", txids: m.txids.map(fromHex) };
  }
}

const network = fromHex(vectors.network);

Deno.test("vectors.json covers every message type and every reason", () => {
  const types = new Set(vectors.valid.map((v) => v.message.type));
  deepStrictEqual([...types].sort(), Object.keys(MESSAGE_TYPE_CODES).sort());
  const reasons = new Set(vectors.invalid.map((v) => v.reason));
  deepStrictEqual([...reasons].sort(), [...WIRE_REASONS].sort());
});

for (const v of vectors.valid) {
  Deno.test(`decodeDatagram() reads vector "${v.name}"`, () => {
    const expected: Datagram = {
      network: fromHex(v.network),
      sender: fromHex(v.sender),
      message: messageFromJson(v.message),
    };
    deepStrictEqual(decodeDatagram(fromHex(v.hex), network), expected);
  });

  Deno.test(`encodeDatagram() writes vector "${v.name}" byte for byte`, () => {
    const d = decodeDatagram(fromHex(v.hex), network);
    strictEqual(toHex(encodeDatagram(d)), v.hex);
    const fromJson = { network, sender: fromHex(v.sender), message: messageFromJson(v.message) };
    strictEqual(toHex(encodeDatagram(fromJson)), v.hex);
  });
}

for (const v of vectors.invalid) {
  Deno.test(`decodeDatagram() refuses vector "${v.name}" with reason ${v.reason}`, () => {
    try {
      decodeDatagram(fromHex(v.hex), network);
    } catch (e) {
      if (!(e instanceof DatagramError)) throw e;
      strictEqual(e.reason, v.reason, e.message);
      return;
    }
    fail("decoded an invalid vector");
  });
}
