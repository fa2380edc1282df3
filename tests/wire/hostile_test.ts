/**
 * Bytes from strangers: truncation, trailing bytes, random and mutated datagrams, oversize
 * input and hostile counts. decodeDatagram must return or throw DatagramError, nothing else,
 * and must run its checks in the order of docs/ARCHITECTURE.md "Decoding untrusted bytes".
 */
import { deepStrictEqual, fail, ok, strictEqual } from "node:assert/strict";
import fc from "fast-check";
import { ByteReader } from "../../lib/core/bytes.ts";
import { fromHex } from "../../lib/core/hash.ts";
import {
  DatagramError,
  decodeDatagram,
  encodeDatagram,
  HEADER_BYTES,
  MAX_BODY_BYTES_BY_TYPE,
  MAX_DATAGRAM_BYTES,
  PROTOCOL_VERSION,
  WIRE_REASONS,
  WireError,
  type WireReason,
} from "../../lib/wire/mod.ts";
import { datagram } from "./arbitraries.ts";

const vectors: { valid: { hex: string }[] } = JSON.parse(
  await Deno.readTextFile(new URL("./vectors.json", import.meta.url)),
);
const network = fromHex("a1a2a3a4a5a6a7a8");
const validBytes = vectors.valid.map((v) => fromHex(v.hex));
/** Valid datagrams of every type to mutate, drawn once with a fixed seed. */
const samples = fc.sample(datagram, { numRuns: 400, seed: 4 })
  .map((d) => encodeDatagram({ ...d, network }));

/** The reason decodeDatagram gives, or undefined when it accepts. Any other error fails. */
function reasonOf(bytes: Uint8Array, net = network): WireReason | undefined {
  try {
    const d = decodeDatagram(bytes, net);
    // Accepted bytes must be canonical: re-encoding gives them back exactly.
    deepStrictEqual(encodeDatagram(d), bytes);
    return undefined;
  } catch (e) {
    if (!(e instanceof DatagramError) || !WIRE_REASONS.includes(e.reason)) throw e;
    return e.reason;
  }
}

function expectReason(bytes: Uint8Array, reason: WireReason, net = network): void {
  strictEqual(reasonOf(bytes, net), reason);
}

/** A header for `network` with message type `code`, then `body`. */
function withHeader(code: number, body: number[] | Uint8Array, net = network): Uint8Array {
  const bytes = new Uint8Array(HEADER_BYTES + body.length);
  bytes.set([0x43, 0x52, 0x4b, 0x43, PROTOCOL_VERSION]);
  bytes.set(net, 5);
  bytes.set(new Uint8Array(8).fill(0xb1), 13);
  bytes[21] = code;
  bytes.set(body, HEADER_BYTES);
  return bytes;
}

Deno.test("decodeDatagram() throws WireError on every strict prefix of every vector", () => {
  for (const bytes of validBytes) {
    for (let n = 0; n < bytes.length; n++) {
      const reason = reasonOf(bytes.subarray(0, n));
      ok(reason !== undefined, `prefix of ${n}/${bytes.length} bytes was accepted`);
    }
  }
});

Deno.test("decodeDatagram() throws WireError on every strict prefix of random datagrams", () => {
  fc.assert(
    fc.property(datagram, (d) => {
      const bytes = encodeDatagram(d);
      for (let n = 0; n < bytes.length; n++) {
        ok(reasonOf(bytes.subarray(0, n), d.network) !== undefined, `prefix ${n} accepted`);
      }
    }),
    { numRuns: 50 },
  );
});

Deno.test("decodeDatagram() refuses one byte left over, as trailing or over the type maximum", () => {
  fc.assert(
    fc.property(datagram, fc.integer({ min: 0, max: 255 }), (d, extra) => {
      const bytes = encodeDatagram(d);
      const longer = new Uint8Array(bytes.length + 1);
      longer.set(bytes);
      longer[bytes.length] = extra;
      const body = bytes.length - HEADER_BYTES;
      const fits = body + 1 <= MAX_BODY_BYTES_BY_TYPE[d.message.type];
      strictEqual(reasonOf(longer, d.network), fits ? "trailing" : "size");
    }),
    { numRuns: 300 },
  );
});

Deno.test("decodeDatagram() returns or throws WireError on 60,000 random datagrams", () => {
  const seen = new Set<string>();
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 3 }),
      fc.integer({ min: 0, max: 9 }),
      fc.uint8Array({ maxLength: 600, size: "max" }),
      (mode, code, body) => {
        // Mode 0 is pure noise; the others put a valid header before it so the noise reaches
        // the later checks: any type code, a known one, or a known one with a small count.
        let bytes: Uint8Array = body;
        if (mode === 1) bytes = withHeader(code, body);
        if (mode >= 2) bytes = withHeader(1 + (code % 7), body);
        if (mode === 3 && body.length > 2) {
          bytes[HEADER_BYTES] = 0;
          bytes[HEADER_BYTES + 1] %= 4;
        }
        seen.add(reasonOf(bytes) ?? "accepted");
      },
    ),
    { numRuns: 60_000 },
  );
  for (const r of ["magic", "type", "count", "decode", "trailing", "accepted"]) ok(seen.has(r), r);
});

Deno.test("decodeDatagram() returns or throws WireError on 60,000 mutated datagrams", () => {
  const seen = new Set<string>();
  fc.assert(
    fc.property(
      fc.constantFrom(...validBytes, ...samples),
      fc.array(fc.tuple(fc.boolean(), fc.nat(), fc.integer({ min: 0, max: 7 })), {
        minLength: 1,
        maxLength: 4,
      }),
      fc.integer({ min: -2, max: 2 }),
      (valid, flips, resize) => {
        const bytes = new Uint8Array(Math.max(0, valid.length + resize));
        bytes.set(valid.subarray(0, bytes.length));
        for (const [near, at, bit] of flips) {
          // Half the flips land in the header and first fields, where the counts live.
          const span = near ? Math.min(bytes.length, 64) : bytes.length;
          if (span > 0) bytes[at % span] ^= 1 << bit;
        }
        seen.add(reasonOf(bytes) ?? "accepted");
      },
    ),
    { numRuns: 60_000 },
  );
  for (const r of WIRE_REASONS) ok(seen.has(r), `no mutation was refused for ${r}`);
});

