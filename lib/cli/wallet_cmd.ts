/**
 * `crackcoin wallet …`: the one-shot wallet commands (README "Your wallet"). The node's and export's
 * hooks are in lib/cli/wallet_node.ts. Secrets are printed only by `wallet new` and
 * `wallet --show-mnemonic`, to stdout, and never reach an error or a log line.
 * @module
 */
import { parseArgs } from "node:util";
import { decodeAddress } from "../core/address.ts";
import { openLedger } from "../ledger/ledger.ts";
import { osReason, WalletError } from "../wallet/errors.ts";
import { checkMnemonic, GAP_LIMIT, newMnemonic } from "../wallet/hd.ts";
import { hdDoc, plainDoc, sealDoc, Wallet } from "../wallet/wallet.ts";
import {
  parseWalletDoc,
  readWalletFile,
  type WalletDoc,
  type WalletSecrets,
  writeWalletText,
} from "../wallet/wallet_file.ts";
import { writeWalletDoc } from "../wallet/wallet_store.ts";
import {
  currentPassphrase,
  NEW_PASSPHRASE_ENV,
  newPassphrase,
  PASSPHRASE_ENV,
  type PassphraseIo,
  unlockSecrets,
} from "./passphrase.ts";
import { dataPaths, resolveGenesis } from "./run_node.ts";

/** The usage text of `crackcoin wallet`. */
export const WALLET_USAGE = `Usage: crackcoin wallet [COMMAND] [--data DIR] [flags]

  crackcoin wallet                     print the current receive address (its last word)
  crackcoin wallet --import FILE       copy a wallet file (e.g. genesis/demo_wallet.json) into
                                       DIR, which must not have a wallet yet
  crackcoin wallet --show-mnemonic     print the recovery words (asks the passphrase)
  crackcoin wallet new [--words 24] [--bip39-passphrase]
                                       a new HD wallet; shows its words once. In a directory
                                       with a single-key wallet, adds an HD seed and keeps the
                                       key (then type 'sweep' in the node to move its coins)
  crackcoin wallet restore [--bip39-passphrase]
                                       rebuild a wallet from its words, read from stdin (no
                                       echo on a terminal; never from a flag)
  crackcoin wallet encrypt             encrypt the secrets with a passphrase
  crackcoin wallet change-passphrase   re-encrypt under a new passphrase
  crackcoin wallet decrypt             store the secrets unencrypted again
  crackcoin wallet label ADDRESS NAME  name an address (yours or a payee's)
  crackcoin wallet addresses           list your addresses with their labels

Flags:
  --data DIR                 data directory (default $CRACKCOIN_DATA, else ~/.crackcoin)
  --passphrase-file FILE     read the passphrase from the first line of FILE
  --new-passphrase-file FILE the new passphrase for change-passphrase
  --bip39-passphrase         new/restore: also ask for an optional BIP 39 passphrase (on a
                             pipe: the line after the words). It is part of the key: without
                             it the words restore a different, empty wallet.

The passphrase comes from --passphrase-file, else $${PASSPHRASE_ENV}, else a prompt that does
not echo; change-passphrase reads the new one from --new-passphrase-file, else
$${NEW_PASSPHRASE_ENV}, else a prompt. Exit codes: 0 done, 1 refused or failed, 2 usage.`;

/** Where a command writes, and how it reads stdin (injected for tests). */
export interface WalletCmdIo extends PassphraseIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /**
   * Lines of standard input (words and passphrases piped in), read until `enough` holds for
   * the lines so far or the input ends; nothing past them is waited for.
   */
  readonly readLines: (enough: (lines: readonly string[]) => boolean) => Promise<string[]>;
}

/** A bad `wallet` command line; exit code 2. */
export class WalletUsageError extends Error {
  override name = "WalletUsageError";
}

function defaultData(io: WalletCmdIo): string {
  const fromEnv = io.env("CRACKCOIN_DATA");
  if (fromEnv) return fromEnv;
  const home = io.env("HOME") ?? io.env("USERPROFILE");
  if (!home) throw new WalletUsageError("Cannot find a home directory: pass --data DIR");
  return `${home}/.crackcoin`;
}

