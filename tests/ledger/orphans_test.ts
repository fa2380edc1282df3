import { assertEquals } from "../helpers/assert.ts";
import { OrphanPool } from "../../lib/ledger/orphans.ts";

type Op =
  | { add: string; bytes: number; missing: string[]; at: number; fits: boolean }
  | { take: string; expect: string[] }
  | { expire: number };

const add = (id: string, bytes: number, missing: string[], at: number, fits = true): Op => ({
  add: id,
  bytes,
  missing,
  at,
  fits,
});
const take = (parent: string, ...expect: string[]): Op => ({ take: parent, expect });
const expire = (at: number): Op => ({ expire: at });

/** Name, bounds, operations, then the txids held, their bytes and the parents awaited. */
type Case = [
  string,
  ConstructorParameters<typeof OrphanPool>[0],
  Op[],
  held: string[],
  bytes: number,
  parents: string[],
];

const CASES: Case[] = [
  [
    "an orphan is held until its parent is taken",
    {},
    [
      add("c1", 10, ["p"], 0),
      take("p", "c1"),
    ],
    [],
    0,
    [],
  ],
  [
    "children of one parent come back together; others stay",
    {},
    [
      add("c1", 10, ["p"], 0),
      add("c2", 20, ["p", "q"], 0),
      add("c3", 30, ["q"], 0),
      take("p", "c1", "c2"),
    ],
    ["c3"],
    30,
    ["q"],
  ],
  [
    "adding the same txid twice holds it once",
    {},
    [
      add("c1", 10, ["p"], 0),
      add("c1", 10, ["p"], 5),
    ],
    ["c1"],
    10,
    ["p"],
  ],
  [
    "the count bound evicts the oldest",
    { maxCount: 2 },
    [
      add("c1", 1, ["p1"], 0),
      add("c2", 1, ["p2"], 1),
      add("c3", 1, ["p3"], 2),
      take("p1"),
    ],
    ["c2", "c3"],
    2,
    ["p2", "p3"],
  ],
  [
    "the byte bound evicts the oldest, and refuses what can never fit",
    { maxBytes: 100 },
    [
      add("c1", 60, ["p"], 0),
      add("c2", 50, ["p"], 1),
      add("big", 101, ["p"], 2, false),
    ],
    ["c2"],
    50,
    ["p"],
  ],
  [
    "expiry drops those older than the TTL, and only those",
    { ttlMs: 100 },
    [
      add("c1", 1, ["p1"], 0),
      add("c2", 1, ["p2"], 50),
      expire(120),
    ],
    ["c2"],
    1,
    ["p2"],
  ],
  [
    "an expired orphan is not returned for its parent",
    { ttlMs: 100 },
    [
      add("c1", 1, ["p"], 0),
      expire(101),
      take("p"),
    ],
    [],
    0,
    [],
  ],
];

Deno.test("OrphanPool holds, bounds, expires and returns orphans by parent", () => {
  for (const [name, opts, ops, held, bytes, parents] of CASES) {
    const pool = new OrphanPool(opts);
    for (const op of ops) {
      if ("add" in op) {
        const fits = pool.add(op.add, new Uint8Array(op.bytes), op.missing, op.at);
        assertEquals(fits, op.fits, `${name}: add ${op.add}`);
      } else if ("take" in op) {
        assertEquals(pool.takeChildren(op.take).map((o) => o.txid), op.expect, name);
      } else pool.expire(op.expire);
    }
    assertEquals(["c1", "c2", "c3", "big"].filter((id) => pool.has(id)), held, `${name}: held`);
    assertEquals(pool.size, held.length, `${name}: size`);
    assertEquals(pool.bytes, bytes, `${name}: bytes`);
    assertEquals(pool.missingParents().sort(), [...parents].sort(), `${name}: parents`);
  }
});
