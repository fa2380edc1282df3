/**
 * The adapter that gives the network layer its narrow view of the ledger (`NetLedger`,
 * lib/net/ledger_port.ts): the two-stage verify-then-commit pipeline and orphan expiry stay
 * here, on the ledger's side of the seam. Where signatures are checked is the Verifier's
 * choice (lib/ledger/verifier.ts); net only says whether a batch was asked for.
 * @module
 */
import type { EncodedTx } from "../core/tx.ts";
import type { LedgerEvent } from "../ledger/events.ts";
import type { Ledger } from "../ledger/ledger.ts";
import type { Verifier } from "../ledger/verifier.ts";
import type { NetLedger, StoreTxsOptions } from "../net/ledger_port.ts";

/**
 * Resolves after the event loop has had a turn, I/O callbacks included: `setImmediate`
 * (about 5 µs here), not `setTimeout(0)`, which Deno clamps to about 2 ms.
 */
function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Waits for `batch`, a prepared batch about to be stored: until it is ready, this thread
 * checks the chunks the verify workers have not reached (`Verifier.helpOne`), one per turn of
 * the event loop, so received datagrams wait at most one chunk. When the workers are ahead
 * there is nothing to take.
 */
export async function helpUntilReady<T>(
  verifier: Partial<Pick<Verifier, "helpOne">> | undefined,
  batch: Promise<T>,
): Promise<T> {
  let done = false;
  void batch.then(() => done = true, () => done = true);
  while (!done && verifier?.helpOne?.()) await nextTurn();
  return await batch;
}

/**
 * Builds the ledger view the network layer needs. `verifier`, when given, gets every batch
 * and decides where its signatures are checked: on its workers while the batch before is
 * being stored, or on this thread during the commit. Without it, batches are stored with
 * `addTxs` (the ledger's own verify function).
 */
export function netLedgerOf(
  ledger: Ledger,
  verifier?: Pick<Verifier, "verifyTxs"> & Partial<Pick<Verifier, "helpOne">>,
): NetLedger {
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
      const prepared = verifier
        ? ledger.prepareTxs(txs, verifier, { requested: opts.solicited })
        : null;
      prepared?.catch(() => {}); // handled when awaited below
      await opts.after.catch(() => {}); // the batch before reported its own failure
      // Orphans of a sync reply are bounded by the session that asked for them (at most
      // SYNC_MAX_UNCONNECTED, lib/net/sync.ts, or it abandons the peer), not by the pool's
      // per-source quota: a lost datagram legitimately strands the session's whole window
      // (640) behind it, and a quota of 125 evicted most of it, to be fetched again a second
      // later, over and over (a 10,000-transaction sync with 10% loss took 100 s).
      const sources = opts.solicited ? undefined : opts.sources;
      if (prepared) {
        const ready = await helpUntilReady(verifier, prepared);
        return collect(() => ledger.commitTxs(ready, sources));
      }
      return collect(() => ledger.addTxs(txs, sources));
    },
    storeConfirmations: (confs, source) => collect(() => ledger.addConfirmations(confs, source)),
    summary: () => ledger.summary(),
    inventory: (after, limit) => ledger.inventory(after, limit),
    getItem: (id) => ledger.getItem(id),
    hasTx: (id) => ledger.hasItem(id),
    workOf: (txid) => ledger.workOf(txid),
    expireOrphans: (now) => {
      ledger.orphans.expire(now);
      ledger.waitingConfs.expire(now);
    },
    announce: (txid, now) => ledger.orphans.announce(txid, now),
  };
}
