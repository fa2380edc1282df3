/**
 * Generates `lib/mining/sha256_pow_kernel.ts`, the SHA-256 kernels specialised for the 40-byte
 * PoW message txid ‖ nonce (docs/PROTOCOL.md §12).
 *
 * The message is one block of 16 big-endian words (FIPS 180-4 §5.1.1, §6.2):
 * - w0..w7 are the txid and w8 the high half of the nonce: fixed for a whole search chunk;
 * - w9 is the low half of the nonce, the only word that changes from hash to hash;
 * - w10..w15 are padding and length, the same for every message: 0x80000000, 0, 0, 0, 0, 320.
 *
 * The generator runs the compression function symbolically over values of three kinds:
 * numbers known now (folded here), values fixed per chunk (computed once, before the loop)
 * and values that depend on w9 (computed in the loop). Sums keep their fixed part apart so
 * it is added up once outside the loop. Only the nodes an output needs are emitted, so the
 * search loop stops at the first digest word, which is all the leading-zero test reads.
 *
 * Two back ends print the same graph: TypeScript on int32 values, and a WebAssembly module
 * whose loop hashes four nonces at once in i32x4 lanes (the fixed part stays scalar).
 *
 * Run `deno run --allow-write tools/gen_sha256_kernel.ts` after changing this file; the
 * kernel test fails while the committed output differs from {@link generateKernel}.
 * @module
 */
import { IV, K } from "../lib/mining/sha256_constants.ts";

/** Where a node is computed: once per call ("pre") or once per nonce ("loop"). */
type Stage = "pre" | "loop";

type SigmaKind = "bs0" | "bs1" | "ss0" | "ss1";

/** What a node computes from its arguments. */
type Op =
  | { readonly kind: "load"; readonly index: number } // message word m[index]
  | { readonly kind: "nonce" } // w9, the low nonce word
  | { readonly kind: "add"; readonly lit: number } // sum of the arguments and lit
  | { readonly kind: SigmaKind } // FIPS 180-4 §4.1.2 (4.4)..(4.7)
  | { readonly kind: "ch" } // Ch(e, f, g)
  | { readonly kind: "xor" } // x ^ y
  | { readonly kind: "maj" }; // Maj(a, b, c) from (b, a ^ b, b ^ c)

interface Node {
  readonly name: string;
  readonly stage: Stage;
  readonly op: Op;
  readonly args: readonly Val[];
}

/** A number known at generation time (as int32) or a node. */
type Val = number | Node;

/** A sum whose terms are not yet added up. */
interface Sum {
  readonly lit: number;
  readonly terms: readonly Node[];
}

/** Bytes of the PoW message, and so its length word w15 in bits. */
const MESSAGE_BYTES = 40;

/** Rotations and shift of each sigma function (FIPS 180-4 §4.1.2). */
const SIGMA: Record<SigmaKind, { readonly rot: readonly number[]; readonly shr?: number }> = {
  bs0: { rot: [2, 13, 22] },
  bs1: { rot: [6, 11, 25] },
  ss0: { rot: [7, 18], shr: 3 },
  ss1: { rot: [17, 19], shr: 10 },
};

const rotr = (x: number, n: number) => (x >>> n) | (x << (32 - n));

/** Evaluates an op on numbers, to fold what is known at generation time. */
function fold(op: Op, v: readonly number[]): number {
  switch (op.kind) {
    case "bs0":
    case "bs1":
    case "ss0":
    case "ss1": {
      const { rot, shr } = SIGMA[op.kind];
      let r = shr === undefined ? 0 : v[0] >>> shr;
      for (const n of rot) r ^= rotr(v[0], n);
      return r | 0;
    }
    case "ch":
      return v[2] ^ (v[0] & (v[1] ^ v[2]));
    case "xor":
      return v[0] ^ v[1];
    case "maj":
      return v[0] ^ (v[1] & v[2]);
    default:
      throw new TypeError(`Cannot fold op "${op.kind}"`);
  }
}

