/**
 * `deno task genesis`: creates a new crackcoin network in one command (docs/PROTOCOL.md §13).
 * It finds a vanity address on all cores, builds the input-less genesis transaction paying
 * the whole supply to it, mines the genesis confirmation, and writes DIR/genesis.json and
 * DIR/wallet.json (mode 0600). DIR then serves as the new network's first data directory.
 *
 * The logic lives in exported functions that return or throw; only the `import.meta.main`
 * block prints usage errors and exits.
 * @module
 */
import { parseArgs } from "node:util";
import { isAbsolute, join, resolve } from "node:path";
import { MAX_SUPPLY, parseAmount } from "../lib/core/amount.ts";
import { type Genesis, genesisToJson, makeGenesis } from "../lib/core/genesis.ts";
import { hash160, toHex } from "../lib/core/hash.ts";
import { CONFIRM_WORK_BITS } from "../lib/core/pow.ts";
import { type Tx, TX_VERSION, txid as txidOf } from "../lib/core/tx.ts";
import { atomicWriteFile } from "../lib/fs/atomic_write.ts";
import { loadGenesisFile } from "../lib/ledger/genesis_file.ts";
import { writeWallet } from "../lib/wallet/wallet_file.ts";
import { NETWORK_KEY_FILE, writeNewNetworkKey } from "../lib/wallet/network_key_file.ts";
import { MAX_PREFIX_LENGTH, planPrefix } from "./prefix.ts";
import {
  findVanityKey,
  MAX_WORK_BITS,
  mineNonce,
  type SearchProgress,
  type SearchStats,
} from "./search.ts";

/** Default output directory, resolved against the directory the user ran the task from. */
export const DEFAULT_OUT_DIR = "./genesis-out";
/** Default supply in base units (the default network's too). */
export const DEFAULT_SUPPLY = 1_000_000_000n;
/** Default genesis confirmation work in bits (the node confirms at 20). */
export const DEFAULT_WORK_BITS = 24;
/** Most workers accepted. */
export const MAX_WORKERS = 256;

/** Options of one genesis run. */
export interface GenesisOptions {
  readonly prefix: string;
  readonly workers: number;
  readonly supply: bigint;
  readonly work: number;
  readonly out: string;
  /** --private: also write DIR/network.key, the membership key (lib/cli/network_key.ts). */
  readonly private?: boolean;
}

/** A command-line mistake; the entry point prints it with the usage hint and exits 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** Usage text for --help. */
export const USAGE = `Usage: deno task genesis [--prefix STR] [--workers N] [--supply AMOUNT] \
[--work BITS] [--out DIR] [--private]

Creates a new crackcoin network: a vanity address, the genesis transaction paying the whole
supply to it, and its confirmation. Writes DIR/genesis.json and DIR/wallet.json (mode 0600).

  --prefix STR      address prefix after the leading "C" (Base58, at most ${MAX_PREFIX_LENGTH} \
characters; default none)
  --workers N       worker threads (default: all ${navigator.hardwareConcurrency} cores)
  --supply AMOUNT   total supply in base units (default ${DEFAULT_SUPPLY})
  --work BITS       leading zero bits of the genesis confirmation (default ${DEFAULT_WORK_BITS}, \
at most ${MAX_WORK_BITS})
  --out DIR         output directory, which must not hold a genesis.json or wallet.json yet
                    (default ${DEFAULT_OUT_DIR}, relative to where you run the task)
  --private         also write DIR/${NETWORK_KEY_FILE} (mode 0600), a 32-byte membership key: only
                    nodes holding it (in their data directory, or --network-key FILE) can
                    read or send on the new network
  --help            show this text
`;

function parseInteger(flag: string, text: string, min: number, max: number): number {
  if (!/^[0-9]{1,9}$/.test(text) || Number(text) < min || Number(text) > max) {
    throw new UsageError(`Invalid ${flag} "${text}": expected a whole number in ${min}..${max}`);
  }
  return Number(text);
}

/**
 * Parses the task's arguments (strict: unknown flags and stray words are errors). Returns
 * "help" for --help. The prefix is fully validated here, before any work starts.
 * Throws UsageError with a message fit for the user.
 *
 * @example
 * ```ts
 * import { parseGenesisArgs } from "./make.ts";
 * const o = parseGenesisArgs(["--prefix", "ab", "--workers", "2"]);
 * if (o === "help" || o.prefix !== "ab" || o.workers !== 2) throw new Error("parse");
 * ```
 */
export function parseGenesisArgs(args: string[]): GenesisOptions | "help" {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
        prefix: { type: "string" },
        workers: { type: "string" },
        supply: { type: "string" },
        work: { type: "string" },
        out: { type: "string" },
        private: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    }));
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (values.help) return "help";
  const prefix = values.prefix ?? "";
  try {
    planPrefix(prefix);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  let supply = DEFAULT_SUPPLY;
  if (values.supply !== undefined) {
    try {
      supply = parseAmount(values.supply);
    } catch (e) {
      throw new UsageError(`--supply: ${(e as Error).message}`);
    }
  }
  const out = values.out ?? DEFAULT_OUT_DIR;
  if (out.trim() === "") throw new UsageError(`Invalid --out "": expected a directory`);
  return {
    prefix,
    workers: values.workers === undefined
      ? Math.max(1, navigator.hardwareConcurrency)
      : parseInteger("--workers", values.workers, 1, MAX_WORKERS),
    supply,
    work: values.work === undefined
      ? DEFAULT_WORK_BITS
      : parseInteger("--work", values.work, 1, MAX_WORK_BITS),
    out,
    ...(values.private ? { private: true } : {}),
  };
}

