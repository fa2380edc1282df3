/**
 * The wallet's hooks into the node and `export`: {@linkcode openNodeWallet} at start (asks
 * for the passphrase once), {@linkcode walletView} (the export's `wallet` part, and each
 * transaction's direction and counterparty), {@linkcode walletOwnership} (the node's test of
 * "yours") and
 * {@linkcode addExportSecrets} (`export --secrets`).
 * @module
 */
import { hash160 } from "../core/hash.ts";
import type { Tx } from "../core/tx.ts";
import type { Ledger } from "../ledger/ledger.ts";
import { WalletError } from "../wallet/errors.ts";
import { walletBalance } from "../wallet/payment.ts";
import { Wallet } from "../wallet/wallet.ts";
import { readWalletFile } from "../wallet/wallet_file.ts";
import { loadOrCreateWalletAt } from "../wallet/wallet_store.ts";
import type { Logger } from "./log.ts";
import { txEffect } from "./wallet_view.ts";
import {
  currentPassphrase,
  PASSPHRASE_ENV,
  type PassphraseIo,
  unlockSecrets,
} from "./passphrase.ts";

/** `DIR/wallet.json` (the same as run_node.ts's dataPaths, without importing it). */
function walletPathOf(dir: string): string {
  return `${dir}/wallet.json`;
}

/** The wallet part of `crackcoin export` (`address` as before; the rest is added). */
export interface WalletExport {
  address: string | null;
  hd?: boolean;
  encrypted?: boolean;
  note?: string;
  balance?: { confirmed: string; pending: string };
  addresses?: { address: string; kind: string; index: number; label?: string }[];
  labels?: Record<string, string>;
  /** Only with `export --secrets` on a terminal. */
  secrets?: { mnemonic: string | null; bip39Passphrase: string; importedKeys: string[] };
}

/** The export's view of a wallet: its `wallet` part and each transaction's effect. */
export interface WalletView {
  readonly json: WalletExport;
  /** The `wallet` field added to a transaction of the export, or null when not ours. */
  readonly effect: (tx: Tx) => Record<string, string> | null;
}

/**
 * The wallet part of an export: the current receive address, every owned address with its
 * label, the labels, and the balance over every owned address; and for each transaction its
 * direction, amount and counterparty. No secret. `{ address: null }` when there is no wallet.
 */
export async function walletView(path: string, ledger: Ledger): Promise<WalletView> {
  const r = await readWalletFile(path);
  if (r.kind !== "ok") return { json: { address: null }, effect: () => null };
  const w = new Wallet(r.doc);
  w.scan(ledger.all());
  const b = walletBalance(ledger, w);
  const own = walletOwnership(w);
  return {
    json: {
      address: w.address,
      hd: w.isHd,
      encrypted: w.encrypted,
      ...(w.note ? { note: w.note } : {}),
      balance: { confirmed: b.confirmed.toString(), pending: b.pending.toString() },
      addresses: w.addresses(),
      labels: Object.fromEntries(w.labels()),
    },
    effect: (tx) => {
      // The same reading of a transaction as the `l` command's (lib/cli/wallet_view.ts),
      // after a byte-level check that skips the others cheaply.
      if (!own.touches(tx)) return null;
      const e = txEffect(tx, own.isMine);
      if (e.direction === "other") return null;
      const label = w.labelOf(e.counterparty);
      return {
        direction: e.direction,
        amount: e.amount.toString(),
        counterparty: e.counterparty,
        ...(label ? { label } : {}),
      };
    },
  };
}

/**
 * `export --secrets`: adds `wallet.secrets` (words, BIP 39 passphrase, imported keys) to an
 * export. Only when stdout is a terminal, so the secrets cannot slip into a file or a pipe
 * unnoticed; a warning goes to stderr first. Asks the passphrase of an encrypted wallet.
 */
