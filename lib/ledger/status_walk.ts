/**
 * Keeping statuses equal to the pure rule (docs/PROTOCOL.md §8, §11): every evaluation is
 * core's `statusOf`, fed with stored parent statuses and the exact weights of the watched
 * co-spenders; a change walks on to children and co-spenders in increasing height.
 * @module
 */
import { fromHex, toHex } from "../core/hash.ts";
import { isLive, type OrderKey, statusOf, type TxStatus } from "../core/state.ts";
import { HeightQueue } from "./height_queue.ts";
import type { Statements } from "./statements.ts";
import type { DagQueries, Watched, WeightIndex } from "./weights.ts";

type Row = Record<string, unknown>;

/** What the walker needs; `onChange` records a status change (counts, events). */
export interface StatusWalkDeps {
  readonly s: Statements;
  readonly weights: WeightIndex;
  readonly dag: DagQueries;
  /** Statuses of watched transactions, kept in step with the rows. */
  readonly statuses: Map<number, TxStatus>;
  /** Weight of the genesis (seq 1) outside the DAG. */
  readonly genesisBase: bigint;
  readonly confirmBits: number;
  readonly onChange: (txid: string, before: TxStatus, after: TxStatus) => void;
}

/** Status evaluation and the refresh walk of one ledger. */
export class StatusWalker {
  readonly #d: StatusWalkDeps;

  constructor(deps: StatusWalkDeps) {
    this.#d = deps;
  }

  /** Makes `seq` watched (exact weight), walking its future cone if it was not. */
  ensureWatched(seq: number): Watched {
    const { s, weights, dag } = this.#d;
    const w = weights.watched.get(seq);
    if (w !== undefined) return w;
    const parents = (s.parentSeqs.all(seq) as Row[]).map((x) => Number(x.prev));
    const base = seq === 1 ? this.#d.genesisBase : 0n;
    const fresh = weights.rewatch(seq, base, parents, dag);
    s.setWeight.run(fresh.weight.toString(), fresh.best && fromHex(fresh.best), 1, seq);
    this.#d.statuses.set(seq, (s.headBySeq.get(seq) as Row).status as TxStatus);
    return fresh;
  }

  /** The ≺ key and status of a watched transaction. */
  keyOf(seq: number): OrderKey & { status: TxStatus } {
    const w = this.#d.weights.watched.get(seq)!;
    const head = this.#d.s.headBySeq.get(seq) as Row;
    return {
      txid: toHex(head.txid as Uint8Array),
      weight: w.weight,
      best: w.best,
      height: Number(head.height),
      status: head.status as TxStatus,
    };
  }

  /**
   * Recomputes statuses from `seeds` outward: the seeds' co-spenders (the order may have
   * changed) and then, in height order, the children and co-spenders of every transaction
   * whose liveness changed. The result equals `computeState` (§8), which has a unique
   * solution because each status depends only on transactions before it in ≺.
   */
  refresh(seeds: readonly number[]): void {
    const { s } = this.#d;
    const q = new HeightQueue();
    const pushCo = (seq: number) => {
      for (const r of s.coSpenders.all(seq) as Row[]) q.push(Number(r.height), Number(r.seq));
    };
    for (const seq of seeds) {
      pushCo(seq);
      q.push(Number((s.headBySeq.get(seq) as Row).height), seq);
    }
    for (let seq = q.pop(); seq !== undefined; seq = q.pop()) {
      const head = s.headBySeq.get(seq) as Row;
      const before = head.status as TxStatus;
      const after = this.statusOfSeq(seq, head);
      if (after === before) continue;
      s.setStatus.run(after, seq);
      if (this.#d.statuses.has(seq)) this.#d.statuses.set(seq, after);
      this.#d.onChange(toHex(head.txid as Uint8Array), before, after);
      if (isLive(before) !== isLive(after)) {
        for (const r of s.children.all(seq) as Row[]) q.push(Number(r.height), Number(r.seq));
        pushCo(seq);
      }
    }
  }

  /** Core's `statusOf` for one stored transaction (`head`: its row of `headBySeq`). */
  statusOfSeq(seq: number, head: Row): TxStatus {
    const { s, weights } = this.#d;
    const w = weights.watched.get(seq);
    const self: OrderKey = {
      txid: toHex(head.txid as Uint8Array),
      weight: w?.weight ?? BigInt(head.weight as string),
      best: w?.best ?? null,
      height: Number(head.height),
    };
    const parents = (s.inputsOf.all(seq) as Row[]).map((r) => r.status as TxStatus);
    const co = (s.coSpenders.all(seq) as Row[]).map((r) => this.keyOf(Number(r.seq)));
    return statusOf(self, parents, co, this.#d.confirmBits);
  }
}
