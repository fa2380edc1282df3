import { assertEquals } from "../helpers/assert.ts";
import { OrphanPool } from "../../lib/ledger/orphans.ts";

type Op =
  | { add: string; bytes: number; missing: string[]; at: number; fits?: boolean }
  | { take: string; expect: string[] }
  | { expire: number };

interface Case {
  readonly name: string;
  readonly opts: ConstructorParameters<typeof OrphanPool>[0];
  readonly ops: readonly Op[];
  /** Held txids, bytes and awaited parents at the end. */
  readonly held: readonly string[];
  readonly bytes: number;
  readonly parents: readonly string[];
}

const CASES: Case[] = [
  {
    name: "an orphan is held until its parent is taken",
    opts: {},
    ops: [{ add: "c1", bytes: 10, missing: ["p"], at: 0 }, { take: "p", expect: ["c1"] }],
    held: [],
    bytes: 0,
    parents: [],
  },
  {
    name: "children of one parent come back together; others stay",
    opts: {},
    ops: [
      { add: "c1", bytes: 10, missing: ["p"], at: 0 },
      { add: "c2", bytes: 20, missing: ["p", "q"], at: 0 },
      { add: "c3", bytes: 30, missing: ["q"], at: 0 },
      { take: "p", expect: ["c1", "c2"] },
    ],
    held: ["c3"],
    bytes: 30,
    parents: ["q"],
  },
  {
    name: "adding the same txid twice holds it once",
    opts: {},
    ops: [
      { add: "c1", bytes: 10, missing: ["p"], at: 0 },
      { add: "c1", bytes: 10, missing: ["p"], at: 5 },
    ],
    held: ["c1"],
    bytes: 10,
    parents: ["p"],
  },
  {
    name: "the count bound evicts the oldest",
    opts: { maxCount: 2 },
    ops: [
      { add: "c1", bytes: 1, missing: ["p1"], at: 0 },
      { add: "c2", bytes: 1, missing: ["p2"], at: 1 },
      { add: "c3", bytes: 1, missing: ["p3"], at: 2 },
      { take: "p1", expect: [] },
    ],
    held: ["c2", "c3"],
    bytes: 2,
    parents: ["p2", "p3"],
  },
  {
    name: "the byte bound evicts the oldest, and refuses what can never fit",
    opts: { maxBytes: 100 },
    ops: [
      { add: "c1", bytes: 60, missing: ["p"], at: 0 },
      { add: "c2", bytes: 50, missing: ["p"], at: 1 },
      { add: "big", bytes: 101, missing: ["p"], at: 2, fits: false },
    ],
    held: ["c2"],
    bytes: 50,
    parents: ["p"],
  },
  {
    name: "expiry drops those older than the TTL, and only those",
    opts: { ttlMs: 100 },
    ops: [
      { add: "c1", bytes: 1, missing: ["p1"], at: 0 },
      { add: "c2", bytes: 1, missing: ["p2"], at: 50 },
      { expire: 120 },
    ],
    held: ["c2"],
    bytes: 1,
    parents: ["p2"],
  },
  {
    name: "an expired orphan is not returned for its parent",
    opts: { ttlMs: 100 },
    ops: [
      { add: "c1", bytes: 1, missing: ["p"], at: 0 },
      { expire: 101 },
      { take: "p", expect: [] },
    ],
    held: [],
    bytes: 0,
    parents: [],
  },
];

Deno.test("OrphanPool holds, bounds, expires and returns orphans by parent", () => {
  for (const c of CASES) {
    const pool = new OrphanPool(c.opts);
    for (const op of c.ops) {
      if ("add" in op) {
        const fits = pool.add(op.add, new Uint8Array(op.bytes), op.missing, op.at);
        assertEquals(fits, op.fits ?? true, `${c.name}: add ${op.add}`);
      } else if ("take" in op) {
        assertEquals(pool.takeChildren(op.take).map((o) => o.txid), op.expect, c.name);
      } else pool.expire(op.expire);
    }
    const all = ["c1", "c2", "c3", "big"];
    assertEquals(all.filter((id) => pool.has(id)), c.held, `${c.name}: held`);
    assertEquals(pool.size, c.held.length, `${c.name}: size`);
    assertEquals(pool.bytes, c.bytes, `${c.name}: bytes`);
    assertEquals(pool.missingParents().sort(), [...c.parents].sort(), `${c.name}: parents`);
  }
});
