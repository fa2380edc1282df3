/**
 * Loading, creating and saving the wallet of a data directory. Every write is atomic and
 * mode 0600 (wallet_file.ts). Saves by a running node merge with the file on disk, so a
 * `crackcoin wallet label` or `wallet encrypt` done meanwhile is kept: the node only ever
 * raises the address counters and adopts labels, and never writes secrets from memory.
 * @module
 */
import { WalletError } from "./errors.ts";
import { newMnemonic } from "./hd.ts";
import { hdDoc, Wallet } from "./wallet.ts";
import { readWalletFile, type WalletDoc, walletDocToJson, writeWalletText } from "./wallet_file.ts";

/** A loaded wallet and what the user should be told about it. */
export interface LoadedWallet {
  readonly wallet: Wallet;
  /** True when this call created the file. */
  readonly created: boolean;
  /** Warnings for the user (a file readable by others, a replaced empty file). */
  readonly warnings: readonly string[];
}

/** Loads the wallet at `path`; WalletError("missing") when there is none. */
export async function loadWalletAt(path: string): Promise<LoadedWallet> {
  const r = await readWalletFile(path);
  if (r.kind !== "ok") {
    throw new WalletError(
      "missing",
      r.kind === "empty"
        ? `Wallet file ${path} is empty (an interrupted write of an older version); ` +
          `remove it, or restore your wallet into it with 'crackcoin wallet restore'`
        : `No wallet file at ${path}`,
    );
  }
  return { wallet: new Wallet(r.doc), created: false, warnings: r.warnings };
}

/**
 * Loads the wallet at `path`, creating a new HD wallet (12 words, unencrypted) when there is
 * none. A 0-byte file, which only a crash of an earlier non-atomic version could leave, holds
 * no key and is replaced, with a warning.
 */
export async function loadOrCreateWalletAt(path: string): Promise<LoadedWallet> {
  const r = await readWalletFile(path);
  if (r.kind === "ok") return { wallet: new Wallet(r.doc), created: false, warnings: r.warnings };
  const doc = hdDoc(newMnemonic(12), "");
  const w = new Wallet(doc);
  await writeWalletText(path, walletDocToJson(doc, w.address), {
    createNew: r.kind === "missing",
  });
  const warnings = r.kind === "empty" ? [`Replaced the empty wallet file ${path}`] : [];
  return { wallet: w, created: true, warnings };
}

/** Writes a whole document (one-shot commands: new, restore, encrypt, decrypt, label). */
export async function writeWalletDoc(
  path: string,
  doc: WalletDoc,
  options: { createNew?: boolean } = {},
): Promise<void> {
  await writeWalletText(path, walletDocToJson(doc, new Wallet(doc).address), options);
}

/**
 * Saves a running node's counters and labels: re-reads the file, raises its counters to the
 * wallet's, adopts labels added on disk, keeps the file's secrets and encryption as they
 * are, and writes atomically. No-op when nothing changed.
 */
export async function saveWalletState(path: string, wallet: Wallet): Promise<void> {
  if (!wallet.dirty) return;
  const r = await readWalletFile(path);
  const mem = wallet.toDoc();
  let doc: WalletDoc = mem;
  if (r.kind === "ok") {
    const disk = r.doc;
    for (const [a, n] of Object.entries(disk.labels)) {
      if (wallet.labelOf(a) === undefined) wallet.setLabel(a, n);
    }
    const labels = wallet.toDoc().labels;
    doc = disk.hd && mem.hd && disk.hd.xpub === mem.hd.xpub
      ? {
        ...disk,
        hd: {
          ...disk.hd,
          receiveNext: Math.max(disk.hd.receiveNext, mem.hd.receiveNext),
          changeNext: Math.max(disk.hd.changeNext, mem.hd.changeNext),
        },
        labels,
      }
      : { ...disk, labels };
    if (doc.version === 1 && Object.keys(labels).length > 0) doc = { ...doc, version: 2 };
  }
  await writeWalletText(path, walletDocToJson(doc, wallet.address));
  wallet.markSaved();
}
