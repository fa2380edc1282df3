/**
 * The conflict and state rule (docs/PROTOCOL.md §8), the one place it is written. State is a
 * pure function of the set of transactions and the set of confirmations (the DAG of §6):
 * `computeState` evaluates it for whole sets; the ledger keeps the inputs of `statusOf` up to
 * date incrementally and calls it for one transaction at a time (docs/PROTOCOL.md §11).
 * @module
 */
import { encodeAddress } from "./address.ts";
import { confirmationWeight } from "./confirmation.ts";
import { toHex } from "./hash.ts";
import { CONFIRM_WEIGHT_BITS } from "./pow.ts";
import type { Tx } from "./tx.ts";

/** A transaction's status. */
export type TxStatus = "pending" | "confirmed" | "conflicted" | "orphan";

/** One transaction with its txid (hex). */
export interface StateEntry {
  readonly txid: string;
  readonly tx: Tx;
  /** Weight it has of its own, outside the DAG: the genesis confirmation's 2^work (§13). */
  readonly baseWeight?: bigint;
}

/** One stored confirmation: its id, the txid it hardens, its bits and its refs (all hex). */
export interface StateConf {
  readonly id: string;
  readonly txid: string;
  readonly bits: number;
  readonly refs: readonly string[];
}

/** What orders two transactions (≺ of §8). `best` is the smallest approving pow hash (hex). */
export interface OrderKey {
  readonly txid: string;
  /** Cumulative weight in hashes. */
  readonly weight: bigint;
  /** Smallest pow hash (lowercase hex) among the confirmations approving it; null for none. */
  readonly best: string | null;
  /** 0 for the genesis, else 1 + the highest parent height. */
  readonly height: number;
}

/** The result of the rule. */
export interface LedgerState {
  /** Status of every transaction. */
  readonly status: ReadonlyMap<string, TxStatus>;
  /** For each outpoint "txid:index" spent by a live transaction, that transaction. */
  readonly winners: ReadonlyMap<string, string>;
  /** Cumulative weight of every non-orphan transaction. */
  readonly weight: ReadonlyMap<string, bigint>;
  /** Smallest approving pow hash of every non-orphan transaction, or null. */
  readonly best: ReadonlyMap<string, string | null>;
  /** Sum of unspent outputs of live transactions, by address. Zero balances are omitted. */
  readonly balances: ReadonlyMap<string, bigint>;
  /** Sum of every live unspent output; equals the genesis supply (the supply invariant). */
  readonly unspent: bigint;
}

/**
 * The order ≺ of §8: more weight first, then the smaller best hash (none last), then the lower
 * height, then the lower txid. Negative when `a` comes first. Parents always come before their
 * children, because they weigh at least as much, have a best hash at least as small, and are
 * lower.
 */
export function compareOrder(a: OrderKey, b: OrderKey): number {
  if (a.weight !== b.weight) return a.weight > b.weight ? -1 : 1;
  if (a.best !== b.best) {
    if (a.best === null) return 1;
    if (b.best === null) return -1;
    return a.best < b.best ? -1 : 1;
  }
  if (a.height !== b.height) return a.height - b.height;
  return a.txid < b.txid ? -1 : a.txid > b.txid ? 1 : 0;
}

/** True for the statuses whose outputs count (pending and confirmed). */
export function isLive(s: TxStatus | undefined): boolean {
  return s === "pending" || s === "confirmed";
}

/**
 * The status of one non-orphan transaction (§8 steps 3 and 4), given its parents' statuses and
 * its co-spenders (other transactions spending one of its outpoints) with their statuses. Only
 * co-spenders that come before it in ≺ matter, so in ≺ order every input is already final.
 */
export function statusOf(
  self: OrderKey,
  parents: readonly (TxStatus | undefined)[],
  coSpenders: readonly (OrderKey & { readonly status: TxStatus | undefined })[],
  confirmBits = CONFIRM_WEIGHT_BITS,
): TxStatus {
  let live = parents.every(isLive);
  if (live) {
    for (const s of coSpenders) {
      if (s.txid !== self.txid && isLive(s.status) && compareOrder(s, self) < 0) {
        live = false;
        break;
      }
    }
  }
  if (!live) return "conflicted";
  return self.weight >= confirmationWeight(confirmBits) ? "confirmed" : "pending";
}

/**
 * Applies the rule to whole sets:
 * 1. A transaction is an orphan when a parent is missing or is itself an orphan. A
 *    confirmation counts only when its transaction is a non-orphan and its refs count.
 * 2. W(T) = Σ 2^bits over confirmations approving T (hardening T or a spending descendant, or
 *    through a ref), plus T's base weight; B(T) = smallest approving pow hash.
 * 3. In ≺ order, T is live when its parents are live and no earlier live co-spender claimed
 *    one of its outpoints (`statusOf`).
 *
 * @example
 * ```ts
 * import { computeState } from "./state.ts";
 * const genesis = { version: 1, timestamp: 0, inputs: [], outputs: [{ amount: 10n, address: new Uint8Array(20) }] };
 * const s = computeState([{ txid: "aa", tx: genesis, baseWeight: 1n << 30n }], []);
 * if (s.status.get("aa") !== "confirmed" || s.unspent !== 10n) throw new Error("state");
 * ```
 */