class Graph {
  readonly nodes: Node[] = [];

  node(name: string, op: Op, args: readonly Val[], stage?: Stage): Node {
    const loop = args.some((d) => typeof d !== "number" && d.stage === "loop");
    const n: Node = { name, stage: stage ?? (loop ? "loop" : "pre"), op, args };
    this.nodes.push(n);
    return n;
  }

  /** A bitwise op; when every argument is known now, its value. */
  bitwise(name: string, op: Op, args: readonly Val[]): Val {
    if (args.every((x) => typeof x === "number")) return fold(op, args as number[]);
    return this.node(name, op, args);
  }

  /** Adds up values; the fixed part of a per-nonce sum is added once, before the loop. */
  add(name: string, parts: readonly (Val | Sum)[]): Val {
    const s = sumOf(parts);
    const pre = s.terms.filter((t) => t.stage === "pre");
    const loop = s.terms.filter((t) => t.stage === "loop");
    if (s.terms.length === 0) return s.lit;
    if (loop.length === 0) return this.#addNodes(name, pre, s.lit);
    if (pre.length + (s.lit !== 0 ? 1 : 0) > 1) {
      return this.#addNodes(name, [...loop, this.#addNodes(`${name}k`, pre, s.lit)], 0);
    }
    return this.#addNodes(name, [...loop, ...pre], s.lit);
  }

  /**
   * A sum used twice (T1 of a round): its fixed part becomes one node now, and its per-nonce
   * part stays a single term, so each use costs one addition in the loop.
   */
  share(name: string, parts: readonly (Val | Sum)[]): Val | Sum {
    const s = sumOf(parts);
    const loop = s.terms.filter((t) => t.stage === "loop");
    if (loop.length !== 1) return this.add(name, parts);
    const pre = s.terms.filter((t) => t.stage === "pre");
    const fixed = pre.length === 0 ? s.lit : this.#addNodes(`${name}k`, pre, s.lit);
    return sumOf([loop[0], fixed]);
  }

  #addNodes(name: string, terms: readonly Node[], lit: number): Node {
    if (terms.length === 1 && lit === 0) return terms[0];
    return this.node(name, { kind: "add", lit }, terms);
  }
}

function sumOf(parts: readonly (Val | Sum)[]): Sum {
  let lit = 0;
  const terms: Node[] = [];
  for (const p of parts) {
    if (typeof p === "number") lit = (lit + p) | 0;
    else if ("terms" in p) {
      lit = (lit + p.lit) | 0;
      terms.push(...p.terms);
    } else terms.push(p);
  }
  return { lit, terms };
}

