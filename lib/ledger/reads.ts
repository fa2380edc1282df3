/**
 * The ledger's read-only queries: records, balances, coins, stored confirmations and sync
 * inventory pages (docs/PROTOCOL.md §10, §11). They read SQLite through the prepared
 * statements and the weight index, and never write.
 * @module
 */
import { decodeAddress, encodeAddress } from "../core/address.ts";
import type { Confirmation } from "../core/confirmation.ts";
import { toHex } from "../core/hash.ts";
import type { TxStatus } from "../core/state.ts";
import { decodeTx } from "../core/tx.ts";
import { weightBits } from "../core/weight.ts";
import { ITEM_CONF, ITEM_TX } from "./item_digest.ts";
import type { Statements } from "./statements.ts";
import type { Coin, TxRecord } from "./types.ts";
import type { WeightIndex } from "./weights.ts";

type Row = Record<string, unknown>;

/** A row of `txs` as a record; the weight is exact when the transaction is watched. */
export function txRecord(r: Row, weights: WeightIndex): TxRecord {
  const raw = r.raw as Uint8Array;
  const seq = Number(r.seq);
  const w = weights.watched.get(seq);
  const weight = w?.weight ?? BigInt(r.weight as string);
  return {
    txid: toHex(r.txid as Uint8Array),
    tx: decodeTx(raw),
    raw,
    weight,
    weightExact: w !== undefined,
    work: weightBits(weight),
    status: r.status as TxStatus,
    seq,
  };
}

/** A stored confirmation by id, or undefined. */
export function readConfirmationRow(s: Statements, id: Uint8Array): Confirmation | undefined {
  const r = s.getConf.get(id) as Row | undefined;
  return r === undefined ? undefined : confirmationOfRow(r);
}

/** Every stored confirmation with its id (the pow hash), in storage order. */
export function* readAllConfirmations(
  s: Statements,
): Generator<{ id: Uint8Array; conf: Confirmation }> {
  for (const r of s.allConfs.iterate() as Iterable<Row>) {
    yield { id: r.id as Uint8Array, conf: confirmationOfRow(r) };
  }
}

/** A `confs` row joined with its txid, as a Confirmation. */
function confirmationOfRow(r: Row): Confirmation {
  const refBytes = r.refs as Uint8Array;
  const refs: Uint8Array[] = [];
  for (let i = 0; i < refBytes.length; i += 32) refs.push(refBytes.slice(i, i + 32));
  const nb = r.nonce as Uint8Array;
  return {
    txid: r.txid as Uint8Array,
    bits: Number(r.bits),
    refs,
    nonce: new DataView(nb.buffer, nb.byteOffset, 8).getBigUint64(0),
  };
}

/** Confirmed and pending balance of an address. Throws TypeError for an invalid address. */
export function balanceOf(s: Statements, address: string): { confirmed: bigint; pending: bigint } {
  let confirmed = 0n, pending = 0n;
  for (const r of s.balance.all(decodeAddress(address)) as Row[]) {
    if (r.status === "confirmed") confirmed = BigInt(r.total as number);
    else pending = BigInt(r.total as number);
  }
  return { confirmed, pending };
}

/** Unspent outputs of an address, confirmed first, larger first, then by outpoint. */
export function unspentOf(s: Statements, address: string): Coin[] {
  return (s.unspent.all(decodeAddress(address)) as Row[]).map((r) => ({
    txid: toHex(r.txid as Uint8Array),
    index: Number(r.idx),
    amount: BigInt(r.amount as number),
    address,
    status: r.status as TxStatus,
  }));
}

/** Balances of every address with live unspent outputs. */
export function allBalances(s: Statements): Map<string, bigint> {
  const m = new Map<string, bigint>();
  for (const r of s.allUnspent.all() as Row[]) {
    m.set(encodeAddress(r.hash as Uint8Array), BigInt(r.total as number));
  }
  return m;
}

/**
 * Up to `limit` stored items after the item `after` (all zeros: from the start), in storage
 * order, which is topological for transactions and confirmations alike; `work` carries the
 * kind (0 transaction, 1 confirmation). Two indexed range scans, merged. `txSeqOf` gives a
 * stored transaction's seq (the Ledger's txid index); a confirmation's is read by its id.
 */
export function inventoryPage(
  s: Statements,
  after: Uint8Array,
  limit: number,
  txSeqOf: (txid: Uint8Array) => number | undefined,
): { txid: Uint8Array; work: number }[] {
  const c = txSeqOf(after) ?? (s.confSeq.get(after) as Row | undefined)?.seq;
  const from = c === undefined ? 0 : Number(c);
  const txs = (s.invTxs.all(from, limit) as Row[]).map((r) => ({
    seq: Number(r.seq),
    txid: r.id as Uint8Array,
    work: ITEM_TX,
  }));
  const confs = (s.invConfs.all(from, limit) as Row[]).map((r) => ({
    seq: Number(r.seq),
    txid: r.id as Uint8Array,
    work: ITEM_CONF,
  }));
  return [...txs, ...confs].sort((a, b) => a.seq - b.seq).slice(0, limit).map((e) => ({
    txid: e.txid,
    work: e.work,
  }));
}