export function computeState(
  entries: Iterable<StateEntry>,
  confs: Iterable<StateConf>,
  confirmBits = CONFIRM_WEIGHT_BITS,
): LedgerState {
  const byId = new Map<string, StateEntry>();
  for (const e of entries) byId.set(e.txid, e);
  const parentsOf = (e: StateEntry) => [...new Set(e.tx.inputs.map((i) => toHex(i.txid)))];

  // Topological order (Kahn), iterative so that long chains cannot overflow the stack.
  const children = new Map<string, string[]>();
  const pendingParents = new Map<string, number>();
  const orphan = new Set<string>();
  for (const e of byId.values()) {
    let known = 0;
    for (const p of parentsOf(e)) {
      if (!byId.has(p)) {
        orphan.add(e.txid);
        continue;
      }
      known++;
      const list = children.get(p);
      if (list) list.push(e.txid);
      else children.set(p, [e.txid]);
    }
    pendingParents.set(e.txid, known);
  }
  const order: string[] = [];
  for (const [id, n] of pendingParents) if (n === 0) order.push(id);
  for (let k = 0; k < order.length; k++) {
    for (const c of children.get(order[k]) ?? []) {
      const n = pendingParents.get(c)! - 1;
      pendingParents.set(c, n);
      if (n === 0) order.push(c);
    }
  }
  const height = new Map<string, number>();
  const ancestors = new Map<string, Set<string>>(); // ancestors-or-self
  for (const id of order) {
    const e = byId.get(id)!;
    const ps = parentsOf(e);
    if (ps.some((p) => orphan.has(p))) orphan.add(id);
    if (orphan.has(id)) continue;
    const anc = new Set<string>([id]);
    let h = 0;
    for (const p of ps) {
      for (const a of ancestors.get(p)!) anc.add(a);
      h = Math.max(h, height.get(p)! + 1);
    }
    ancestors.set(id, anc);
    height.set(id, h);
  }

  // Weights: each confirmation approves the ancestors of its tx and what its refs approve.
  const weight = new Map<string, bigint>();
  const best = new Map<string, string | null>();
  for (const id of ancestors.keys()) {
    weight.set(id, byId.get(id)!.baseWeight ?? 0n);
    best.set(id, null);
  }
  const confById = new Map<string, StateConf>();
  for (const c of confs) confById.set(c.id, c);
  const approved = new Map<string, Set<string> | null>(); // null: does not count
  const approve = (root: StateConf): void => {
    // Iterative post-order over refs.
    const stack: { c: StateConf; i: number }[] = [{ c: root, i: 0 }];
    while (stack.length > 0) {
      const top = stack[stack.length - 1];
      if (approved.has(top.c.id)) {
        stack.pop();
        continue;
      }
      if (top.i < top.c.refs.length) {
        const r = confById.get(top.c.refs[top.i++]);
        if (r !== undefined && !approved.has(r.id)) stack.push({ c: r, i: 0 });
        continue;
      }
      stack.pop();
      const base = ancestors.get(top.c.txid);
      const refsOk = top.c.refs.every((r) => (approved.get(r) ?? null) !== null);
      if (base === undefined || !refsOk) {
        approved.set(top.c.id, null);
        continue;
      }
      const set = new Set(base);
      for (const r of top.c.refs) for (const t of approved.get(r)!) set.add(t);
      approved.set(top.c.id, set);
    }
  };
  for (const c of confById.values()) {
    approve(c);
    const set = approved.get(c.id);
    if (!set) continue;
    const w = confirmationWeight(c.bits);
    for (const t of set) {
      weight.set(t, weight.get(t)! + w);
      const b = best.get(t)!;
      if (b === null || c.id < b) best.set(t, c.id);
    }
  }

  // Greedy acceptance in ≺ order.
  const key = (id: string): OrderKey => ({
    txid: id,
    weight: weight.get(id)!,
    best: best.get(id)!,
    height: height.get(id)!,
  });
  const spenders = new Map<string, string[]>();
  for (const id of ancestors.keys()) {
    for (const inp of byId.get(id)!.tx.inputs) {
      const op = `${toHex(inp.txid)}:${inp.index}`;
      const list = spenders.get(op);
      if (list) list.push(id);
      else spenders.set(op, [id]);
    }
  }
  const ranked = [...ancestors.keys()].map(key).sort(compareOrder);
  const status = new Map<string, TxStatus>();
  for (const id of orphan) status.set(id, "orphan");
  const winners = new Map<string, string>();
  for (const k of ranked) {
    const e = byId.get(k.txid)!;
    const ops = e.tx.inputs.map((i) => `${toHex(i.txid)}:${i.index}`);
    const co = ops.flatMap((op) => spenders.get(op)!).map((s) => ({
      ...key(s),
      status: status.get(s),
    }));
    const s = statusOf(k, parentsOf(e).map((p) => status.get(p)), co, confirmBits);
    status.set(k.txid, s);
    if (isLive(s)) { for (const op of ops) winners.set(op, k.txid); }
  }

  const balances = new Map<string, bigint>();
  let unspent = 0n;
  for (const id of order) {
    if (!isLive(status.get(id))) continue;
    byId.get(id)!.tx.outputs.forEach((out, index) => {
      if (winners.has(`${id}:${index}`)) return;
      const addr = encodeAddress(out.address);
      balances.set(addr, (balances.get(addr) ?? 0n) + out.amount);
      unspent += out.amount;
    });
  }
  return { status, winners, weight, best, balances, unspent };
}