Deno.test("decodeDatagram() refuses oversize input by its length, without reading a byte", () => {
  for (const n of [MAX_DATAGRAM_BYTES + 1, 65_507, 1 << 20]) {
    const target = new Uint8Array(n);
    target.set(validBytes[0]);
    let reads = 0;
    const spy = new Proxy(target, {
      get(t, p) {
        if (p === "length") return t.length;
        if (typeof p === "string" && /^\d+$/.test(p)) reads++;
        return Reflect.get(t, p);
      },
    });
    expectReason(spy, "size");
    strictEqual(reads, 0, "an oversize datagram was read");
  }
  expectReason(withHeader(3, []).subarray(0, HEADER_BYTES - 1), "size");
  expectReason(new Uint8Array(0), "size");
});

Deno.test("decodeDatagram() runs its checks in the documented order", () => {
  const other = fromHex("0000000000000000");
  const bad = (patch: (b: Uint8Array) => void, length = 64, code = 6) => {
    const b = withHeader(code, new Uint8Array(length - HEADER_BYTES).fill(0xff));
    patch(b);
    return b;
  };
  const breakMagic = (b: Uint8Array) => b[0] = 0;
  const breakVersion = (b: Uint8Array) => b[4] = 1; // a v1 datagram
  const breakNetwork = (b: Uint8Array) => b.set(other, 5);
  const breakType = (b: Uint8Array) => b[21] = 200;
  const all = (b: Uint8Array) =>
    [breakMagic, breakVersion, breakNetwork, breakType].forEach((f) => f(b));
  expectReason(bad(all, MAX_DATAGRAM_BYTES + 1), "size");
  expectReason(bad(all), "magic");
  expectReason(bad((b) => (breakVersion(b), breakNetwork(b), breakType(b))), "version");
  expectReason(bad((b) => (breakNetwork(b), breakType(b))), "network");
  expectReason(bad(breakType, MAX_DATAGRAM_BYTES), "type");
  // A summary body one byte too long whose fields are otherwise fine: size before decode.
  expectReason(bad(() => {}, HEADER_BYTES + 37, 4), "size");
  // An inv with a bad more flag, a huge count and trailing bytes: the count comes first.
  expectReason(withHeader(6, [...new Uint8Array(32), 2, 0xff, 0xff, 0, 0]), "count");
  expectReason(withHeader(6, [...new Uint8Array(32), 2, 0, 0, 7]), "decode");
  // conf count 0xffff with unsorted garbage and trailing bytes: count.
  expectReason(withHeader(2, [0xff, 0xff, ...new Uint8Array(50)]), "count");
  // inv with a repeated entry and a trailing byte: decode before trailing.
  const repeated = [...new Uint8Array(32), 0, 0, 2, ...new Uint8Array(32).fill(9), 0, 1];
  expectReason(withHeader(6, [...repeated, ...new Uint8Array(32).fill(9), 0, 1, 7]), "decode");
});

Deno.test("decodeDatagram() refuses a datagram of another network with reason network", () => {
  for (const bytes of validBytes) {
    expectReason(bytes, "network", fromHex("a1a2a3a4a5a6a7a9"));
    expectReason(bytes, "network", new Uint8Array(8));
  }
});

Deno.test("decodeDatagram() throws on counts above the maxima before allocating entries", () => {
  const original = ByteReader.prototype.bytes;
  let allocations = 0;
  ByteReader.prototype.bytes = function (this: ByteReader, n: number, what?: string) {
    allocations++;
    return original.call(this, n, what);
  };
  try {
    const cases: [number, number[], number][] = [
      [6, [...new Uint8Array(32), 1, 0xff, 0xff, ...new Uint8Array(34)], 1], // inv: cursor only
      [6, [...new Uint8Array(32), 0, 0, 240, ...new Uint8Array(68)], 1],
      [2, [0xff, 0xff, ...new Uint8Array(42)], 0], // conf
      [2, [0, 195, ...new Uint8Array(42)], 0],
      [2, [0, 2, ...new Uint8Array(42)], 0], // two entries need 84 bytes
      [7, [0xff, 0xff, ...new Uint8Array(32)], 0], // get-data
      [7, [1, 0, ...new Uint8Array(32)], 0],
      [1, [255, ...new Uint8Array(40)], 0], // tx: 255 transactions need 2,805 bytes
    ];
    for (const [code, body, expected] of cases) {
      allocations = 0;
      expectReason(withHeader(code, body), "count");
      strictEqual(allocations, expected, `type ${code} allocated entries`);
    }
  } finally {
    ByteReader.prototype.bytes = original;
  }
});

Deno.test("decodeDatagram() errors are WireError and never anything else", () => {
  try {
    decodeDatagram(withHeader(2, [0, 1, 0]), network);
    fail("accepted a truncated conf");
  } catch (e) {
    ok(e instanceof WireError && e instanceof DatagramError);
    strictEqual(e.reason, "count");
    strictEqual(e.name, "DatagramError");
  }
  try {
    decodeDatagram(withHeader(4, new Uint8Array(35)), network);
    fail("accepted a truncated summary");
  } catch (e) {
    ok(e instanceof DatagramError && e.reason === "decode" && e.cause instanceof WireError);
  }
});
