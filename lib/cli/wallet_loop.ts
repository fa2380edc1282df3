/**
 * The wallet's commands in the node's command loop: `r` (a fresh receive address) and
 * `sweep` (move an imported key's coins to the HD wallet), plus the wallet balance that `i`
 * shows. lib/cli/loop.ts calls these; they print through the loop's Output.
 * @module
 */
import { LedgerError } from "../ledger/errors.ts";
import { buildSweep, walletBalance } from "../wallet/payment.ts";
import type { Output } from "./output.ts";
import type { Node } from "./run_node.ts";

/** Help lines of the wallet's loop commands. */
export const WALLET_LOOP_HELP =
  `  r                    a fresh receive address (earlier ones keep working)
  sweep                move the coins of imported keys to a fresh address of the HD wallet`;

/** Confirmed and pending balance over every address the node's wallet owns. */
export function nodeBalance(node: Node): { confirmed: bigint; pending: bigint } {
  return walletBalance(node.ledger, node.wallet);
}

/** `r`: hands out and saves a fresh receive address, and prints it. */
export async function newAddressCommand(node: Node, out: Output): Promise<void> {
  const a = node.wallet.newReceiveAddress();
  await node.saveWallet();
  out.line(`Receive address: ${a}`);
}

/**
 * `sweep`: for each imported key with coins, one transaction paying all of them (up to the
 * input limit) to a fresh receive address of the HD wallet.
 */
export function sweepCommand(node: Node, out: Output): void {
  const w = node.wallet;
  if (!w.isHd) {
    out.line(
      "This wallet has no HD seed yet: run 'crackcoin wallet new' on its data directory " +
        "first (the imported key is kept), then 'sweep' here.",
    );
    return;
  }
  const imported = w.addresses().filter((a) => a.kind === "imported");
  let swept = 0;
  for (const a of imported) {
    if (node.ledger.unspent(a.address).length === 0) continue;
    const to = w.newReceiveAddress();
    const tx = buildSweep(node.ledger, w, a.address, to, Date.now());
    const r = node.ledger.addTx(tx);
    if (r.kind !== "accepted") throw new LedgerError(`The sweep was not stored: ${r.kind}`);
    node.net.announceTx(tx);
    node.miner.poke();
    const total = tx.outputs[0].amount;
    out.line(`Swept ${total} from ${a.address} to ${to}`);
    out.line(`txid ${r.txid} (pending; you will see when it is confirmed)`);
    const left = node.ledger.unspent(a.address).length;
    if (left > 0) out.line(`${left} more coins at ${a.address}: type sweep again to move them`);
    swept++;
  }
  void node.saveWallet();
  if (swept === 0) out.line("Nothing to sweep: no imported key holds coins.");
}