export async function addExportSecrets(
  doc: { wallet: WalletExport },
  dir: string,
  io: PassphraseIo & { stderr: (text: string) => void; stdoutIsTerminal?: boolean },
): Promise<void> {
  if (!(io.stdoutIsTerminal ?? Deno.stdout.isTerminal())) {
    throw new WalletError(
      "usage",
      "export --secrets prints only to a terminal, never to a file or pipe; " +
        "use 'crackcoin wallet --show-mnemonic' to see the words",
    );
  }
  const path = walletPathOf(dir);
  const r = await readWalletFile(path);
  if (r.kind !== "ok") throw new WalletError("missing", `No wallet in ${dir}`);
  const { secrets } = await unlockSecrets(r.doc, path, null, io);
  io.stderr(
    "Warning: this export contains your wallet's secrets; anyone who sees them can spend " +
      "your coins.\n",
  );
  doc.wallet.secrets = {
    mnemonic: secrets.mnemonic,
    bip39Passphrase: secrets.bip39Passphrase,
    importedKeys: [...secrets.importedKeys],
  };
}

/**
 * Opens the node's wallet at start, creating an HD wallet on first run. An encrypted wallet
 * is unlocked once, with the passphrase from --passphrase-file, $CRACKCOIN_PASSPHRASE
 * (removed from the environment once read) or a no-echo prompt on a terminal; a wrong one
 * throws WalletError("passphrase"). With none to be had, the wallet stays locked: the node
 * syncs and mines, and sending says why it is off.
 */
export async function openNodeWallet(
  path: string,
  options: { passphraseFile: string | null; io: PassphraseIo; log: Logger },
): Promise<{ wallet: Wallet; created: boolean }> {
  const { wallet, created, warnings } = await loadOrCreateWalletAt(path);
  for (const w of warnings) options.log("warn", w);
  if (created) {
    options.log(
      "info",
      `New HD wallet ${path}: back up its recovery words with ` +
        `'crackcoin wallet --show-mnemonic --data ${dirOfWallet(path)}'`,
    );
  }
  if (wallet.note) options.log("warn", `Wallet note: ${wallet.note}`);
  if (wallet.encrypted) {
    const p = await currentPassphrase(options.io, options.passphraseFile);
    if (p === null) {
      wallet.lockedReason = "Sending is off: the wallet is encrypted and this node had no way " +
        `to ask for its passphrase (no terminal). Restart with ${PASSPHRASE_ENV} or ` +
        "--passphrase-file FILE to send.";
      options.log(
        "warn",
        `Wallet ${path} is encrypted and no passphrase was given: syncing and mining, ` +
          `but sending is off`,
      );
    } else wallet.unlock(p, path);
  }
  try {
    Deno.env.delete(PASSPHRASE_ENV);
  } catch { /* no env permission: nothing to clean */ }
  return { wallet, created };
}

/**
 * The node's test of "yours" (lib/cli/wallet_view.ts's Ownership shape) over every address the
 * wallet owns, the gap-limit lookahead and later change addresses included: `isMine` for an
 * address, `touches` for a transaction (bytes only: output hashes and HASH160 of input keys).
 */
export function walletOwnership(
  wallet: Wallet,
): {
  readonly isMine: (address: string) => boolean;
  touches(tx: Tx, spent?: readonly Uint8Array[]): boolean;
} {
  return {
    isMine: (address) => wallet.isMine(address),
    // `spent`: the spent outputs' address hashes, when the ledger's event gives them (the
    // ownership rule made them HASH160 of the inputs' keys), which saves a hash per input.
    touches: (tx, spent) =>
      tx.outputs.some((o) => wallet.isMine(o.address)) ||
      (spent !== undefined && spent.length === tx.inputs.length
        ? spent.some((h) => wallet.isMine(h))
        : tx.inputs.some((i) => wallet.isMine(hash160(i.publicKey)))),
  };
}

/** The data directory of a wallet file path (the folder that holds it). */
function dirOfWallet(path: string): string {
  const i = Math.max(path.lastIndexOf("/"), path.lastIndexOf("\\"));
  return i <= 0 ? "." : path.slice(0, i);
}