/** Runs `crackcoin wallet ARGS`; returns the exit code. Errors are printed as one line. */
export async function walletMain(argv: readonly string[], io: WalletCmdIo): Promise<number> {
  try {
    await walletCommand(argv, io);
    return 0;
  } catch (e) {
    if (e instanceof WalletUsageError) {
      io.stderr(`crackcoin: ${e.message}\nRun 'crackcoin wallet --help' for the commands.\n`);
      return 2;
    }
    if (e instanceof WalletError || e instanceof TypeError || e instanceof RangeError) {
      io.stderr(`crackcoin: ${e.message}\n`);
      return 1;
    }
    if (e instanceof Error && e.name === "LedgerError") {
      io.stderr(`crackcoin: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}

type Flags = {
  data: string;
  import?: string;
  "show-mnemonic"?: boolean;
  "passphrase-file"?: string;
  "new-passphrase-file"?: string;
  "bip39-passphrase"?: boolean;
  words?: string;
  help?: boolean;
};

async function walletCommand(argv: readonly string[], io: WalletCmdIo): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: true,
      options: {
        data: { type: "string" },
        import: { type: "string" },
        "show-mnemonic": { type: "boolean" },
        "passphrase-file": { type: "string" },
        "new-passphrase-file": { type: "string" },
        "bip39-passphrase": { type: "boolean" },
        words: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (e) {
    throw new WalletUsageError((e as Error).message.replace(/\. To specify.*$/s, ""));
  }
  const v = parsed.values as Partial<Flags>;
  if (v.help) {
    io.stdout(WALLET_USAGE + "\n");
    return;
  }
  const flags: Flags = { ...v, data: v.data ?? defaultData(io) };
  const [sub, ...rest] = parsed.positionals;
  const only = (n: number) => {
    if (rest.length > n) throw new WalletUsageError(`Unexpected argument "${rest[n]}"`);
  };
  switch (sub) {
    case undefined:
      if (flags.import !== undefined) return await importWallet(flags, io);
      if (flags["show-mnemonic"]) return await showMnemonic(flags, io);
      return await printAddress(flags, io);
    case "new":
    case "restore":
      only(0);
      return await newOrRestore(sub, flags, io);
    case "encrypt":
    case "change-passphrase":
    case "decrypt":
      only(0);
      return await changeEncryption(sub, flags, io);
    case "label":
      if (rest.length < 2) throw new WalletUsageError("Usage: crackcoin wallet label ADDRESS NAME");
      return await label(flags, rest[0], rest.slice(1).join(" "), io);
    case "addresses":
      only(0);
      return await listAddresses(flags, io);
    default:
      throw new WalletUsageError(`Unknown wallet command "${sub}"`);
  }
}

async function load(flags: Flags): Promise<{ path: string; doc: WalletDoc; warnings: string[] }> {
  const path = dataPaths(flags.data).wallet;
  const r = await readWalletFile(path);
  if (r.kind === "missing") {
    throw new WalletError(
      "missing",
      `No wallet in ${flags.data}: start a node there, or run 'crackcoin wallet new'`,
    );
  }
  if (r.kind === "empty") {
    throw new WalletError(
      "missing",
      `Wallet file ${path} is empty (an interrupted write of an older version); ` +
        `'crackcoin wallet restore' or '--import' can replace it`,
    );
  }
  return { path, doc: r.doc, warnings: [...r.warnings] };
}

function warn(io: WalletCmdIo, warnings: readonly string[], doc?: WalletDoc): void {
  for (const w of warnings) io.stderr(`Warning: ${w}\n`);
  if (doc?.note) io.stderr(`Note: ${doc.note}\n`);
}

async function ensureDir(dir: string): Promise<void> {
  try {
    await Deno.mkdir(dir, { recursive: true, mode: 0o700 });
  } catch (e) {
    throw new WalletError("io", `Cannot create data directory ${dir}: ${osReason(e)}`, {
      cause: e,
    });
  }
}

async function printAddress(flags: Flags, io: WalletCmdIo): Promise<void> {
  const { doc, warnings } = await load(flags);
  warn(io, warnings, doc);
  io.stdout(new Wallet(doc).address + "\n");
}

async function importWallet(flags: Flags, io: WalletCmdIo): Promise<void> {
  const from = flags.import!;
  let text: string;
  try {
    text = await Deno.readTextFile(from);
  } catch (e) {
    throw new WalletError("io", `Cannot read wallet file ${from}: ${osReason(e)}`, { cause: e });
  }
  // The file is copied byte for byte once it parses, so its note and labels are kept.
  const doc = parseWalletDoc(text, from);
  const path = dataPaths(flags.data).wallet;
  const existing = await readWalletFile(path).catch(() => ({ kind: "unreadable" as const }));
  if (existing.kind === "ok" || existing.kind === "unreadable") {
    throw new WalletError("exists", `Refusing to overwrite the existing wallet file ${path}`);
  }
  await ensureDir(flags.data);
  await writeWalletText(path, text.endsWith("\n") ? text : text + "\n", {
    createNew: existing.kind === "missing",
  });
  warn(io, existing.kind === "empty" ? [`Replaced the empty wallet file ${path}`] : [], doc);
  io.stdout(new Wallet(doc).address + "\n");
}

async function showMnemonic(flags: Flags, io: WalletCmdIo): Promise<void> {
  const { path, doc, warnings } = await load(flags);
  warn(io, warnings);
  if (!doc.hd) {
    throw new WalletError(
      "usage",
      `Wallet ${path} holds one imported key and no recovery words; back up the file itself, ` +
        `or run 'crackcoin wallet new' to add an HD seed`,
    );
  }
  const { secrets } = await unlockSecrets(doc, path, flags["passphrase-file"] ?? null, io);
  io.stderr("Warning: anyone who sees these words can spend your coins.\n");
  io.stdout(formatWords(secrets.mnemonic!));
  if (secrets.bip39Passphrase) {
    io.stdout("This wallet also has a BIP 39 passphrase; restoring needs it too.\n");
  }
}

/** The words numbered one per line, as `wallet new` and `--show-mnemonic` print them. */
export function formatWords(mnemonic: string): string {
  return mnemonic.split(" ").map((w, i) => `${String(i + 1).padStart(4)} ${w}\n`).join("");
}

/**
 * The lines `wallet new`/`restore` take from a pipe: for restore, the words (the first line
 * that is not blank), then with --bip39-passphrase the next line; for new, the passphrase line.
 */
async function pipedLines(io: WalletCmdIo, restore: boolean, bip39: boolean): Promise<string[]> {
  const want = (restore ? 1 : 0) + (bip39 ? 1 : 0);
  const lines = await io.readLines((ls) => {
    const start = restore ? ls.findIndex((l) => l.trim() !== "") : 0;
    return start >= 0 && ls.length - start >= want;
  });
  const start = restore ? Math.max(0, lines.findIndex((l) => l.trim() !== "")) : 0;
  return lines.slice(start);
}

async function newOrRestore(sub: "new" | "restore", flags: Flags, io: WalletCmdIo): Promise<void> {
  const path = dataPaths(flags.data).wallet;
  const r = await readWalletFile(path);
  let base: { doc: WalletDoc; secrets: WalletSecrets } | undefined;
  let passphrase: string | null = null;
  if (r.kind === "ok") {
    if (r.doc.hd) {
      throw new WalletError(
        "exists",
        `Wallet ${path} already has recovery words; refusing to replace it ` +
          `(move it away first if you mean to)`,
      );
    }
    const s = await unlockSecrets(r.doc, path, flags["passphrase-file"] ?? null, io);
    base = { doc: r.doc, secrets: s.secrets };
    passphrase = s.passphrase;
  }
  // Standard input is read only when something is to come from it, so `wallet new` run by a
  // script with an open stdin does not wait for it.
  const needsStdin = sub === "restore" || flags["bip39-passphrase"] === true;
  const piped = io.terminal || !needsStdin
    ? []
    : await pipedLines(io, sub === "restore", flags["bip39-passphrase"] === true);
  let mnemonic: string;
  if (sub === "new") {
    const words = flags.words ?? "12";
    if (words !== "12" && words !== "24") {
      throw new WalletUsageError(`Invalid --words "${words}": expected 12 or 24`);
    }
    mnemonic = newMnemonic(words === "24" ? 24 : 12);
  } else {
    let typed: string | null;
    if (io.terminal) {
      typed = await io.promptHidden("Recovery words, separated by spaces (not echoed): ");
      if (typed === null) throw new WalletError("mnemonic", "Cancelled");
    } else {
      typed = piped.shift() ?? "";
    }
    mnemonic = checkMnemonic(typed);
  }
  let bip39 = "";
  if (flags["bip39-passphrase"]) {
    if (io.terminal) {
      bip39 = (await io.promptHidden("BIP 39 passphrase (optional, not echoed): ")) ?? "";
      if (sub === "new" && bip39 !== "") {
        const again = await io.promptHidden("Repeat the BIP 39 passphrase: ");
        if (again !== bip39) throw new WalletError("passphrase", "The two passphrases differ");
      }
    } else bip39 = piped.shift() ?? "";
  }
  const w = new Wallet(hdDoc(mnemonic, bip39, base));
  let found = 0;
  if (sub === "restore") found = await scanLocalLedger(flags.data, w);
  let doc = w.toDoc();
  // Encrypt at once when the old wallet was, or when a passphrase is given for scripts.
  if (passphrase === null) {
    const file = flags["passphrase-file"] ?? null;
    if (file !== null || io.env(PASSPHRASE_ENV)) passphrase = await currentPassphrase(io, file);
  }
  if (passphrase !== null) doc = sealDoc(doc, doc.secrets!, passphrase);
  await ensureDir(flags.data);
  await writeWalletDoc(path, doc, { createNew: r.kind === "missing" });
  const enc = passphrase !== null ? ", encrypted" : "";
  if (sub === "new") {
    io.stderr(
      "Warning: these words are the only backup of your wallet. Write them down in order and " +
        "keep them offline; anyone who sees them can spend your coins. They are not shown " +
        "again ('crackcoin wallet --show-mnemonic' prints them on request).\n",
    );
    io.stdout(`New HD wallet ${path}${enc}${base ? " (the imported key is kept)" : ""}\n`);
    io.stdout("Recovery words:\n" + formatWords(mnemonic));
  } else {
    io.stdout(
      `Restored wallet ${path}${enc}: ${found} used addresses found in the local ledger ` +
        `(gap limit ${GAP_LIMIT}); a node started here finds the rest while it syncs.\n`,
    );
  }
  if (passphrase === null) {
    io.stdout("The file is not encrypted: run 'crackcoin wallet encrypt' to add a passphrase.\n");
  }
  io.stdout(`Receive address: ${w.address}\n`);
}

/** Scans DIR's ledger (read-only) when there is one; returns how many owned outputs it saw. */
async function scanLocalLedger(dir: string, w: Wallet): Promise<number> {
  const paths = dataPaths(dir);
  try {
    await Deno.stat(paths.ledger);
  } catch {
    return 0;
  }
  const ledger = await openLedger(paths.ledger, {
    genesis: await resolveGenesis(null, paths),
    readOnly: true,
  });
  try {
    const used = new Set<string>();
    for (const r of ledger.all()) {
      w.noteTx(r.tx);
      for (const o of r.tx.outputs) if (w.isMine(o.address)) used.add(String(o.address));
    }
    return used.size;
  } finally {
    ledger.close();
  }
}

async function changeEncryption(
  sub: "encrypt" | "change-passphrase" | "decrypt",
  flags: Flags,
  io: WalletCmdIo,
): Promise<void> {
  const { path, doc, warnings } = await load(flags);
  warn(io, warnings);
  let next: WalletDoc;
  if (sub === "encrypt") {
    if (doc.encrypted) {
      throw new WalletError("usage", `Wallet ${path} is already encrypted; use change-passphrase`);
    }
    const p = await newPassphrase(io, flags["passphrase-file"] ?? null, PASSPHRASE_ENV);
    next = sealDoc(doc, doc.secrets!, p);
  } else {
    if (!doc.encrypted) throw new WalletError("usage", `Wallet ${path} is not encrypted`);
    const { secrets } = await unlockSecrets(doc, path, flags["passphrase-file"] ?? null, io);
    if (sub === "decrypt") next = plainDoc(doc, secrets);
    else {
      const p = await newPassphrase(io, flags["new-passphrase-file"] ?? null, NEW_PASSPHRASE_ENV);
      next = sealDoc(doc, secrets, p);
    }
  }
  await writeWalletDoc(path, next);
  if (sub === "decrypt") {
    io.stdout(`Decrypted wallet ${path}: its secrets are now stored unencrypted (mode 0600).\n`);
  } else {
    const k = next.encrypted!;
    io.stdout(
      `Encrypted wallet ${path} (XChaCha20-Poly1305, scrypt N=${k.n} r=${k.r} p=${k.p}).\n`,
    );
  }
}

async function label(flags: Flags, address: string, name: string, io: WalletCmdIo): Promise<void> {
  decodeAddress(address);
  const { path, doc, warnings } = await load(flags);
  warn(io, warnings);
  const w = new Wallet(doc);
  w.setLabel(address, name);
  await writeWalletDoc(path, { ...w.toDoc(), version: 2 });
  io.stdout(`${address} is now "${w.labelOf(address)}"${w.isMine(address) ? " (yours)" : ""}\n`);
}

async function listAddresses(flags: Flags, io: WalletCmdIo): Promise<void> {
  const { doc, warnings } = await load(flags);
  warn(io, warnings);
  for (const a of new Wallet(doc).addresses()) {
    io.stdout(
      `${a.kind.padEnd(8)} ${String(a.index).padStart(3)}  ${a.address}  ${a.label ?? ""}`
        .trimEnd() + "\n",
    );
  }
}
