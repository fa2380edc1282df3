/**
 * The membership-key layer (lib/wire/sealed.ts): round trips in both modes, forged, foreign,
 * truncated and random input refused without throwing, the replay window, freshness, and
 * nonces that differ across sealers (restarts).
 * @module
 */
import fc from "fast-check";
import { assert, assertEquals } from "../helpers/assert.ts";
import { toHex } from "../../lib/core/hash.ts";
import {
  DatagramOpener,
  DatagramSealer,
  MAX_AGE_MS,
  networkKeyId,
  REPLAY_WINDOW,
  SEALED_HEADER_BYTES,
  SEALED_OVERHEAD_BYTES,
} from "../../lib/wire/sealed.ts";
import { parseNetworkKey } from "../../lib/wallet/network_key_file.ts";

const KEY = new Uint8Array(32).map((_, i) => i * 7 + 1);
const OTHER = new Uint8Array(32).fill(9);
const rnd = (n: number) => crypto.getRandomValues(new Uint8Array(n));
const NOW = 1_767_225_600_000;
const MSG = new TextEncoder().encode("CRKC a datagram body that must stay private");

function isBytes(x: unknown): x is Uint8Array {
  return x instanceof Uint8Array;
}

Deno.test("seal/open round trip: encrypted hides the payload, authenticated-only keeps it", () => {
  for (const encrypt of [true, false]) {
    const s = new DatagramSealer(KEY, rnd, encrypt);
    const o = new DatagramOpener(KEY);
    const sealed = s.seal(MSG, NOW);
    assertEquals(sealed.length, MSG.length + SEALED_OVERHEAD_BYTES);
    const text = new TextDecoder("latin1").decode(sealed);
    assertEquals(text.includes("must stay private"), !encrypt);
    const opened = o.open(sealed, NOW + 1000);
    assert(isBytes(opened));
    assertEquals(toHex(opened), toHex(MSG));
  }
});

Deno.test("open() refuses another key, a forged bit anywhere, and every truncation, never throwing", () => {
  const s = new DatagramSealer(KEY, rnd);
  const sealed = s.seal(MSG, NOW);
  assertEquals(new DatagramOpener(OTHER).open(sealed, NOW), "key");
  for (let i = 0; i < sealed.length; i++) {
    const o = new DatagramOpener(KEY);
    const bad = sealed.slice();
    bad[i] ^= 0x01;
    const r = o.open(bad, NOW);
    assert(typeof r === "string", `bit flip at byte ${i} was accepted`);
  }
  for (let n = 0; n < sealed.length; n++) {
    const r = new DatagramOpener(KEY).open(sealed.subarray(0, n), NOW);
    assert(typeof r === "string", `prefix of ${n} bytes was accepted`);
  }
  // Same key id, but made without the key: the tag fails.
  const forged = sealed.slice();
  forged.set(rnd(forged.length - SEALED_HEADER_BYTES), SEALED_HEADER_BYTES);
  assertEquals(new DatagramOpener(KEY).open(forged, NOW), "tag");
});

Deno.test("open() on random bytes, and random bytes after a valid header, returns a reason", () => {
  const o = new DatagramOpener(KEY);
  const header = new DatagramSealer(KEY, rnd).seal(MSG, NOW).subarray(0, SEALED_HEADER_BYTES);
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), fc.boolean(), (bytes, withHeader) => {
      const input = withHeader ? new Uint8Array([...header, ...bytes]) : bytes;
      const r = o.open(input, NOW);
      return typeof r === "string";
    }),
    { numRuns: 2000 },
  );
});

Deno.test("replay window: each counter opens once; too old or stale datagrams are refused", () => {
  const s = new DatagramSealer(KEY, rnd);
  const o = new DatagramOpener(KEY);
  const d = Array.from({ length: REPLAY_WINDOW + 10 }, () => s.seal(MSG, NOW));
  assert(isBytes(o.open(d[5], NOW)));
  assertEquals(o.open(d[5], NOW), "replay");
  // Out of order inside the window: each once.
  assert(isBytes(o.open(d[3], NOW)));
  assertEquals(o.open(d[3], NOW), "replay");
  assert(isBytes(o.open(d[REPLAY_WINDOW + 9], NOW)));
  assertEquals(o.open(d[4], NOW), "replay", "behind the window");
  assert(isBytes(o.open(d[REPLAY_WINDOW + 8], NOW)));
  // Freshness: older or further ahead than MAX_AGE_MS.
  const o2 = new DatagramOpener(KEY);
  assertEquals(o2.open(s.seal(MSG, NOW - MAX_AGE_MS - 1), NOW), "stale");
  assertEquals(o2.open(s.seal(MSG, NOW + MAX_AGE_MS + 1), NOW), "stale");
  assertEquals(o2.sessions, 0, "refused datagrams leave no state");
});

Deno.test("nonces never repeat: a counter per sealer, a random session per start", () => {
  const seen = new Set<string>();
  for (let run = 0; run < 20; run++) {
    const s = new DatagramSealer(KEY, rnd); // a restart: fresh session, counter from 0
    for (let i = 0; i < 50; i++) {
      const nonce = toHex(s.seal(MSG, NOW).subarray(10, 34));
      assert(!seen.has(nonce), "nonce repeated");
      seen.add(nonce);
    }
  }
  assertEquals(seen.size, 1000);
  // A restarted sender is a new session: its counter 0 is not a replay.
  const o = new DatagramOpener(KEY);
  assert(isBytes(o.open(new DatagramSealer(KEY, rnd).seal(MSG, NOW), NOW)));
  assert(isBytes(o.open(new DatagramSealer(KEY, rnd).seal(MSG, NOW), NOW)));
});

Deno.test("parseNetworkKey() takes 64 hex digits or 32 raw bytes; networkKeyId() differs by key", () => {
  const hex = toHex(KEY);
  assertEquals(toHex(parseNetworkKey(new TextEncoder().encode(hex + "\n"))), hex);
  assertEquals(toHex(parseNetworkKey(KEY)), hex);
  for (const bad of ["", "abc", hex.slice(2)]) {
    let threw = false;
    try {
      parseNetworkKey(new TextEncoder().encode(bad));
    } catch (e) {
      threw = e instanceof RangeError;
    }
    assert(threw, `accepted "${bad}"`);
  }
  assert(toHex(networkKeyId(KEY)) !== toHex(networkKeyId(OTHER)));
});