/** What `makeNetwork` produced. */
export interface GenesisResult {
  readonly genesis: Genesis;
  readonly address: string;
  readonly dir: string;
  readonly genesisPath: string;
  readonly walletPath: string;
  /** DIR/network.key with --private. */
  readonly networkKeyPath?: string;
  /** The command that starts the first node of the new network. */
  readonly command: string;
  readonly vanity: SearchStats & { readonly expected: number };
  readonly pow: SearchStats;
}

/** Hooks for the caller: progress lines, the clock (ms since epoch) and cancellation. */
export interface GenesisHooks {
  readonly onProgress?: (p: SearchProgress) => void;
  /** Called with a sentence as each phase starts. */
  readonly onPhase?: (text: string) => void;
  readonly now?: () => number;
  readonly signal?: AbortSignal;
}

async function assertAbsent(path: string, what: string): Promise<void> {
  try {
    await Deno.lstat(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return;
    throw e;
  }
  throw new Error(
    `Refusing to overwrite the existing ${what} ${path}; choose another --out directory`,
  );
}

/** The OS reason of a Deno error, without the operation and path Deno appends. */
function osReason(e: unknown): string {
  const first = (e instanceof Error ? e.message : String(e)).split("\n")[0];
  return /^(.*\(os error \d+\))/.exec(first)?.[1] ?? first;
}

/**
 * Makes `dir` (mode 0700, as the node makes data directories) and writes and removes a small
 * file in it, so that a read-only or missing place fails before the search, not after it.
 */
async function assertWritable(dir: string): Promise<void> {
  try {
    await Deno.mkdir(dir, { recursive: true, mode: 0o700 });
    const probe = `${dir}/.write-test-${Deno.pid}`;
    await atomicWriteFile(probe, "ok\n", { mode: 0o600 });
    await Deno.remove(probe);
  } catch (e) {
    throw new Error(`Cannot write to the --out directory ${dir}: ${osReason(e)}`, { cause: e });
  }
}

function shellQuote(s: string): string {
  return /^[A-Za-z0-9_./:@%+=,-]+$/.test(s) ? s : `'${s.replaceAll("'", `'\\''`)}'`;
}

/**
 * Creates a network in `opts.out`: vanity key, genesis transaction (version 1, timestamp now,
 * no inputs, one output of the whole supply), confirmation of at least `opts.work` bits,
 * then DIR/wallet.json (0600, never overwritten) and DIR/genesis.json, re-read and validated.
 * Fails before any search when the prefix is invalid or either file exists.
 */
export async function makeNetwork(
  opts: GenesisOptions,
  hooks: GenesisHooks = {},
): Promise<GenesisResult> {
  const plan = planPrefix(opts.prefix);
  if (opts.supply < 1n || opts.supply > MAX_SUPPLY) {
    throw new RangeError(`"supply" expected 1..${MAX_SUPPLY}, got ${opts.supply}`);
  }
  const dir = resolve(opts.out);
  const genesisPath = join(dir, "genesis.json");
  const walletPath = join(dir, "wallet.json");
  await assertWritable(dir);
  await assertAbsent(genesisPath, "genesis file");
  await assertAbsent(walletPath, "wallet file");
  const networkKeyPath = opts.private ? join(dir, NETWORK_KEY_FILE) : undefined;
  if (networkKeyPath) await assertAbsent(networkKeyPath, "network key");
  const search = { workers: opts.workers, onProgress: hooks.onProgress, signal: hooks.signal };

  const workers = `${opts.workers} worker${opts.workers === 1 ? "" : "s"}`;
  hooks.onPhase?.(
    `Searching for an address starting with "${plan.lead}${plan.prefix}" on ${workers} ` +
      `(about ${Math.round(plan.expectedTries).toLocaleString("en-US")} keys expected)`,
  );
  const { keys, address, stats: vanity } = await findVanityKey(plan, search);
  const tx: Tx = {
    version: TX_VERSION,
    timestamp: (hooks.now ?? Date.now)(),
    inputs: [],
    outputs: [{ amount: opts.supply, address: hash160(keys.publicKey) }],
  };
  makeGenesis(tx, 0n); // validates the transaction before the long mining step
  hooks.onPhase?.(
    `Found ${address}; mining the genesis confirmation to ${opts.work} bits on ${workers}`,
  );
  const { nonce, stats: pow } = await mineNonce(txidOf(tx), opts.work, search);
  const genesis = makeGenesis(tx, nonce);

  const network = toHex(genesis.network);
  await writeWallet(
    walletPath,
    keys,
    `Owner of the genesis output of crackcoin network ${network}. This file holds the secret ` +
      `key: keep it private and back it up.`,
  );
  if (networkKeyPath) await writeNewNetworkKey(networkKeyPath);
  const text = JSON.stringify(genesisToJson(genesis, address), null, 2) + "\n";
  try {
    await atomicWriteFile(genesisPath, text, { mode: 0o644, createNew: true });
  } catch (e) {
    throw new Error(`Cannot write ${genesisPath}: ${osReason(e)}`, { cause: e });
  }
  const check = await loadGenesisFile(genesisPath);
  if (!check.txid.every((b, i) => b === genesis.txid[i])) {
    throw new Error(`${genesisPath} does not read back as the genesis just written`);
  }
  const command = `deno task start --data ${shellQuote(dir)} --genesis ${shellQuote(genesisPath)}`;
  return {
    genesis,
    address,
    dir,
    genesisPath,
    walletPath,
    ...(networkKeyPath ? { networkKeyPath } : {}),
    command,
    vanity: { ...vanity, expected: plan.expectedTries },
    pow,
  };
}

function group(n: number): string {
  return Math.round(n).toLocaleString("en-US");
}

function duration(ms: number): string {
  const s = ms / 1000;
  if (!Number.isFinite(s)) return "?";
  if (s < 60) return `${s.toFixed(1)} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
  if (s < 86400 * 2) return `${Math.floor(s / 3600)} h ${Math.round((s % 3600) / 60)} min`;
  return `${Math.round(s / 86400)} days`;
}

/**
 * One progress line: tries, rate, expected tries, elapsed and ETA. The ETA counts down to
 * the expected number of tries; past it, each try still has the same odds.
 */
export function formatProgress(p: SearchProgress): string {
  const unit = p.phase === "vanity" ? "keys" : "hashes";
  const rate = p.elapsedMs > 0 ? (p.tried * 1000) / p.elapsedMs : 0;
  const left = p.expected - p.tried;
  const eta = p.done
    ? "done"
    : rate === 0
    ? "ETA ?"
    : left > 0
    ? `ETA ${duration((left / rate) * 1000)}`
    : "ETA any moment (past the average)";
  const what = p.phase === "vanity" ? "vanity address" : "genesis confirmation";
  return `${what}: ${group(p.tried)} ${unit}, ${group(rate)} ${unit}/s, expected ` +
    `${group(p.expected)}, ${duration(p.elapsedMs)} elapsed, ${eta}`;
}

/** A progress printer for stderr: rewrites one line on a TTY, else one line every ~2 s. */
export function stderrProgress(isTty = Deno.stderr.isTerminal()): (p: SearchProgress) => void {
  const enc = new TextEncoder();
  let lastLine = 0;
  return (p) => {
    const line = formatProgress(p);
    if (isTty) {
      Deno.stderr.writeSync(enc.encode(`\r${line}\x1b[K${p.done ? "\n" : ""}`));
    } else if (p.done || performance.now() - lastLine >= 2000) {
      lastLine = performance.now();
      Deno.stderr.writeSync(enc.encode(line + "\n"));
    }
  };
}

/** Resolves --out against the directory the task was started from (deno task sets INIT_CWD). */
export function resolveOutDir(out: string, initCwd = Deno.env.get("INIT_CWD")): string {
  return isAbsolute(out) ? out : resolve(initCwd ?? Deno.cwd(), out);
}

if (import.meta.main) {
  let opts: GenesisOptions | "help";
  try {
    opts = parseGenesisArgs(Deno.args);
  } catch (e) {
    console.error(`genesis: ${(e as Error).message}\nRun "deno task genesis --help" for usage.`);
    Deno.exit(2);
  }
  if (opts === "help") {
    console.log(USAGE);
    Deno.exit(0);
  }
  opts = { ...opts, out: resolveOutDir(opts.out) };
  if (opts.work < CONFIRM_WORK_BITS) {
    console.error(
      `genesis: note: --work ${opts.work} is below the confirmation threshold of ` +
        `${CONFIRM_WORK_BITS} bits, so the genesis starts pending until miners harden it`,
    );
  }
  try {
    const r = await makeNetwork(opts, {
      onProgress: stderrProgress(),
      onPhase: (text) => console.error(`genesis: ${text}`),
    });
    console.log(`
Network id:  ${toHex(r.genesis.network)}
Address:     ${r.address}
Supply:      ${r.genesis.supply} base units
Work:        ${r.genesis.work} bits (nonce ${r.genesis.nonce})
Genesis:     ${r.genesisPath}
Wallet:      ${r.walletPath} (mode 0600: it holds the secret key of the whole supply)${
      r.networkKeyPath
        ? `\nNetwork key: ${r.networkKeyPath} (mode 0600: give it only to members; they start ` +
          `with --network-key FILE)`
        : ""
    }

Start the first node of the new network with:
  ${r.command}
Other nodes join with the same --genesis file and a data directory of their own.`);
  } catch (e) {
    console.error(`\ngenesis: ${(e as Error).message}`);
    Deno.exit(1);
  }
}
