/**
 * Rebuilding the ledger's derived state (docs/PROTOCOL.md §11): once after migration 3, every
 * status and weight from the pure rule; on every open, the in-memory weight index from the
 * stored rows, without recomputing any weight.
 * @module
 */
import { toHex } from "../core/hash.ts";
import { computeState, type StateEntry, type TxStatus } from "../core/state.ts";
import { decodeTx } from "../core/tx.ts";
import type { Statements } from "./statements.ts";
import type { DagQueries, WeightIndex } from "./weights.ts";

type Row = Record<string, unknown>;

/**
 * Sets every status and weight from `computeState` over the stored transactions alone (the
 * genesis, `genesisId`, with `genesisBase`), marks every transaction watched, and clears the
 * `recompute` mark. Runs inside the caller's database transaction.
 */
export function recomputeFromRule(
  s: Statements,
  genesisId: string,
  genesisBase: bigint,
  confirmBits: number,
): void {
  const entries: StateEntry[] = [];
  const seqOf = new Map<string, number>();
  for (const r of s.allTxRows.iterate() as Iterable<Row>) {
    const id = toHex(r.txid as Uint8Array);
    seqOf.set(id, Number(r.seq));
    entries.push({
      txid: id,
      tx: decodeTx(r.raw as Uint8Array),
      baseWeight: id === genesisId ? genesisBase : undefined,
    });
  }
  const st = computeState(entries, [], confirmBits);
  for (const [id, seq] of seqOf) {
    s.setStatus.run(st.status.get(id)!, seq);
    s.setWeight.run((st.weight.get(id) ?? 0n).toString(), null, 1, seq);
  }
  s.delMeta.run("recompute");
}

/**
 * Rebuilds the in-memory weight index on open: the watched rows with their stored exact
 * weights, the contested ones' marks on their descendants, and the approval sets of the
 * confirmations stored after the oldest watched transaction (no earlier one can approve it).
 * No weight is recomputed. Fills `statuses` with the watched transactions' statuses.
 */
export function rebuildWeightIndex(
  s: Statements,
  weights: WeightIndex,
  statuses: Map<number, TxStatus>,
  dag: DagQueries,
): void {
  const watched = s.watchedRows.all() as Row[];
  let oldest = Infinity;
  for (const r of watched) {
    const seq = Number(r.seq);
    oldest = Math.min(oldest, seq);
    const parents = (s.parentSeqs.all(seq) as Row[]).map((x) => Number(x.prev));
    const best = r.best === null ? null : toHex(r.best as Uint8Array);
    weights.watch(seq, {
      weight: BigInt(r.weight as string),
      best,
      contested: false,
      parents,
      id: toHex(r.txid as Uint8Array),
    });
    statuses.set(seq, r.status as TxStatus);
  }
  for (const r of watched) {
    const seq = Number(r.seq);
    if (s.contested.get(seq) !== undefined) weights.markContested(seq, dag);
  }
  if (oldest !== Infinity) {
    for (const c of s.confsFrom.iterate(oldest) as Iterable<Row>) {
      const seq = Number(c.seq);
      const refs = (s.refsOf.all(seq) as Row[]).map((x) => Number(x.ref));
      weights.replayConf(seq, Number(c.tx), refs);
    }
  }
  for (const r of (s.tips.all() as Row[]).reverse()) {
    weights.addTip(Number(r.seq), r.id as Uint8Array);
  }
}
