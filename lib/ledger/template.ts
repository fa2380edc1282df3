/**
 * Mining templates (docs/PROTOCOL.md §12): what the miners harden and which tips their
 * confirmation approves. Policy, not protocol: read-only over the ledger's state.
 * @module
 */
import { canonicalRefs } from "../core/confirmation.ts";
import { isLive, type TxStatus } from "../core/state.ts";
import type { Statements } from "./statements.ts";
import type { MineTemplate } from "./types.ts";
import type { WeightIndex } from "./weights.ts";

type Row = Record<string, unknown>;

/**
 * The least-weighted live watched transaction (ties: the newer, usually a leaf, whose
 * confirmation also approves its ancestors), else the newest live one; and up to `maxRefs`
 * tips, newest first, that approve no transaction that is not live, in canonical order. Never
 * a loser, never both sides of a conflict. Null only when nothing is live.
 */
export function mineTemplateOf(
  s: Statements,
  weights: WeightIndex,
  statuses: ReadonlyMap<number, TxStatus>,
  maxRefs: number,
): MineTemplate | null {
  let best: { seq: number; weight: bigint } | null = null;
  for (const [seq, w] of weights.watched) {
    if (!isLive(statuses.get(seq))) continue;
    if (best === null || w.weight < best.weight || (w.weight === best.weight && seq > best.seq)) {
      best = { seq, weight: w.weight };
    }
  }
  let txid: Uint8Array;
  let weight: bigint;
  if (best !== null) {
    txid = (s.headBySeq.get(best.seq) as Row).txid as Uint8Array;
    weight = best.weight;
  } else {
    const r = s.newestLive.get() as Row | undefined;
    if (r === undefined) return null;
    txid = r.txid as Uint8Array;
    weight = BigInt(r.weight as string);
  }
  const refs: Uint8Array[] = [];
  const tips = [...weights.tips].sort((a, b) => b[0] - a[0]);
  for (const [seq, id] of tips) {
    if (refs.length >= maxRefs) break;
    if (!weights.approvesOf(seq).some((t) => !isLive(statuses.get(t)))) refs.push(id);
  }
  return { txid, refs: canonicalRefs(refs), weight };
}
