/**
 * Building a payment from the wallet's unspent outputs: confirmed coins first, larger first,
 * change back to the wallet (docs/PROTOCOL.md §8: unconfirmed outputs may be spent).
 * @module
 */
import { decodeAddress } from "../core/address.ts";
import { fromHex, hash160 } from "../core/hash.ts";
import { signTx } from "../core/sign.ts";
import { MAX_INPUTS, type Tx } from "../core/tx.ts";
import type { Ledger } from "../ledger/ledger.ts";
import type { Wallet } from "./wallet_file.ts";

/** A payment that cannot be made; the message is for the user. */
export class PaymentError extends Error {
  override name = "PaymentError";
}

/**
 * Builds and signs a payment of `amount` base units to the address `to`, spending the
 * wallet's coins confirmed first and larger first, with change back to the wallet; `now` is
 * the timestamp in ms since the epoch. Throws TypeError for a bad address (checksum),
 * RangeError for a bad amount, PaymentError for insufficient funds or too many coins.
 *
 * @example
 * ```ts
 * import { buildPayment } from "./payment.ts";
 * import { walletFromJson } from "./wallet_file.ts";
 * import { openLedger } from "../ledger/ledger.ts";
 * import { initSigning } from "../core/sign.ts";
 * initSigning();
 * // The demo wallet owns the built-in network's genesis coins.
 * const file = new URL("../../genesis/demo_wallet.json", import.meta.url);
 * const wallet = walletFromJson(await Deno.readTextFile(file), file.pathname);
 * const ledger = await openLedger(":memory:");
 * const tx = buildPayment(ledger, wallet, wallet.address, 5n, Date.now());
 * if (ledger.addTx(tx).kind !== "accepted" || !ledger.supply().ok) throw new Error("payment");
 * ledger.close();
 * ```
 */
export function buildPayment(
  ledger: Ledger,
  wallet: Wallet,
  to: string,
  amount: bigint,
  now: number,
): Tx {
  const dest = decodeAddress(to);
  if (amount < 1n) throw new RangeError(`Invalid amount ${amount}: must be at least 1`);
  const coins = ledger.unspent(wallet.address);
  const chosen = [];
  let total = 0n;
  for (const c of coins) {
    if (total >= amount) break;
    chosen.push(c);
    total += c.amount;
  }
  if (total < amount) {
    const b = ledger.balance(wallet.address);
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
  const outputs = [{ amount, address: dest }];
  if (total > amount) {
    outputs.push({ amount: total - amount, address: hash160(wallet.keys.publicKey) });
  }
  return signTx(
    chosen.map((c) => ({ txid: fromHex(c.txid), index: c.index, keys: wallet.keys })),
    outputs,
    now,
  );
}