/** The graph of one compression of the PoW block, and its eight digest words. */
function buildGraph(): { graph: Graph; digest: Val[] } {
  const g = new Graph();
  const w: Val[] = [];
  for (let i = 0; i < 9; i++) w.push(g.node(`w${i}`, { kind: "load", index: i }, [], "pre"));
  w.push(g.node("w9", { kind: "nonce" }, [], "loop"));
  w.push(0x80000000 | 0, 0, 0, 0, 0, MESSAGE_BYTES * 8);
  // Working variables a..h kept as the history of a and e: b = a[t-1], ..., h = e[t-3].
  // Index t + 3 holds the value at the start of round t.
  const a: (Val | Sum)[] = [IV[3], IV[2], IV[1], IV[0]];
  const e: (Val | Sum)[] = [IV[7], IV[6], IV[5], IV[4]];
  let abPrev: Val = IV[1] ^ IV[2];
  for (let t = 0; t < 64; t++) {
    if (t >= 16) {
      // Message schedule (FIPS 180-4 §6.2.2 step 1), each word just before its round.
      w.push(g.add(`w${t}`, [
        g.bitwise(`ss1_w${t - 2}`, { kind: "ss1" }, [w[t - 2]]),
        w[t - 7],
        g.bitwise(`ss0_w${t - 15}`, { kind: "ss0" }, [w[t - 15]]),
        w[t - 16],
      ]));
    }
    // c = a[t + 1] enters only through abPrev = b ^ c.
    const at = a[t + 3] as Val, bt = a[t + 2] as Val, dt = a[t] as Val;
    const et = e[t + 3] as Val, ft = e[t + 2] as Val, gt = e[t + 1] as Val, ht = e[t] as Val;
    const ch = g.bitwise(`ch${t}`, { kind: "ch" }, [et, ft, gt]);
    // Maj(a, b, c) = b ^ ((a ^ b) & (b ^ c)), and b ^ c is the previous round's a ^ b.
    const ab = g.bitwise(`ab${t}`, { kind: "xor" }, [at, bt]);
    const maj = g.bitwise(`maj${t}`, { kind: "maj" }, [bt, ab, abPrev]);
    abPrev = ab;
    const bs1 = g.bitwise(`bs1_${t}`, { kind: "bs1" }, [et]);
    const bs0 = g.bitwise(`bs0_${t}`, { kind: "bs0" }, [at]);
    const t1 = g.share(`t1_${t}`, [ht, bs1, ch, K[t], w[t]]);
    const eSum = sumOf([dt, t1]);
    const aSum = sumOf([t1, bs0, maj]);
    // The last round's sums stay open so the IV words fold into them.
    a.push(t === 63 ? aSum : g.add(`a${t + 1}`, [aSum]));
    e.push(t === 63 ? eSum : g.add(`e${t + 1}`, [eSum]));
  }
  const digest: Val[] = [];
  for (let i = 0; i < 4; i++) digest.push(g.add(`h${i}`, [a[67 - i], IV[i]]));
  for (let i = 0; i < 4; i++) digest.push(g.add(`h${i + 4}`, [e[67 - i], IV[i + 4]]));
  return { graph: g, digest };
}

/** The nodes the outputs need, in creation order (which is a topological order). */
function liveNodes(g: Graph, outputs: readonly Val[]): Node[] {
  const live = new Set<Node>();
  const visit = (v: Val) => {
    if (typeof v === "number" || live.has(v)) return;
    live.add(v);
    v.args.forEach(visit);
  };
  outputs.forEach(visit);
  return g.nodes.filter((n) => live.has(n));
}

// ---- TypeScript back end ----

function hex(v: number): string {
  return `0x${(v >>> 0).toString(16).padStart(8, "0")}`;
}

function tsRef(v: Val): string {
  if (typeof v !== "number") return v.name;
  return v < 0 ? `(-0x${(-v).toString(16)})` : hex(v);
}

function tsExpr(n: Node): string {
  const [x, y, z] = n.args.map(tsRef);
  switch (n.op.kind) {
    case "load":
      return `m[${n.op.index}] | 0`;
    case "nonce":
      return "(lo + i) | 0";
    case "add": {
      const lit = n.op.lit;
      const tail = lit < 0 ? ` - ${hex(-lit)}` : lit > 0 ? ` + ${hex(lit)}` : "";
      return `(${n.args.map(tsRef).join(" + ")}${tail}) | 0`;
    }
    case "bs0":
    case "bs1":
    case "ss0":
    case "ss1": {
      const { rot, shr } = SIGMA[n.op.kind];
      const parts = rot.map((r) => `(${x} >>> ${r} | ${x} << ${32 - r})`);
      if (shr !== undefined) parts.push(`(${x} >>> ${shr})`);
      return parts.join(" ^ ");
    }
    case "ch":
      return `${z} ^ (${x} & (${y} ^ ${z}))`;
    case "xor":
      return `${x} ^ ${y}`;
    case "maj":
      return `${x} ^ (${y} & ${z})`;
  }
}

function tsLines(nodes: readonly Node[], stage: Stage, indent: string): string[] {
  return nodes.filter((n) => n.stage === stage).map((n) =>
    `${indent}const ${n.name} = ${tsExpr(n)};`
  );
}

// ---- WebAssembly back end (core spec §5 binary format; SIMD opcodes after the 0xfd prefix) ----

