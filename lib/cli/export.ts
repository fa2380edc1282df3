/**
 * `crackcoin export`: a one-shot command that reads a data directory, even while a node runs
 * on it (the ledger is opened read-only; WAL lets readers in).
 * @module
 */
import { type WeightJson, weightJson } from "../core/weight.ts";
import { encodeAddress } from "../core/address.ts";
import { toHex } from "../core/hash.ts";
import { LedgerError } from "../ledger/errors.ts";
import { openLedger } from "../ledger/ledger.ts";
import { dataPaths, resolveGenesis } from "./run_node.ts";
import { type WalletExport, walletView } from "./wallet_node.ts";

/** The export document (docs/ARCHITECTURE.md "Command line"). */
export interface ExportJson {
  network: string;
  wallet: WalletExport;
  transactions: {
    txid: string;
    status: string;
    work: number;
    timestamp: number;
    inputs: { txid: string; index: number }[];
    outputs: { amount: string; address: string; label?: string }[];
    /** How it touches the wallet: direction, amount, counterparty (lib/cli/wallet_node.ts). */
    wallet?: Record<string, string>;
    /**
     * The canonical encoding (PROTOCOL.md §4) as lowercase hex: public keys and signatures
     * included, so a third party can check every txid and signature from the export alone.
     */
    raw: string;
    /** Cumulative weight (protocol v2): log2 of hashes, exact hashes, and whether exact. */
    weight: WeightJson;
  }[];
  /**
   * Every stored confirmation (protocol v2, PROTOCOL.md §6): its id (the pow hash), the txid it
   * hardens, the claimed bits, its refs and its nonce, so a third party can recheck every proof
   * of work and recompute every cumulative weight from the export alone.
   */
  confirmations: { id: string; txid: string; bits: number; refs: string[]; nonce: string }[];
  balances: Record<string, string>;
  supply: { genesis: string; unspent: string; ok: boolean };
}

/** Builds the export of a data directory. */
export async function exportLedger(dir: string, genesisFlag: string | null): Promise<ExportJson> {
  const paths = dataPaths(dir);
  try {
    await Deno.stat(paths.ledger);
  } catch {
    throw new LedgerError(`No ledger in ${dir} (expected ${paths.ledger}); run a node there first`);
  }
  const genesis = await resolveGenesis(genesisFlag, paths);
  const ledger = await openLedger(paths.ledger, { genesis, readOnly: true });
  try {
    const view = await walletView(paths.wallet, ledger);
    const wallet = view.json;
    const transactions = [];
    for (const r of ledger.all()) {
      const mine = view.effect(r.tx);
      transactions.push({
        txid: r.txid,
        status: r.status,
        work: r.work,
        weight: weightJson(r.weight, r.weightExact),
        timestamp: r.tx.timestamp,
        inputs: r.tx.inputs.map((i) => ({ txid: toHex(i.txid), index: i.index })),
        outputs: r.tx.outputs.map((o) => {
          const address = encodeAddress(o.address);
          const label = wallet.labels?.[address];
          return { amount: o.amount.toString(), address, ...(label ? { label } : {}) };
        }),
        ...(mine ? { wallet: mine } : {}),
        raw: toHex(r.raw),
      });
    }
    const confirmations = [];
    for (const { id, conf } of ledger.confirmations()) {
      confirmations.push({
        id: toHex(id),
        txid: toHex(conf.txid),
        bits: conf.bits,
        refs: conf.refs.map(toHex),
        nonce: conf.nonce.toString(),
      });
    }
    const balances: Record<string, string> = {};
    for (const [a, v] of ledger.balances()) balances[a] = v.toString();
    const s = ledger.supply();
    return {
      network: toHex(ledger.network),
      wallet,
      transactions,
      confirmations,
      balances,
      supply: { genesis: s.genesis.toString(), unspent: s.unspent.toString(), ok: s.ok },
    };
  } finally {
    ledger.close();
  }
}
