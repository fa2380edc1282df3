/**
 * The adapter between the running node and the HTTP API (lib/http/node_view.ts): the one
 * place that knows how ledger, wallet, network and miners answer the API's questions. When
 * protocol v2 (cumulative weight), the HD wallet or the event stream land, this file changes
 * and lib/http does not.
 * @module
 */
import { decodeAddress, encodeAddress } from "../core/address.ts";
import { parseAmount } from "../core/amount.ts";
import { hash160, toHex } from "../core/hash.ts";
import { CONFIRM_WEIGHT_BITS } from "../core/pow.ts";
import { isLive } from "../core/state.ts";
import type { Tx } from "../core/tx.ts";
import { LedgerError } from "../ledger/errors.ts";
import { openDagView } from "../ledger/dag_view.ts";
import type { TxRecord } from "../ledger/ledger.ts";
import { PaymentError } from "../wallet/payment.ts";
import { explainConflict, explainStatus } from "../http/explain.ts";
import {
  type ConflictJson,
  type GraphJson,
  type NodeEventJson,
  type NodeView,
  SendError,
  type SpenderJson,
  type TxDetailJson,
  type TxSummaryJson,
} from "../http/node_view.ts";
import { VERSION } from "./args.ts";
import type { Node } from "./run_node.ts";

/** Least time between two `ledger` events of the stream, ms. */
export const LEDGER_EVENT_MS = 1000;

/** Most answers kept between two changes of the ledger. */
export const MEMO_ENTRIES = 64;

/** Most txids remembered as "spends from this wallet" (for the change split of `balance`). */
export const OWN_SPEND_CACHE = 100_000;

// --- The conflict rule's terms (protocol v2, PROTOCOL.md §6 and §8).

/** The weight the rule compares: the cumulative weight (in hashes) of the transaction. */
function weightOf(r: { readonly weight: bigint }): bigint {
  return r.weight;
}

/**
 * The order of the spenders of one outpoint, winner first. The ledger's statuses already
 * apply the conflict rule (PROTOCOL.md §8), so a live spender is the winner and is not decided
 * a second time here; when none is live (the winner depends on a loser), the rule's order:
 * more weight, then the lower txid.
 */
function ruleOrder(a: TxRecord, b: TxRecord): number {
  const live = Number(isLive(b.status)) - Number(isLive(a.status));
  if (live !== 0) return live;
  const wa = weightOf(a), wb = weightOf(b);
  if (wa !== wb) return wa > wb ? -1 : 1;
  return a.txid < b.txid ? -1 : a.txid > b.txid ? 1 : 0;
}

/** How equal weight is decided, for the sentence of `explainConflict`. */
const TIE_BREAK =
  "equal weight goes to the smaller best confirmation hash, then the lower height, then the " +
  "lower txid (PROTOCOL.md §8)";
// ---

/** A NodeView and the function that releases what it holds. */
export interface NodeViewHandle {
  readonly view: NodeView;
  readonly close: () => void;
}

/**
 * Builds the API's view of `node`. Conflict partners and the transactions of an address are
 * read through lib/ledger/dag_view.ts (a read-only connection), because the Ledger has no
 * public query for them yet.
 */
