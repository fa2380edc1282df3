/**
 * What docs/PROTOCOL.md §4, §5 and §9.5 say an outside implementer needs, checked against the
 * code: the tag bytes of the sighash as the document spells them, the smallest entry of each
 * message type, count-versus-decode for a short body, and 0 outputs (a rule error, not a
 * malformed encoding). Figures are read from the document where it states them.
 * @module
 */
import { assert, assertEquals } from "../helpers/assert.ts";
import { fromHex, sha256, toHex } from "../../lib/core/hash.ts";
import { decodeTx, encodeTx, sighashMessage, type Tx, TXID_BYTES } from "../../lib/core/tx.ts";
import { openLedger } from "../../lib/ledger/ledger.ts";
import {
  CONF_ENTRY_BYTES,
  DatagramError,
  decodeDatagram,
  HEADER_BYTES,
  INV_ENTRY_BYTES,
  MIN_TX_BYTES,
  PROTOCOL_VERSION,
} from "../../lib/wire/mod.ts";
import { T0, testKeys } from "../helpers/fixtures.ts";
import { TEST_CONFIRM_WORK, testGenesis } from "../helpers/ledger_fixtures.ts";
import { paymentChain } from "../helpers/net_fixtures.ts";

const doc = await Deno.readTextFile(new URL("../../docs/PROTOCOL.md", import.meta.url));
const network = fromHex("a1a2a3a4a5a6a7a8");

function withHeader(code: number, body: Uint8Array): Uint8Array {
  const b = new Uint8Array(HEADER_BYTES + body.length);
  b.set([0x43, 0x52, 0x4b, 0x43, PROTOCOL_VERSION]);
  b.set(network, 5);
  b[21] = code;
  b.set(body, HEADER_BYTES);
  return b;
}

function reason(bytes: Uint8Array): string | undefined {
  try {
    decodeDatagram(bytes, network);
    return undefined;
  } catch (e) {
    if (e instanceof DatagramError) return e.reason;
    throw e;
  }
}

Deno.test("PROTOCOL §5: the sighash tag is the 20 ASCII bytes the document lists", () => {
  const m = /The tag is its 20\s+ASCII bytes `([0-9a-f ]+)`/.exec(doc);
  assert(m, "§5 lists the tag bytes");
  const tag = fromHex(m[1].replaceAll(" ", ""));
  assertEquals(tag.length, 20);
  const [tx] = paymentChain(testGenesis(testKeys(0)), testKeys(0), 1);
  // The unsigned encoding: the §4 layout without each input's 64 signature bytes.
  const unsigned: Tx = tx;
  const full = encodeTx(unsigned);
  const parts: number[] = [...full.subarray(0, 10)];
  let at = 10;
  for (let i = 0; i < tx.inputs.length; i++, at += 130) parts.push(...full.subarray(at, at + 66));
  parts.push(...full.subarray(at));
  const msg = new Uint8Array(tag.length + parts.length);
  msg.set(tag);
  msg.set(parts, tag.length);
  assertEquals(toHex(sha256(msg)), toHex(sighashMessage(tx)));
});

Deno.test("PROTOCOL §9.5: smallest entry per type, and count versus decode for short bodies", () => {
  const m =
    /`tx` (\d+)\s*\(a transaction's fixed fields[\s\S]*?`conf` (\d+), `inv` (\d+), `get-data` (\d+)/
      .exec(doc);
  assert(m, "§9.5 states the smallest entries");
  assertEquals(
    [Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4])],
    [MIN_TX_BYTES, CONF_ENTRY_BYTES, INV_ENTRY_BYTES, TXID_BYTES],
  );
  // A tx body whose count needs more than 11 bytes each: `count`.
  const short = new Uint8Array(1 + 2 * 11 - 1);
  short[0] = 2;
  assertEquals(reason(withHeader(1, short)), "count");
  // Long enough for 2 × 11 bytes, but the first entry has an input and runs past the end:
  // `decode`.
  const body = new Uint8Array(1 + 2 * 11);
  body[0] = 2;
  body[1] = 1; // version
  body[10] = 1; // one input: 130 bytes that are not there
  assertEquals(reason(withHeader(1, body)), "decode");
  // conf: count 2 with one entry's bytes.
  const conf = new Uint8Array(2 + CONF_ENTRY_BYTES);
  conf[1] = 2;
  assertEquals(reason(withHeader(2, conf)), "count");
});

Deno.test("PROTOCOL §4: 0 outputs decodes, and the ledger refuses it as no-outputs", async () => {
  const alice = testKeys(0);
  const genesis = testGenesis(alice);
  const [tx] = paymentChain(genesis, alice, 1);
  const noOutputs: Tx = { ...tx, outputs: [] };
  const raw = encodeTx(noOutputs);
  assertEquals(decodeTx(raw).outputs.length, 0);
  const l = await openLedger(":memory:", {
    genesis,
    confirmWork: TEST_CONFIRM_WORK,
    clock: () => T0 + 3_600_000,
  });
  try {
    const r = l.addTx(raw);
    assert(r.kind === "rejected" && r.code === "no-outputs", JSON.stringify(r));
  } finally {
    l.close();
  }
  assert(doc.includes("0..16 (0 decodes, and is refused by the rule `no-outputs`, §7)"));
});