const I32 = 0x7f, V128 = 0x7b, EMPTY_BLOCK = 0x40;
const OP = {
  loop: 0x03,
  if: 0x04,
  end: 0x0b,
  br: 0x0c,
  return: 0x0f,
  localGet: 0x20,
  localSet: 0x21,
  i32Load: 0x28,
  i32Const: 0x41,
  i32GeU: 0x4f,
  i32Add: 0x6a,
  i32And: 0x71,
  i32Xor: 0x73,
  i32Shl: 0x74,
  i32ShrU: 0x76,
  i32Rotr: 0x78,
  simdPrefix: 0xfd,
} as const;
const SIMD = {
  v128Const: 0x0c,
  i32x4Splat: 0x11,
  i32x4LtU: 0x3a,
  v128And: 0x4e,
  v128Or: 0x50,
  v128Xor: 0x51,
  v128AnyTrue: 0x53,
  i32x4Shl: 0xab,
  i32x4ShrU: 0xad,
  i32x4Add: 0xae,
} as const;

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

function sleb(n: number): number[] {
  const out: number[] = [];
  n |= 0;
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

const vec = (items: number[][]) => [...uleb(items.length), ...items.flat()];
const section = (id: number, body: number[]) => [id, ...uleb(body.length), ...body];
const utf8 = (s: string) => vec([...new TextEncoder().encode(s)].map((b) => [b]));

/** A function body under construction: one method per instruction, chainable. */
class Asm {
  readonly bytes: number[] = [];
  op(...codes: number[]): this {
    this.bytes.push(...codes);
    return this;
  }
  simd(code: number): this {
    return this.op(OP.simdPrefix, ...uleb(code));
  }
  get(local: number): this {
    return this.op(OP.localGet, ...uleb(local));
  }
  set(local: number): this {
    return this.op(OP.localSet, ...uleb(local));
  }
  i32(v: number): this {
    return this.op(OP.i32Const, ...sleb(v));
  }
  v128(lanes: readonly number[]): this {
    this.simd(SIMD.v128Const);
    for (const l of lanes) this.op(l & 0xff, (l >>> 8) & 0xff, (l >>> 16) & 0xff, l >>> 24);
    return this;
  }
}

/**
 * A module exporting memory "mem" (m[0..8] as little-endian int32 at offset 0) and
 * `scan(lo, blocks, threshold) -> i32`: for j = 0, 1, ..., blocks - 1 it hashes the nonces
 * lo + 4j .. lo + 4j + 3 and returns the first j where some H0 <u threshold, or -1.
 * Fixed values are computed once as i32, then splatted into i32x4 for the loop.
 */
function wasmModule(nodes: readonly Node[], h0: Node): Uint8Array {
  const pre = nodes.filter((n) => n.stage === "pre");
  const loop = nodes.filter((n) => n.stage === "loop");
  const splatted = new Set<Node>();
  for (const n of loop) {
    for (const a of n.args) if (typeof a !== "number" && a.stage === "pre") splatted.add(a);
  }
  // Locals: params lo, blocks, threshold; then i32 j and the pre nodes; then the v128s.
  const [lo, blocks, threshold, j] = [0, 1, 2, 3];
  let next = 4;
  const scalar = new Map<Node, number>();
  for (const n of pre) scalar.set(n, next++);
  const firstV128 = next;
  const thresholds = next++;
  const vector = new Map<Node, number>();
  for (const n of [...splatted, ...loop]) vector.set(n, next++);

  const c = new Asm();
  const scalarArg = (v: Val) => typeof v === "number" ? c.i32(v) : c.get(scalar.get(v)!);
  const vectorArg = (v: Val) =>
    typeof v === "number" ? c.v128([v, v, v, v]) : c.get(vector.get(v)!);

  for (const n of pre) {
    const [x, y, z] = n.args;
    switch (n.op.kind) {
      case "load":
        c.i32(0).op(OP.i32Load, 2, ...uleb(4 * n.op.index));
        break;
      case "add":
        n.args.forEach((t, k) => (scalarArg(t), k > 0 && c.op(OP.i32Add)));
        if (n.op.lit !== 0) c.i32(n.op.lit).op(OP.i32Add);
        break;
      case "bs0":
      case "bs1":
      case "ss0":
      case "ss1": {
        const { rot, shr } = SIGMA[n.op.kind];
        rot.forEach((r, k) => {
          scalarArg(x).i32(r).op(OP.i32Rotr);
          if (k > 0) c.op(OP.i32Xor);
        });
        if (shr !== undefined) scalarArg(x).i32(shr).op(OP.i32ShrU, OP.i32Xor);
        break;
      }
      case "ch": // g ^ (e & (f ^ g))
        scalarArg(z), scalarArg(x), scalarArg(y), scalarArg(z);
        c.op(OP.i32Xor, OP.i32And, OP.i32Xor);
        break;
      case "xor":
        scalarArg(x), scalarArg(y), c.op(OP.i32Xor);
        break;
      case "maj": // b ^ ((a ^ b) & (b ^ c))
        scalarArg(x), scalarArg(y), scalarArg(z), c.op(OP.i32And, OP.i32Xor);
        break;
      case "nonce":
        throw new TypeError("The nonce is a loop value");
    }
    c.set(scalar.get(n)!);
  }
  for (const n of splatted) c.get(scalar.get(n)!).simd(SIMD.i32x4Splat).set(vector.get(n)!);
  c.get(threshold).simd(SIMD.i32x4Splat).set(thresholds);

  c.op(OP.loop, EMPTY_BLOCK);
  // if (j >= blocks) return -1;
  c.get(j).get(blocks).op(OP.i32GeU, OP.if, EMPTY_BLOCK).i32(-1).op(OP.return, OP.end);
  for (const n of loop) {
    const [x, y, z] = n.args;
    switch (n.op.kind) {
      case "nonce": // lanes lo + 4j + 0..3
        c.get(lo).get(j).i32(2).op(OP.i32Shl, OP.i32Add).simd(SIMD.i32x4Splat);
        c.v128([0, 1, 2, 3]).simd(SIMD.i32x4Add);
        break;
      case "add":
        n.args.forEach((t, k) => (vectorArg(t), k > 0 && c.simd(SIMD.i32x4Add)));
        if (n.op.lit !== 0) vectorArg(n.op.lit).simd(SIMD.i32x4Add);
        break;
      case "bs0":
      case "bs1":
      case "ss0":
      case "ss1": {
        // i32x4 has no rotate: rotr(x, r) = (x >>> r) | (x << (32 - r)).
        const { rot, shr } = SIGMA[n.op.kind];
        rot.forEach((r, k) => {
          vectorArg(x).i32(r).simd(SIMD.i32x4ShrU);
          vectorArg(x).i32(32 - r).simd(SIMD.i32x4Shl).simd(SIMD.v128Or);
          if (k > 0) c.simd(SIMD.v128Xor);
        });
        if (shr !== undefined) vectorArg(x).i32(shr).simd(SIMD.i32x4ShrU).simd(SIMD.v128Xor);
        break;
      }
      case "ch": // g ^ (e & (f ^ g)); v128.bitselect measured slower here
        vectorArg(z), vectorArg(x), vectorArg(y), vectorArg(z);
        c.simd(SIMD.v128Xor).simd(SIMD.v128And).simd(SIMD.v128Xor);
        break;
      case "xor":
        vectorArg(x), vectorArg(y), c.simd(SIMD.v128Xor);
        break;
      case "maj": // b ^ ((a ^ b) & (b ^ c))
        vectorArg(x), vectorArg(y), vectorArg(z), c.simd(SIMD.v128And).simd(SIMD.v128Xor);
        break;
      case "load":
        throw new TypeError("Message words are fixed values");
    }
    c.set(vector.get(n)!);
  }
  // if (some lane of H0 <u threshold) return j;
  c.get(vector.get(h0)!).get(thresholds).simd(SIMD.i32x4LtU).simd(SIMD.v128AnyTrue);
  c.op(OP.if, EMPTY_BLOCK).get(j).op(OP.return, OP.end);
  // j++; continue;
  c.get(j).i32(1).op(OP.i32Add).set(j).op(OP.br, 0, OP.end);
  c.i32(-1).op(OP.end);

  const locals = [[...uleb(firstV128 - 3), I32], [...uleb(next - firstV128), V128]];
  const body = [...vec(locals), ...c.bytes];
  return new Uint8Array([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00], // magic, version 1
    ...section(1, vec([[0x60, ...vec([[I32], [I32], [I32]]), ...vec([[I32]])]])), // types
    ...section(3, vec([uleb(0)])), // functions
    ...section(5, vec([[0x00, 0x01]])), // memory: min 1 page
    ...section(7, vec([[...utf8("scan"), 0x00, 0], [...utf8("mem"), 0x02, 0]])), // exports
    ...section(10, vec([[...uleb(body.length), ...body]])), // code
  ]);
}

