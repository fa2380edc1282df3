/**
 * Where a wallet passphrase comes from: `--passphrase-file FILE`, the `CRACKCOIN_PASSPHRASE`
 * environment variable, or a prompt on a terminal that does not echo what is typed. Also the
 * no-echo line reader `wallet restore` uses for the words.
 * @module
 */
import { osReason, WalletError } from "../wallet/errors.ts";
import { openSecrets } from "../wallet/wallet.ts";
import type { WalletDoc, WalletSecrets } from "../wallet/wallet_file.ts";

/** The environment variable read for the wallet passphrase. */
export const PASSPHRASE_ENV = "CRACKCOIN_PASSPHRASE";
/** The environment variable read for the new passphrase of `wallet change-passphrase`. */
export const NEW_PASSPHRASE_ENV = "CRACKCOIN_NEW_PASSPHRASE";

/** Terminal and environment access, injected so commands are testable. */
export interface PassphraseIo {
  /** True when stdin and stderr are a terminal: prompts can be shown and typed at. */
  readonly terminal: boolean;
  readonly env: (name: string) => string | undefined;
  /** Shows `question` and reads one line without echo; null when cancelled (Ctrl-C/D). */
  readonly promptHidden: (question: string) => Promise<string | null>;
}

/** Reads a passphrase file: its first line, without the line end. */
export async function readPassphraseFile(path: string): Promise<string> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (e) {
    throw new WalletError("io", `Cannot read passphrase file ${path}: ${osReason(e)}`, {
      cause: e,
    });
  }
  const line = text.split(/\r?\n/)[0];
  if (line === "") throw new WalletError("passphrase", `Passphrase file ${path} is empty`);
  return line;
}

/**
 * The passphrase of an existing wallet, or null when none can be had (no file, no variable,
 * and no terminal to ask on).
 */
export async function currentPassphrase(
  io: PassphraseIo,
  file: string | null,
  question = "Wallet passphrase: ",
): Promise<string | null> {
  if (file !== null) return await readPassphraseFile(file);
  const env = io.env(PASSPHRASE_ENV);
  if (env !== undefined && env !== "") return env;
  if (!io.terminal) return null;
  const p = await io.promptHidden(question);
  if (p === null) throw new WalletError("passphrase", "Cancelled");
  return p;
}

/**
 * A new passphrase: from `file`, then `envName`, else asked twice on a terminal. Refuses an
 * empty one and, when asked, two that differ.
 */
export async function newPassphrase(
  io: PassphraseIo,
  file: string | null,
  envName: string,
): Promise<string> {
  let p: string | null = null;
  if (file !== null) p = await readPassphraseFile(file);
  else if (io.env(envName)) p = io.env(envName)!;
  else if (io.terminal) {
    p = await io.promptHidden("New wallet passphrase: ");
    if (p === null) throw new WalletError("passphrase", "Cancelled");
    const again = await io.promptHidden("Repeat the new passphrase: ");
    if (again !== p) {
      throw new WalletError("passphrase", "The two passphrases differ; nothing was changed");
    }
  } else {
    throw new WalletError(
      "passphrase",
      `No passphrase given: set ${envName}, pass --passphrase-file FILE, or run on a terminal`,
    );
  }
  if (p === "") throw new WalletError("passphrase", "The passphrase must not be empty");
  return p;
}

/**
 * Reads one line from a terminal stdin without echo (raw mode), for passphrases and words.
 * Backspace edits; Enter ends; Ctrl-C, or Ctrl-D on an empty line, cancels (null). The
 * prompt goes to stderr so stdout stays the command's result.
 */
export async function promptHiddenTerminal(question: string): Promise<string | null> {
  const enc = new TextEncoder();
  Deno.stderr.writeSync(enc.encode(question));
  const bytes: number[] = [];
  const buf = new Uint8Array(256);
  Deno.stdin.setRaw(true);
  try {
    for (;;) {
      const n = await Deno.stdin.read(buf);
      if (n === null) return bytes.length ? new TextDecoder().decode(new Uint8Array(bytes)) : null;
      for (const b of buf.subarray(0, n)) {
        if (b === 0x0d || b === 0x0a) return new TextDecoder().decode(new Uint8Array(bytes));
        if (b === 0x03) return null;
        if (b === 0x04 && bytes.length === 0) return null;
        if (b === 0x7f || b === 0x08) {
          // Drop one UTF-8 character: continuation bytes, then its lead byte.
          while (bytes.length && (bytes[bytes.length - 1] & 0xc0) === 0x80) bytes.pop();
          bytes.pop();
          continue;
        }
        if (b === 0x15) { // Ctrl-U
          bytes.length = 0;
          continue;
        }
        if (b < 0x20) continue;
        if (bytes.length < 4096) bytes.push(b);
      }
    }
  } finally {
    Deno.stdin.setRaw(false);
    Deno.stderr.writeSync(enc.encode("\n"));
  }
}

/** The real terminal and environment. */
export function realPassphraseIo(): PassphraseIo {
  return {
    terminal: Deno.stdin.isTerminal() && Deno.stderr.isTerminal(),
    env: (n) => Deno.env.get(n),
    promptHidden: promptHiddenTerminal,
  };
}

/**
 * The plaintext secrets of a wallet document, asking for the passphrase (file, environment,
 * prompt) when it is encrypted. Returns the passphrase used (null when not encrypted), so a
 * rewrite can seal under the same one. WalletError("passphrase") when none can be had or it
 * is wrong.
 */
export async function unlockSecrets(
  doc: WalletDoc,
  path: string,
  passphraseFile: string | null,
  io: PassphraseIo,
): Promise<{ secrets: WalletSecrets; passphrase: string | null }> {
  if (!doc.encrypted) return { secrets: openSecrets(doc, "", path), passphrase: null };
  const p = await currentPassphrase(io, passphraseFile);
  if (p === null) {
    throw new WalletError(
      "passphrase",
      `Wallet file ${path} is encrypted: set ${PASSPHRASE_ENV}, pass --passphrase-file FILE, ` +
        `or run on a terminal`,
    );
  }
  return { secrets: openSecrets(doc, p, path), passphrase: p };
}
