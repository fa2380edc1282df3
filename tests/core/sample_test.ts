import { assert, assertEquals } from "../helpers/assert.ts";
import { addressFromPublicKey } from "../../lib/core/address.ts";
import { fromHex, hash160, sha256, toHex } from "../../lib/core/hash.ts";
import { keyPairFromSecret } from "../../lib/core/keys.ts";
import { verifyMessageNoble } from "../../lib/core/sign.ts";
import { decodeTx, encodeTx, sighashMessage, txidHex } from "../../lib/core/tx.ts";
import { checkTxInputs, checkTxSanity } from "../../lib/core/validate.ts";
import { verifyMessageNative } from "../../lib/core/verify_native.ts";
import { loadDefaultGenesis } from "../../lib/ledger/genesis_file.ts";

// Frozen when docs/PROTOCOL.md §15 was written; never regenerated from the code under test.
const HEX =
  "01000001a21293b600018d158b9d404bc1d6af861b9e788e1137e8e93b376bcf9cf947de4e96569e26c70002f751e0b2712e3adb1cd79d1f4867d4edf27699d6f65bacd8f1bec8b2eb851fea941d5cec4d5dab0ab202b045048f676971c39bfc3eee9f7402cf0f8d60ffc6380cd64ecbe751a791db0fe2005b896fd3572a800892bbc13b9c6bdf16f8a239800200000000000009c4d67cfd74bf64e092c5789d8ba0bddae5fd01836a000000003b9ac03cc0fd608842ce48abdf84cb673511ae40f47bc8d7";
const TXID = "fa93748fd44f91ece2af9dedcbd72bfdcd5ede6ebeff8dcb325b9a597004c6e1";
const SIGHASH = "d98ece53f846de61ade0200a4c574a51be5019cea1ed479d5708b0dfcabf9d84";
const PAYEE_SECRET = "123d4ae37afce59f8bb4e1fac8666789125ad7eddf03cfb6744edddf82641dd4";
const PAYEE_ADDRESS = "Cc1zuZ8XXGXHnRmc8pTR7RVEhBtWsJPSCD";
const PAYER_ADDRESS = "Ca4KqpZRxY4PDNi2iYTnh78NWUH6KSwWRU";

Deno.test("the frozen sample transaction of PROTOCOL.md §15 decodes, verifies and matches", async () => {
  const raw = fromHex(HEX);
  const tx = decodeTx(raw);
  assertEquals(toHex(encodeTx(tx)), HEX);
  assertEquals(raw.length, 197);
  assertEquals(txidHex(tx), TXID);
  assertEquals(toHex(sighashMessage(tx)), SIGHASH);
  assertEquals(tx.timestamp, Date.UTC(2026, 10, 25, 12));
  const payee = keyPairFromSecret(fromHex(PAYEE_SECRET));
  assertEquals(
    toHex(payee.secretKey),
    toHex(sha256(new TextEncoder().encode("crackcoin sample payee"))),
  );
  assertEquals(addressFromPublicKey(payee.publicKey), PAYEE_ADDRESS);
  assertEquals(addressFromPublicKey(tx.inputs[0].publicKey), PAYER_ADDRESS);
  assertEquals(toHex(tx.outputs[0].address), toHex(hash160(payee.publicKey)));
  assertEquals(tx.outputs.map((o) => o.amount), [2500n, 999_997_500n]);
  const genesis = await loadDefaultGenesis();
  assertEquals(toHex(tx.inputs[0].txid), toHex(genesis.txid));
  checkTxSanity(tx, Date.UTC(2026, 10, 25, 12));
  for (const v of [verifyMessageNoble, verifyMessageNative]) {
    checkTxInputs(
      tx,
      (id) => toHex(id) === toHex(genesis.txid) ? genesis.tx.outputs : undefined,
      v,
    );
  }
  const doc = await Deno.readTextFile(new URL("../../docs/PROTOCOL.md", import.meta.url));
  for (const s of [HEX, TXID, SIGHASH, PAYEE_SECRET, PAYEE_ADDRESS, PAYER_ADDRESS]) {
    assert(doc.includes(s), `PROTOCOL.md §15 states ${s.slice(0, 20)}…`);
  }
});
