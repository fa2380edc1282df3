/**
 * The ledger as the wallet's owner sees it: what a transaction did to you (direction,
 * counterparty, amount), the balance split into confirmed, own change and incoming, and the
 * spends a transaction conflicts with. "Yours" is one predicate, {@linkcode IsMine}, so that a
 * wallet with many addresses needs no other change here.
 *
 * Conflict partners are found by reading the ledger through its public API (`all()`), since
 * the ledger has no query for the spenders of an outpoint; it runs only for a command or a
 * reversal of one of your own transactions.
 * @module
 */
import { addressFromPublicKey, decodeAddress, encodeAddress } from "../core/address.ts";
import { toHex } from "../core/hash.ts";
import { isLive } from "../core/state.ts";
import type { Tx } from "../core/tx.ts";
import type { Ledger, TxRecord } from "../ledger/ledger.ts";

/** Tells whether an address belongs to the wallet. */
export type IsMine = (address: string) => boolean;

/**
 * The wallet's addresses and public keys, for the one test of "yours" ({@linkcode isMine})
 * and a byte-level pre-check ({@linkcode touches}) cheap enough for every transaction a sync
 * stores (encoding an address costs tens of microseconds; comparing bytes, almost nothing).
 */
export class Ownership {
  readonly #addresses: ReadonlySet<string>;
  readonly #hashes: ReadonlySet<string>;
  readonly #keys: ReadonlySet<string>;

  /** `publicKeys` are those of `addresses` (an input's owner is its public key's address). */
  constructor(addresses: readonly string[], publicKeys: readonly Uint8Array[]) {
    this.#addresses = new Set(addresses);
    this.#hashes = new Set(addresses.map((a) => toHex(decodeAddress(a))));
    this.#keys = new Set(publicKeys.map(toHex));
  }

  /** Whether `address` is the wallet's. */
  readonly isMine: IsMine = (address) => this.#addresses.has(address);

  /** Whether `tx` pays or spends from the wallet (what {@linkcode txEffect} would not call other). */
  touches(tx: Tx): boolean {
    return tx.outputs.some((o) => this.#hashes.has(toHex(o.address))) ||
      tx.inputs.some((i) => this.#keys.has(toHex(i.publicKey)));
  }
}

/** What a transaction did to the wallet. */
export interface TxEffect {
  /**
   * received: pays you and spends none of your coins; sent: spends your coins and pays
   * someone else; self: spends your coins and pays only you; other: does not touch you.
   */
  readonly direction: "received" | "sent" | "self" | "other";
  /**
   * Base units to you (received), from you to others (sent, change excluded), or moved to
   * yourself (self: the first output); 0 for other.
   */
  readonly amount: bigint;
  /**
   * The other side: the payer (received; "genesis" for the genesis), the first payee that is
   * not you (sent), your own address (self); for other, the first payee.
   */
  readonly counterparty: string;
  /** Number of payees that are not you (sent), for "and N more". */
  readonly payees: number;
}

/** The effect of `tx` on the wallet whose addresses `isMine` accepts. */
export function txEffect(tx: Tx, isMine: IsMine): TxEffect {
  const outs = tx.outputs.map((o) => ({ address: encodeAddress(o.address), amount: o.amount }));
  const spendsMine = tx.inputs.some((i) => isMine(addressFromPublicKey(i.publicKey)));
  const toMe = outs.filter((o) => isMine(o.address));
  const toOthers = outs.filter((o) => !isMine(o.address));
  if (spendsMine) {
    if (toOthers.length === 0) {
      return {
        direction: "self",
        amount: outs[0].amount,
        counterparty: outs[0].address,
        payees: 0,
      };
    }
    return {
      direction: "sent",
      amount: toOthers.reduce((s, o) => s + o.amount, 0n),
      counterparty: toOthers[0].address,
      payees: toOthers.length,
    };
  }
  if (toMe.length > 0) {
    return {
      direction: "received",
      amount: toMe.reduce((s, o) => s + o.amount, 0n),
      counterparty: tx.inputs.length === 0
        ? "genesis"
        : addressFromPublicKey(tx.inputs[0].publicKey),
      payees: 0,
    };
  }
  return { direction: "other", amount: 0n, counterparty: outs[0]?.address ?? "", payees: 0 };
}

/** The wallet's money, split so that paying never makes it look pending. */
export interface BalanceSplit {
  /** Unspent outputs of confirmed transactions. */
  readonly confirmed: bigint;
  /** Unspent change of your own payments that are not confirmed yet (spendable). */
  readonly ownChange: bigint;
  /** Unspent outputs of other people's payments to you that are not confirmed yet. */
  readonly incoming: bigint;
}

/** Splits the unspent outputs of `addresses` (the wallet's) by where they come from. */
export function splitBalance(
  ledger: Ledger,
  addresses: readonly string[],
  isMine: IsMine,
): BalanceSplit {
  let confirmed = 0n, ownChange = 0n, incoming = 0n;
  const ours = new Map<string, boolean>();
  for (const address of addresses) {
    for (const c of ledger.unspent(address)) {
      if (c.status === "confirmed") {
        confirmed += c.amount;
        continue;
      }
      let own = ours.get(c.txid);
      if (own === undefined) {
        const rec = ledger.getTx(c.txid);
        own = rec !== undefined &&
          rec.tx.inputs.some((i) => isMine(addressFromPublicKey(i.publicKey)));
        ours.set(c.txid, own);
      }
      if (own) ownChange += c.amount;
      else incoming += c.amount;
    }
  }
  return { confirmed, ownChange, incoming };
}

/**
 * The other stored spends of any coin that `rec` spends: live ones (the winners, by the
 * ledger's own statuses) first, then by work, most first.
 */
export function conflictPartners(ledger: Ledger, rec: TxRecord): TxRecord[] {
  const coins = new Set(rec.tx.inputs.map((i) => `${toHex(i.txid)}:${i.index}`));
  if (coins.size === 0) return [];
  const found: TxRecord[] = [];
  for (const r of ledger.all()) {
    if (r.txid === rec.txid) continue;
    if (r.tx.inputs.some((i) => coins.has(`${toHex(i.txid)}:${i.index}`))) found.push(r);
  }
  return found.sort((a, b) =>
    Number(isLive(b.status)) - Number(isLive(a.status)) || b.work - a.work ||
    (a.txid < b.txid ? -1 : 1)
  );
}

/** The first parent of `rec` that is conflicted (so `rec` lost through it), if any. */
export function lostParent(ledger: Ledger, rec: TxRecord): TxRecord | null {
  for (const i of rec.tx.inputs) {
    const p = ledger.getTx(i.txid);
    if (p !== undefined && p.status === "conflicted") return p;
  }
  return null;
}