// ---- Output ----

function encodeBase64(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}

/** The source of `lib/mining/sha256_pow_kernel.ts`. */
export function generateKernel(): string {
  const { graph, digest } = buildGraph();
  const h0 = digest[0];
  if (typeof h0 === "number") throw new TypeError("H0 cannot be a constant");
  const scan = liveNodes(graph, [h0]);
  const full = liveNodes(graph, digest);
  const wasm = encodeBase64(wasmModule(scan, h0));
  const wasmLines: string[] = [];
  for (let i = 0; i < wasm.length; i += 96) wasmLines.push(`  "${wasm.slice(i, i + 96)}"`);
  return [
    "// Generated by tools/gen_sha256_kernel.ts: do not edit; rerun the generator.",
    "// deno-fmt-ignore-file",
    "/**",
    " * SHA-256 of the one-block PoW message txid ‖ nonce, specialised by the generator.",
    " * Words are FIPS 180-4 big-endian message words as int32: m[0..7] the txid, m[8] the",
    " * high and m[9] the low half of the nonce. See docs/PROTOCOL.md §12.",
    " * @module",
    " */",
    "",
    "/**",
    " * Hashes the nonces with low words lo, lo + 1, ..., lo + count - 1 (high word m[8])",
    " * and returns the index i of the first whose digest word H0 has at least `need`",
    " * leading zero bits (need ≤ 32), or -1.",
    " */",
    "export function scanPow(m: Int32Array, lo: number, count: number, need: number): number {",
    ...tsLines(scan, "pre", "  "),
    "  for (let i = 0; i < count; i++) {",
    ...tsLines(scan, "loop", "    "),
    `    if (Math.clz32(${tsRef(h0)}) >= need) return i;`,
    "  }",
    "  return -1;",
    "}",
    "",
    "/** Writes the eight digest words of the message with nonce words m[8], m[9] into `out`. */",
    "export function digestPow(m: Int32Array, out: Int32Array): void {",
    "  const lo = m[9], i = 0;",
    ...tsLines(full, "pre", "  "),
    ...tsLines(full, "loop", "  "),
    ...digest.map((h, k) => `  out[${k}] = ${tsRef(h)};`),
    "}",
    "",
    "/**",
    " * The same scan as a WebAssembly SIMD module, four nonces per step. It exports memory",
    " * `mem` (m[0..8] as int32 at offset 0) and `scan(lo, blocks, threshold)`, which returns",
    " * the first block j in which some nonce lo + 4j + k has H0 <u threshold, or -1.",
    " */",
    "export const SCAN_POW_SIMD_WASM: string =",
    wasmLines.join(" +\n") + ";",
    "",
  ].join("\n");
}

if (import.meta.main) {
  const path = new URL("../lib/mining/sha256_pow_kernel.ts", import.meta.url);
  await Deno.writeTextFile(path, generateKernel());
  console.log(`wrote ${path.pathname}`);
}
