/**
 * Building a payment from the wallet's unspent outputs across every address it owns:
 * confirmed coins first, larger first, ties by outpoint (docs/PROTOCOL.md §8: unconfirmed
 * outputs may be spent), with the change to a fresh change address (chain 1) on an HD
 * wallet.
 * @module
 */
import { decodeAddress } from "../core/address.ts";
import { fromHex } from "../core/hash.ts";
import type { KeyPair } from "../core/keys.ts";
import { signTx } from "../core/sign.ts";
import { MAX_INPUTS, type Tx } from "../core/tx.ts";
import type { Coin, Ledger } from "../ledger/ledger.ts";

/** A payment that cannot be made; the message is for the user. */
export class PaymentError extends Error {
  override name = "PaymentError";
}

/** What a payment needs from a wallet (lib/wallet/wallet.ts's Wallet has it all). */
export interface PaymentWallet {
  /** Addresses whose coins may be spent. */
  watchedAddresses(): string[];
  /** The key that spends coins at an address; throws when locked. */
  keyFor(address: string): KeyPair;
  /** A fresh address for this payment's change. */
  takeChangeAddress(): string;
  /** Throws (the wallet's WalletError "locked") when the wallet cannot sign at all. */
  assertCanSign?(): void;
}

/** A single-key wallet `{ keys, address }`, as older callers and tests pass. */
export interface SingleKey {
  readonly keys: KeyPair;
  readonly address: string;
}

function asPaymentWallet(w: PaymentWallet | SingleKey): PaymentWallet {
  if ("watchedAddresses" in w) return w;
  return {
    watchedAddresses: () => [w.address],
    keyFor: () => w.keys,
    takeChangeAddress: () => w.address,
  };
}

/** Unspent coins of `addresses`, confirmed first, larger first, then by outpoint. */
export function walletCoins(ledger: Ledger, addresses: readonly string[]): Coin[] {
  const coins = addresses.flatMap((a) => ledger.unspent(a));
  return coins.sort((x, y) =>
    (x.status === "confirmed" ? 0 : 1) - (y.status === "confirmed" ? 0 : 1) ||
    (x.amount > y.amount ? -1 : x.amount < y.amount ? 1 : 0) ||
    (x.txid < y.txid ? -1 : x.txid > y.txid ? 1 : 0) || x.index - y.index
  );
}

/** Confirmed and pending balance over every address of `wallet` (lookahead included). */
export function walletBalance(
  ledger: Ledger,
  wallet: Pick<PaymentWallet, "watchedAddresses">,
): { confirmed: bigint; pending: bigint } {
  let confirmed = 0n, pending = 0n;
  for (const a of wallet.watchedAddresses()) {
    const b = ledger.balance(a);
    confirmed += b.confirmed;
    pending += b.pending;
  }
  return { confirmed, pending };
}

/**
 * Builds and signs a payment of `amount` base units to the address `to`, spending the
 * wallet's coins (every address it owns) confirmed first and larger first, with change to a
 * fresh change address of an HD wallet (the key's own address for a single key); `now` is the
 * timestamp in ms since the epoch. Throws TypeError for a bad address (checksum), RangeError
 * for a bad amount, PaymentError for insufficient funds or too many coins, and the wallet's
 * WalletError("locked") when it cannot sign. A change address is taken only once the coins
 * are known to suffice.
 *
 * @example
 * ```ts
 * import { buildPayment } from "./payment.ts";
 * import { walletFromJson } from "./wallet_file.ts";
 * import { openLedger } from "../ledger/ledger.ts";
 * import { DEFAULT_GENESIS_URL } from "../ledger/genesis_file.ts";
 * import { initSigning } from "../core/sign.ts";
 * initSigning();
 * // The demo wallet, beside the built-in genesis, owns the genesis coins.
 * const file = new URL("demo_wallet.json", DEFAULT_GENESIS_URL);
 * const wallet = walletFromJson(await Deno.readTextFile(file), file.pathname);
 * const ledger = await openLedger(":memory:");
 * const tx = buildPayment(ledger, wallet, wallet.address, 5n, Date.now());
 * if (ledger.addTx(tx).kind !== "accepted" || !ledger.supply().ok) throw new Error("payment");
 * ledger.close();
 * ```
 */
export function buildPayment(
  ledger: Ledger,
  wallet: PaymentWallet | SingleKey,
  to: string,
  amount: bigint,
  now: number,
): Tx {
  const w = asPaymentWallet(wallet);
  const dest = decodeAddress(to);
  if (amount < 1n) throw new RangeError(`Invalid amount ${amount}: must be at least 1`);
  w.assertCanSign?.();
  const coins = walletCoins(ledger, w.watchedAddresses());
  const chosen: Coin[] = [];
  let total = 0n;
  for (const c of coins) {
    if (total >= amount) break;
    chosen.push(c);
    total += c.amount;
  }
  if (total < amount) {
    const b = walletBalance(ledger, w);
    throw new PaymentError(
      `Insufficient funds: need ${amount}, have ${b.confirmed + b.pending} ` +
        `(${b.confirmed} confirmed, ${b.pending} pending)`,
    );
  }
  if (chosen.length > MAX_INPUTS) {
    throw new PaymentError(
      `This payment needs ${chosen.length} coins, more than the ${MAX_INPUTS} one transaction ` +
        `can spend; send a smaller amount first to merge coins`,
    );
  }
  const inputs = chosen.map((c) => ({
    txid: fromHex(c.txid),
    index: c.index,
    keys: w.keyFor(c.address),
  }));
  const outputs = [{ amount, address: dest }];
  if (total > amount) {
    outputs.push({ amount: total - amount, address: decodeAddress(w.takeChangeAddress()) });
  }
  return signTx(inputs, outputs, now);
}

/**
 * Builds a sweep: every coin of `from` (e.g. an imported key's address) to `to`, in one
 * transaction of at most MAX_INPUTS coins (the largest first). PaymentError when empty.
 */
export function buildSweep(
  ledger: Ledger,
  wallet: Pick<PaymentWallet, "keyFor">,
  from: string,
  to: string,
  now: number,
): Tx {
  const coins = walletCoins(ledger, [from]).slice(0, MAX_INPUTS);
  if (coins.length === 0) throw new PaymentError(`Nothing to sweep: ${from} has no coins`);
  const total = coins.reduce((s, c) => s + c.amount, 0n);
  return signTx(
    coins.map((c) => ({ txid: fromHex(c.txid), index: c.index, keys: wallet.keyFor(c.address) })),
    [{ amount: total, address: decodeAddress(to) }],
    now,
  );
}
