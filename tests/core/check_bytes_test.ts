import { assertEquals, assertThrows } from "../helpers/assert.ts";
import { checkBytes } from "../../lib/core/bytes.ts";
import { keyPairFromSecret } from "../../lib/core/keys.ts";
import { encodeAddress } from "../../lib/core/address.ts";
import { encodeTx } from "../../lib/core/tx.ts";
import { encodeDatagram } from "../../lib/wire/mod.ts";
import { createPowSearch } from "../../lib/mining/sha256_pow.ts";

Deno.test("checkBytes() returns the value when it has the expected length", () => {
  const b = new Uint8Array(33);
  assertEquals(checkBytes(b, 33, "public key") === b, true);
  assertEquals(checkBytes(new Uint8Array(5), undefined, "datagram").length, 5);
});

Deno.test("checkBytes() throws TypeError for a non-byte value and RangeError for a wrong length", () => {
  const cases: [unknown, number | undefined, ErrorConstructor, string][] = [
    ["00ff", 2, TypeError, `"x" expected Uint8Array, got string`],
    [null, 2, TypeError, `"x" expected Uint8Array, got null`],
    [undefined, undefined, TypeError, `"x" expected Uint8Array, got undefined`],
    [[1, 2], 2, TypeError, `"x" expected Uint8Array, got array`],
    [new Uint16Array(2), 2, TypeError, `"x" expected Uint8Array, got object`],
    [new Uint8Array(31), 32, RangeError, `"x" expected Uint8Array of length 32, got length=31`],
    [new Uint8Array(0), 20, RangeError, `"x" expected Uint8Array of length 20, got length=0`],
  ];
  for (const [value, length, cls, message] of cases) {
    assertThrows(() => checkBytes(value, length, "x"), cls, message);
  }
});

Deno.test("every fixed-length input check in lib/ goes through checkBytes()", () => {
  // Each of these once had its own copy of the check, with its own error class and wording.
  const wrongLength: [string, () => unknown][] = [
    ["secret key", () => keyPairFromSecret(new Uint8Array(31))],
    ["address hash", () => encodeAddress(new Uint8Array(19))],
    ["txid", () => createPowSearch(new Uint8Array(31))],
    ["network id", () =>
      encodeDatagram({
        network: new Uint8Array(7),
        sender: new Uint8Array(8),
        message: { type: "sync-req" },
      })],
    ["public key", () =>
      encodeTx({
        version: 1,
        timestamp: 0,
        inputs: [{
          txid: new Uint8Array(32),
          index: 0,
          publicKey: new Uint8Array(32),
          signature: new Uint8Array(64),
        }],
        outputs: [],
      })],
  ];
  for (const [name, fn] of wrongLength) {
    assertThrows(fn, RangeError, `"${name}" expected Uint8Array of length`);
  }
  assertThrows(
    () => keyPairFromSecret("01" as unknown as Uint8Array),
    TypeError,
    `"secret key" expected Uint8Array, got string`,
  );
});
