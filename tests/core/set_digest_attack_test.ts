/**
 * The split-forever attack of issue 14, built concretely against the summary digest.
 *
 * Up to protocol v1 a node's summary is (count, digest) with digest = XOR over its stored
 * transactions of SHA-256(txid ‖ work as u16 big-endian), work being that of the best
 * confirmation held (docs/PROTOCOL.md §10.3; `entryHash`/`xorInto` in lib/ledger/ledger.ts
 * at 3ab72ac, restated below because the ledger does not export them). Two nodes whose
 * summaries are equal never sync (§10.3), so an attacker who can make two different states
 * show equal summaries keeps the nodes split.
 *
 * The attack: node A and node B both hold a payment P and its conflicting reversal R, but with
 * different confirmations, so P wins on A and R wins on B. The attacker also publishes n
 * always-conflicted filler transactions, which both nodes store, and a cheap confirmation
 * (a few bits of work) for each. It delivers filler i's confirmation to A only when z_i = 1.
 * Each such filler changes A's XOR digest by d_i = H(f_i, 0) ⊕ H(f_i, w_i), so the digests
 * agree when Σ z_i·d_i = t over GF(2)^256, where t is the difference P and R make. With
 * n = 270 > 256 random d_i the system is solvable (failure probability about 2^-14); the test
 * solves it by Gaussian elimination on 256-bit rows. Both nodes store n + 2 transactions.
 *
 * The same two states, digested with MuHash3072 over the same entries, must differ.
 */
import assert from "node:assert/strict";
import { sha256, toHex } from "../../lib/core/hash.ts";
import { MuHash3072 } from "../../lib/core/set_digest.ts";

/** The ledger's summary entry: txid ‖ work as u16 big-endian (34 bytes). */
function summaryEntry(txid: Uint8Array, work: number): Uint8Array {
  const m = new Uint8Array(34);
  m.set(txid);
  m[32] = work >> 8;
  m[33] = work & 0xff;
  return m;
}

/** The v1 summary digest: XOR of SHA-256 over the entries. */
function xorDigest(entries: readonly Uint8Array[]): Uint8Array {
  const acc = new Uint8Array(32);
  for (const e of entries) {
    const h = sha256(e);
    for (let i = 0; i < 32; i++) acc[i] ^= h[i];
  }
  return acc;
}

function muHashDigest(entries: readonly Uint8Array[]): Uint8Array {
  const m = new MuHash3072();
  for (const e of entries) m.insert(e);
  return m.finalize();
}

/** A 256-bit row of GF(2)^256 as a bigint. */
function row(bytes: Uint8Array): bigint {
  return BigInt("0x" + toHex(bytes));
}

/**
 * Finds z ∈ GF(2)^n with XOR of rows[i] over {i : z_i = 1} equal to `target`, by Gaussian
 * elimination; returns z as a bit mask over the row indices, or undefined when there is none.
 */
function solveGf2(rows: readonly bigint[], target: bigint): bigint | undefined {
  // basis[bit]: a row whose highest set bit is `bit`, and which original rows XOR to it.
  const basis = new Map<number, { vec: bigint; combo: bigint }>();
  const reduce = (vec: bigint, combo: bigint) => {
    while (vec !== 0n) {
      const bit = vec.toString(2).length - 1;
      const b = basis.get(bit);
      if (b === undefined) break;
      vec ^= b.vec;
      combo ^= b.combo;
    }
    return { vec, combo };
  };
  rows.forEach((r, i) => {
    const red = reduce(r, 1n << BigInt(i));
    if (red.vec !== 0n) basis.set(red.vec.toString(2).length - 1, red);
  });
  const t = reduce(target, 0n);
  return t.vec === 0n ? t.combo : undefined;
}

/** Deterministic stand-in txids (the digest only sees txid bytes). */
function txid(label: string): Uint8Array {
  return sha256(new TextEncoder().encode(`cc-attack:${label}`));
}

const FILLERS = 270;

Deno.test("GF(2) cancellation makes two split nodes' XOR summaries equal but not their MuHash3072", () => {
  const P = txid("payment"), R = txid("reversal");
  // A: the payment holds 24 bits of work and wins; B: the reversal holds 25 bits and wins.
  const a0 = [summaryEntry(P, 24), summaryEntry(R, 0)];
  const b0 = [summaryEntry(P, 24), summaryEntry(R, 25)];
  const t = row(xorDigest([...a0, ...b0]));
  assert.notEqual(t, 0n, "without fillers the two summaries differ");

  // Fillers: stored on both nodes; a cheap confirmation of w_i bits reaches A only if z_i = 1.
  const fillers = Array.from({ length: FILLERS }, (_, i) => ({
    txid: txid(`filler-${i}`),
    work: 1 + (i % 6),
  }));
  const rows = fillers.map((f) =>
    row(xorDigest([summaryEntry(f.txid, 0), summaryEntry(f.txid, f.work)]))
  );
  const z = solveGf2(rows, t);
  assert.ok(z !== undefined, "the linear system over GF(2) has a solution");
  const chosen = fillers.filter((_, i) => ((z >> BigInt(i)) & 1n) === 1n);
  assert.ok(chosen.length > 0 && chosen.length < FILLERS);

  const nodeA = [
    ...a0,
    ...fillers.map((f, i) => summaryEntry(f.txid, ((z >> BigInt(i)) & 1n) === 1n ? f.work : 0)),
  ];
  const nodeB = [...b0, ...fillers.map((f) => summaryEntry(f.txid, 0))];

  // Two different states ...
  const setA = new Set(nodeA.map(toHex)), setB = new Set(nodeB.map(toHex));
  assert.equal(setA.size, FILLERS + 2);
  assert.equal(setB.size, FILLERS + 2);
  const onlyA = [...setA].filter((e) => !setB.has(e));
  assert.equal(onlyA.length, chosen.length + 1, "A differs in R's work and the chosen fillers");
  // ... with equal count and equal XOR digest: the attack succeeds against the v1 summary.
  assert.equal(nodeA.length, nodeB.length);
  assert.equal(toHex(xorDigest(nodeA)), toHex(xorDigest(nodeB)));
  // MuHash3072 over the same entries tells them apart: the attack fails against it.
  assert.notEqual(toHex(muHashDigest(nodeA)), toHex(muHashDigest(nodeB)));
  // And it still agrees on equal sets, whatever the order.
  assert.equal(toHex(muHashDigest(nodeA)), toHex(muHashDigest([...nodeA].reverse())));
});

Deno.test("solveGf2() finds a combination that XORs to the target, or reports none", () => {
  const rows = [0b1100n, 0b0110n, 0b0011n];
  const z = solveGf2(rows, 0b1001n);
  assert.ok(z !== undefined);
  let acc = 0n;
  rows.forEach((r, i) => {
    if ((z >> BigInt(i)) & 1n) acc ^= r;
  });
  assert.equal(acc, 0b1001n);
  // 0b1000 is outside the span of rows of even parity.
  assert.equal(solveGf2(rows, 0b1000n), undefined);
});
