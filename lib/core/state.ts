/**
 * The conflict and state rule (docs/PROTOCOL.md §8), as a pure function of a set of
 * transactions and their best work. Because it reads only the set, never arrival order, two
 * nodes that hold the same transactions and confirmations compute identical state.
 * @module
 */
import { encodeAddress } from "./address.ts";
import { toHex } from "./hash.ts";
import { CONFIRM_WORK_BITS } from "./pow.ts";
import type { Tx } from "./tx.ts";

/** A transaction's status. */
export type TxStatus = "pending" | "confirmed" | "conflicted" | "orphan";

/** One transaction with its txid (hex) and the work of its best confirmation (0 if none). */
export interface StateEntry {
  readonly txid: string;
  readonly tx: Tx;
  readonly work: number;
}

/** The result of the rule. */
export interface LedgerState {
  /** Status of every transaction. */
  readonly status: ReadonlyMap<string, TxStatus>;
  /** For each spent outpoint "txid:index", the txid of the spender that wins it. */
  readonly winners: ReadonlyMap<string, string>;
  /** Sum of unspent outputs of live transactions, by address. Zero balances are omitted. */
  readonly balances: ReadonlyMap<string, bigint>;
  /** Sum of every live unspent output; equals the genesis supply (the supply invariant). */
  readonly unspent: bigint;
}

/**
 * Orders two competing spenders: more work first, then the lower txid. Returns a negative
 * number when `a` beats `b`.
 */
export function compareSpenders(
  a: { txid: string; work: number },
  b: { txid: string; work: number },
): number {
  if (a.work !== b.work) return b.work - a.work;
  return a.txid < b.txid ? -1 : a.txid > b.txid ? 1 : 0;
}

/**
 * Applies the rule:
 * 1. A transaction is an orphan when a parent is missing or is itself an orphan.
 * 2. For each outpoint, the winner is the non-orphan spender with the most work, the lower
 *    txid breaking a tie (`compareSpenders`).
 * 3. A transaction is live when it is not an orphan, all its parents are live, and it wins
 *    every outpoint it spends. The genesis is live.
 * 4. Status: orphan; conflicted (not live); confirmed (live, work ≥ CONFIRM_WORK_BITS and every
 *    parent confirmed); otherwise pending.
 *
 * @example
 * ```ts
 * import { computeState } from "./state.ts";
 * const genesis = { version: 1, timestamp: 0, inputs: [], outputs: [{ amount: 10n, address: new Uint8Array(20) }] };
 * const s = computeState([{ txid: "aa", tx: genesis, work: 30 }]);
 * if (s.status.get("aa") !== "confirmed" || s.unspent !== 10n) throw new Error("state");
 * ```
 */
export function computeState(
  entries: Iterable<StateEntry>,
  confirmWork = CONFIRM_WORK_BITS,
): LedgerState {
  const byId = new Map<string, StateEntry>();
  for (const e of entries) byId.set(e.txid, e);

  // Topological order (Kahn), iterative so that long chains cannot overflow the stack.
  const children = new Map<string, string[]>();
  const pendingParents = new Map<string, number>();
  const orphan = new Set<string>();
  for (const e of byId.values()) {
    const parents = new Set(e.tx.inputs.map((i) => toHex(i.txid)));
    let known = 0;
    for (const p of parents) {
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
  // Orphanhood flows down to descendants.
  for (const id of order) {
    if (orphan.has(id)) continue;
    for (const inp of byId.get(id)!.tx.inputs) {
      if (orphan.has(toHex(inp.txid))) {
        orphan.add(id);
        break;
      }
    }
  }

  const winners = new Map<string, string>();
  const winnerWork = new Map<string, number>();
  for (const e of byId.values()) {
    if (orphan.has(e.txid)) continue;
    for (const inp of e.tx.inputs) {
      const op = `${toHex(inp.txid)}:${inp.index}`;
      const cur = winners.get(op);
      if (
        cur === undefined ||
        compareSpenders({ txid: e.txid, work: e.work }, { txid: cur, work: winnerWork.get(op)! }) <
          0
      ) {
        winners.set(op, e.txid);
        winnerWork.set(op, e.work);
      }
    }
  }

  const status = new Map<string, TxStatus>();
  for (const id of orphan) status.set(id, "orphan");
  for (const id of order) {
    if (orphan.has(id)) continue;
    const e = byId.get(id)!;
    let live = true;
    let parentsConfirmed = true;
    for (const inp of e.tx.inputs) {
      const p = toHex(inp.txid);
      const ps = status.get(p);
      if (ps !== "pending" && ps !== "confirmed") live = false;
      if (ps !== "confirmed") parentsConfirmed = false;
      if (winners.get(`${p}:${inp.index}`) !== id) live = false;
    }
    status.set(
      id,
      !live ? "conflicted" : e.work >= confirmWork && parentsConfirmed ? "confirmed" : "pending",
    );
  }

  const balances = new Map<string, bigint>();
  let unspent = 0n;
  for (const id of order) {
    const s = status.get(id);
    if (s !== "pending" && s !== "confirmed") continue;
    const e = byId.get(id)!;
    e.tx.outputs.forEach((out, index) => {
      const w = winners.get(`${id}:${index}`);
      if (w !== undefined && isLive(status.get(w))) return;
      const addr = encodeAddress(out.address);
      balances.set(addr, (balances.get(addr) ?? 0n) + out.amount);
      unspent += out.amount;
    });
  }
  return { status, winners, balances, unspent };
}

/** True for the statuses whose outputs count (pending and confirmed). */
export function isLive(s: TxStatus | undefined): boolean {
  return s === "pending" || s === "confirmed";
}
