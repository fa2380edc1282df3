/**
 * The adapter that gives the network layer its narrow view of the ledger (`NetLedger`,
 * lib/net/ledger_port.ts): the two-stage verify-then-commit pipeline, the choice of where
 * signatures are checked, and orphan expiry stay here, on the ledger's side of the seam.
 * @module
 */
import type { EncodedTx } from "../core/tx.ts";
import type { LedgerEvent } from "../ledger/events.ts";
import type { Ledger } from "../ledger/ledger.ts";
import type { VerifyPool } from "../ledger/verify_pool.ts";
import type { NetLedger, StoreTxsOptions } from "../net/ledger_port.ts";
import { SYNC_BATCH } from "../net/sync.ts";

/**
 * Batches smaller than this are checked on this thread rather than by the verify pool. Sync
 * replies (SYNC_BATCH transactions asked at once) make batches this big; relayed and hostile
 * traffic does not, and a worker round trip per datagram costs more than checking it here.
 * Measured over a flood of 10^6 hostile datagrams (docs/BENCHMARKS.md "Network"): with
 * every batch sent to the pool, the node spent 122 µs of CPU per datagram instead of 40, its
 * worker isolate (about 20 MiB resident) was started by the flood, and its RSS grew by 31 MiB
 * instead of 13. Batches of transactions a sync session asked for go to the pool whatever
 * their size.
 */
export const MIN_POOL_BATCH = SYNC_BATCH / 2;

/**
 * Where a batch's signatures are checked: by the pool's workers (true) or on this thread.
 * The one place net's traffic meets the verification choice (issue 19's Verifier replaces it).
 */
export function useVerifyWorkers(count: number, solicited: boolean): boolean {
  return solicited || count >= MIN_POOL_BATCH;
}

/**
 * Builds the ledger view the network layer needs. `verifyPool`, when given, checks the
 * signatures of large or solicited batches while the batch before is being stored.
 */
export function netLedgerOf(ledger: Ledger, verifyPool?: VerifyPool): NetLedger {
  // The events of one commit reach subscribers synchronously inside the call that commits,
  // so collecting them around that call gives exactly that commit's outcomes.
  let sink: LedgerEvent[] | null = null;
  ledger.subscribe((events) => sink?.push(...events));
  const collect = (commit: () => unknown): LedgerEvent[] => {
    const mine: LedgerEvent[] = [];
    sink = mine;
    try {
      commit();
    } finally {
      sink = null;
    }
    return mine;
  };
  return {
    network: ledger.network,
    async storeTxs(txs: readonly EncodedTx[], opts: StoreTxsOptions) {
      const pool = verifyPool && useVerifyWorkers(txs.length, opts.solicited)
        ? verifyPool
        : undefined;
      const prepared = pool ? ledger.prepareTxs(txs, pool) : null;
      prepared?.catch(() => {}); // handled when awaited below
      await opts.after.catch(() => {}); // the batch before reported its own failure
      if (prepared) {
        const ready = await prepared;
        return collect(() => ledger.commitTxs(ready));
      }
      return collect(() => ledger.addTxs(txs));
    },
    storeConfirmations: (confs) => collect(() => ledger.addConfirmations(confs)),
    summary: () => ledger.summary(),
    inventory: (after, limit) => ledger.inventory(after, limit),
    getRaw: (txid) => ledger.getRaw(txid),
    hasTx: (txid) => ledger.hasTx(txid),
    workOf: (txid) => ledger.workOf(txid),
    expireOrphans: (now) => ledger.orphans.expire(now),
  };
}