export function makeNodeView(node: Node): NodeViewHandle {
  const ledger = node.ledger;

  // --- The wallet, as the API needs it (the HD wallet of lib/wallet/wallet.ts).
  /** Whether a HASH160 (an output's address, or an input's public key hashed) is ours. */
  const isOurs = (hash: Uint8Array): boolean => node.wallet.isMine(hash);
  /** Every address handed out or used, with its label; the current receive address first. */
  const walletAddresses = (): { address: string; label: string | null; receive: boolean }[] => {
    const current = node.wallet.address;
    const list = node.wallet.addresses().map((a) => ({
      address: a.address,
      label: a.label ?? null,
      receive: a.address === current,
    }));
    if (!list.some((a) => a.receive)) list.push({ address: current, label: null, receive: true });
    return list.sort((x, y) => Number(y.receive) - Number(x.receive));
  };
  /** The wallet's current receive address (what `info` shows). */
  const currentAddress = (): string => node.wallet.address;
  /**
   * A fresh address to give a payer (`/receive`), saved with the wallet's counters; a wallet
   * of one imported key has no fresh addresses and gives its own.
   */
  const freshAddress = (): string => {
    try {
      const a = node.wallet.newReceiveAddress();
      node.saveWallet();
      return a;
    } catch {
      return node.wallet.address;
    }
  };
  // ---
  const dag = openDagView(ledger.path, (txid) => ledger.seqOf(txid));
  const listeners = new Set<(e: NodeEventJson) => void>();
  const emit = (e: NodeEventJson) => {
    for (const fn of listeners) {
      try {
        fn(e);
      } catch { /* a closed stream: its own cleanup removes it */ }
    }
  };
  /** Answers kept until the ledger changes (see `memo`). */
  const cache = new Map<string, unknown>();

  // Ledger changes, throttled to one event per LEDGER_EVENT_MS, let pages refresh at once.
  let statusChanges = 0;
  let ledgerTimer: ReturnType<typeof setTimeout> | undefined;
  const unsubscribeLedger = ledger.subscribe((events) => {
    if (events.length > 0) cache.clear();
    let changed = false;
    for (const e of events) {
      if (e.kind === "status") statusChanges++;
      if (e.kind === "status" || e.kind === "stored") changed = true;
    }
    if (!changed || ledgerTimer !== undefined || listeners.size === 0) return;
    ledgerTimer = setTimeout(() => {
      ledgerTimer = undefined;
      emit({ kind: "ledger", count: ledger.count, statusChanges, time: Date.now() });
      statusChanges = 0;
    }, LEDGER_EVENT_MS);
  });

  // Only the kind and the txid are read from the event: the amount is the ledger's, so the
  // stream keeps one meaning whatever shape the loop's events take.
  node.onWalletEvent((e) => {
    const tx = ledger.getTx(e.txid)?.tx;
    const amount = tx ? walletAmount(tx) : null;
    emit({ kind: e.kind, txid: e.txid, amount: (amount ?? 0n).toString(), time: Date.now() });
  });

  function spendsOursTx(tx: Tx): boolean {
    return tx.inputs.some((i) => isOurs(hash160(i.publicKey)));
  }

  function walletAmount(tx: Tx): bigint | null {
    const spent = spendsOursTx(tx);
    let received = 0n;
    for (const o of tx.outputs) if (isOurs(o.address)) received += o.amount;
    if (!spent && received === 0n) return null;
    if (!spent) return received;
    return -(tx.outputs.reduce((s, o) => s + o.amount, 0n) - received);
  }

  function summary(r: TxRecord): TxSummaryJson {
    const amount = walletAmount(r.tx);
    return {
      txid: r.txid,
      status: r.status,
      work: r.work,
      weight: weightOf(r).toString(),
      timestamp: r.tx.timestamp,
      inputs: r.tx.inputs.map((i) => ({ txid: toHex(i.txid), index: i.index })),
      outputs: r.tx.outputs.map((o) => ({
        amount: o.amount.toString(),
        address: encodeAddress(o.address),
      })),
      walletAmount: amount === null ? null : amount.toString(),
    };
  }

  // Answers that depend only on the ledger's contents are kept until the next commit that
  // publishes events (every stored transaction, confirmation and status change does: see
  // docs/ARCHITECTURE.md "Events"). The ledger's balance query reads every output the address
  // ever had (about 0.2 s for a wallet with 100,000 of them), so a page polling it would
  // otherwise hold the node's only thread.
  function memo<T>(key: string, fn: () => T): T {
    if (cache.has(key)) return cache.get(key) as T;
    const v = fn();
    if (cache.size >= MEMO_ENTRIES) cache.clear();
    cache.set(key, v);
    return v;
  }

  /** Confirmed and pending balance over every wallet address. */
  function walletBalance(): { confirmed: bigint; pending: bigint } {
    let confirmed = 0n, pending = 0n;
    for (const { address } of walletAddresses()) {
      const b = memo(`balance:${address}`, () => ledger.balance(address));
      confirmed += b.confirmed;
      pending += b.pending;
    }
    return { confirmed, pending };
  }

  // Whether a transaction spends from this wallet never changes: remembered per txid.
  const ownSpend = new Map<string, boolean>();
  function spendsOurs(txid: string): boolean {
    let v = ownSpend.get(txid);
    if (v === undefined) {
      const tx = ledger.getTx(txid)?.tx;
      v = tx !== undefined && spendsOursTx(tx);
      if (ownSpend.size >= OWN_SPEND_CACHE) ownSpend.clear();
      ownSpend.set(txid, v);
    }
    return v;
  }

  /**
   * Most recent first, filtered by address when given: transactions with an output to the
   * address, or spending one (a valid spend of an output is signed by its owner, §7
   * wrong-owner), read through the outputs and spends indexes, never by a scan.
   */
  function recent(
    limit: number,
    offset: number,
    address?: string | readonly string[],
  ): TxRecord[] {
    if (address === undefined) return ledger.history(limit, offset);
    const hashes = (typeof address === "string" ? [address] : address).map((a) => decodeAddress(a));
    const rows = dag.touching(hashes, limit, offset);
    const out: TxRecord[] = [];
    for (const id of rows) {
      const rec = ledger.getTx(id);
      if (rec) out.push(rec);
    }
    return out;
  }

  /** Every stored spender of an outpoint, in the conflict rule's order (winner first). */
  function spenders(txid: string, index: number): SpenderJson[] {
    const list: TxRecord[] = [];
    for (const id of dag.spendersOf(txid, index)) {
      const rec = ledger.getTx(id);
      if (rec) list.push(rec);
    }
    return list.sort(ruleOrder).map((r, i) => ({
      txid: r.txid,
      status: r.status,
      work: r.work,
      weight: weightOf(r).toString(),
      timestamp: r.tx.timestamp,
      winner: i === 0,
    }));
  }

  function detail(txid: string): TxDetailJson | null {
    if (!/^[0-9a-f]{64}$/.test(txid)) {
      throw new TypeError(`Invalid txid "${txid}": expected 64 lowercase hex digits`);
    }
    const r = ledger.getTx(txid);
    if (!r) return null;
    const conflicts: ConflictJson[] = [];
    let lostTo: { txid: string; index: number; winner: string } | undefined;
    let deadParent: string | undefined, unconfirmedParent: string | undefined;
    const inputs = r.tx.inputs.map((i) => {
      const parentId = toHex(i.txid);
      const parent = ledger.getTx(parentId);
      const out = parent?.tx.outputs[i.index];
      if (parent && parent.status !== "pending" && parent.status !== "confirmed") {
        deadParent ??= parentId;
      }
      if (parent && parent.status !== "confirmed") unconfirmedParent ??= parentId;
      const sp = spenders(parentId, i.index);
      if (sp.length > 1) {
        conflicts.push({
          outpoint: { txid: parentId, index: i.index },
          spenders: sp,
          winner: sp[0].txid,
          reason: explainConflict(sp, TIE_BREAK),
        });
      }
      if (sp.length > 0 && sp[0].txid !== txid) {
        lostTo ??= { txid: parentId, index: i.index, winner: sp[0].txid };
      }
      return {
        txid: parentId,
        index: i.index,
        address: out ? encodeAddress(out.address) : null,
        amount: out ? out.amount.toString() : null,
      };
    });
    return {
      ...summary(r),
      inputs,
      conflicts,
      explanation: explainStatus({
        status: r.status,
        work: r.work,
        confirmWork: CONFIRM_WEIGHT_BITS,
        lostTo,
        deadParent,
        unconfirmedParent,
      }),
    };
  }

  function graph(limit: number, address?: string): GraphJson {
    const rows = recent(limit, 0, address);
    const ids = new Set(rows.map((r) => r.txid));
    const edges: { from: string; to: string; index: number }[] = [];
    const conflicts: { a: string; b: string }[] = [];
    const approvals: { from: string; to: string }[] = [];
    for (const r of rows) {
      for (const to of dag.approvedBy(r.txid)) {
        if (ids.has(to)) approvals.push({ from: r.txid, to });
      }
      for (const i of r.tx.inputs) {
        const p = toHex(i.txid);
        if (ids.has(p)) edges.push({ from: r.txid, to: p, index: i.index });
      }
      for (const other of dag.coSpendersOf(r.txid)) {
        if (ids.has(other) && r.txid < other) conflicts.push({ a: r.txid, b: other });
      }
    }
    return { nodes: rows.map(summary), edges, conflicts, approvals, total: ledger.count };
  }

  function send(to: string, amountText: string): { txid: string } {
    try {
      decodeAddress(to);
    } catch (e) {
      throw new SendError("bad-address", (e as Error).message);
    }
    let amount: bigint;
    try {
      amount = parseAmount(amountText);
    } catch (e) {
      throw new SendError("bad-amount", (e as Error).message);
    }
    try {
      const { txid } = node.send(to, amount);
      const tx = ledger.getTx(txid)?.tx;
      const net = tx ? walletAmount(tx) : null;
      emit({ kind: "sent", txid, amount: (net ?? -amount).toString(), time: Date.now() });
      return { txid };
    } catch (e) {
      if (e instanceof PaymentError) {
        const code = /^Insufficient funds/.test(e.message)
          ? "insufficient-funds"
          : "too-many-coins";
        throw new SendError(code, e.message);
      }
      if (e instanceof RangeError) throw new SendError("bad-amount", e.message);
      if (e instanceof TypeError) throw new SendError("bad-address", e.message);
      if (e instanceof LedgerError) {
        const code = /\(([a-z-]+)\)$/.exec(e.message)?.[1] ?? "not-stored";
        throw new SendError(code, e.message);
      }
      throw e;
    }
  }

  const view: NodeView = {
    version: VERSION,
    dataDir: node.paths.dir,
    info: () => {
      const b = walletBalance();
      const m = node.miner.stats();
      return {
        version: VERSION,
        network: toHex(ledger.network),
        address: currentAddress(),
        balance: { confirmed: b.confirmed.toString(), pending: b.pending.toString() },
        ledger: {
          count: ledger.count,
          statuses: ledger.statusCounts(),
          summary: toHex(ledger.summary().digest),
        },
        peers: node.net.peers().length,
        mining: { workers: m.workers, hashRate: m.totalHashRate, found: m.found },
      };
    },
    balance: () =>
      memo(`balance-split:${currentAddress()}`, () => {
        let confirmed = 0n, change = 0n, incoming = 0n;
        for (const { address } of walletAddresses()) {
          for (const c of ledger.unspent(address)) {
            if (c.status === "confirmed") confirmed += c.amount;
            else if (spendsOurs(c.txid)) change += c.amount;
            else incoming += c.amount;
          }
        }
        const pending = change + incoming;
        return {
          address: currentAddress(),
          confirmed: confirmed.toString(),
          pending: pending.toString(),
          spendable: (confirmed + pending).toString(),
          change: change.toString(),
          incoming: incoming.toString(),
        };
      }),
    addresses: () =>
      walletAddresses().map((a) => {
        const b = memo(`balance:${a.address}`, () => ledger.balance(a.address));
        return { ...a, confirmed: b.confirmed.toString(), pending: b.pending.toString() };
      }),
    receiveAddress: freshAddress,
    history: (limit, offset, address) =>
      memo(
        `history:${limit}:${offset}:${address ?? ""}`,
        () => recent(limit, offset, address).map(summary),
      ),
    walletHistory: (limit, offset) =>
      memo(
        `wallet-history:${limit}:${offset}`,
        () => recent(limit, offset, walletAddresses().map((a) => a.address)).map(summary),
      ),
    tx: (txid) => memo(`tx:${txid}`, () => detail(txid)),
    graph: (limit, address) => memo(`graph:${limit}:${address ?? ""}`, () => graph(limit, address)),
    send,
    mining: () => {
      const m = node.miner.stats();
      return {
        running: m.running,
        workers: m.workers,
        workerHashRates: m.workerHashRates,
        hashRate: m.totalHashRate,
        target: m.target,
        found: m.found,
        totalHashes: m.totalHashes,
        capBits: node.options.mineCap,
      };
    },
    peers: () => ({ peers: node.net.peers(), counters: { ...node.net.counters } }),
    sync: () => {
      const c = node.net.counters;
      const s = ledger.summary();
      return {
        session: node.net.syncStatus(),
        sessions: c.syncSessions,
        completed: c.syncCompleted,
        abandoned: c.syncAbandoned,
        requested: c.syncRequested,
        summary: { count: s.count, digest: toHex(s.digest) },
      };
    },
    syncNow: () => node.net.syncNow(),
    subscribe: (fn) => {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
  };
  return {
    view,
    close: () => {
      listeners.clear();
      unsubscribeLedger();
      clearTimeout(ledgerTimer);
      dag.close();
    },
  };
}
