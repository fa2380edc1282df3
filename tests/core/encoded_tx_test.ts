import { assert, assertEquals, assertThrows } from "../helpers/assert.ts";
import { ByteReader } from "../../lib/core/bytes.ts";
import { WireError } from "../../lib/core/errors.ts";
import { sha256d, toHex } from "../../lib/core/hash.ts";
import {
  encodedTxFromBytes,
  encodedTxFromTx,
  encodeTx,
  isEncodedTx,
  readEncodedTx,
  txid,
} from "../../lib/core/tx.ts";
import { coinsOf, pay, testKeys } from "../helpers/fixtures.ts";
import { testGenesis } from "../helpers/ledger_fixtures.ts";

const alice = testKeys(0);
const genesis = testGenesis(alice);
const tx = pay([coinsOf(genesis.tx, [alice])[0]], [{ to: testKeys(1), amount: 5n }]);

Deno.test("encodedTxFromTx() and encodedTxFromBytes() agree on bytes, txid and tx", () => {
  const a = encodedTxFromTx(tx);
  const b = encodedTxFromBytes(encodeTx(tx));
  assertEquals(a, b);
  assertEquals(a.raw, encodeTx(tx));
  assertEquals(a.txid, txid(tx));
  assertEquals(a.txid, sha256d(a.raw));
  assertEquals(a.id, toHex(a.txid));
  assert(Object.isFrozen(a) && isEncodedTx(a) && isEncodedTx(b));
});

Deno.test("encodedTxFromBytes() keeps its own copy of the bytes", () => {
  // The receive loop reuses its buffer for the next datagram.
  const buf = encodeTx(tx);
  const e = encodedTxFromBytes(buf);
  buf.fill(0);
  assertEquals(e.raw, encodeTx(tx));
});

Deno.test("readEncodedTx() takes one transaction's bytes out of a longer buffer", () => {
  const one = encodeTx(tx);
  const buf = new Uint8Array(one.length * 2 + 1);
  buf.set(one, 1);
  buf.set(one, 1 + one.length);
  const r = new ByteReader(buf);
  r.u8();
  const first = readEncodedTx(r);
  assertEquals(first.raw, one);
  assertEquals(r.offset, 1 + one.length);
  buf.fill(0);
  assertEquals(first.raw, one, "a copy, not a view");
});

Deno.test("isEncodedTx() refuses look-alikes, whose bytes nobody checked", () => {
  const real = encodedTxFromTx(tx);
  assertEquals(isEncodedTx({ ...real }), false);
  assertEquals(isEncodedTx(tx), false);
  assertEquals(isEncodedTx(null), false);
  assertEquals(isEncodedTx(real.raw), false);
});

Deno.test("encodedTxFromBytes() throws WireError on malformed bytes, like decodeTx()", () => {
  const raw = encodeTx(tx);
  for (const bad of [raw.subarray(0, raw.length - 1), new Uint8Array([...raw, 0])]) {
    assertThrows(() => encodedTxFromBytes(bad), WireError);
  }
});
