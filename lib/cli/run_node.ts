/**
 * A running node: data directory, wallet, ledger, network and miners wired together, plus
 * the wallet events the command loop prints. main.ts starts it and handles signals.
 * @module
 */
import type { Genesis } from "../core/genesis.ts";
import { bytesEqual, toHex } from "../core/hash.ts";
import { encodedTxFromTx, type Tx } from "../core/tx.ts";
import { atomicWriteFile } from "../fs/atomic_write.ts";
import { leaveWalMode, MIGRATIONS } from "../ledger/db.ts";
import { LedgerError } from "../ledger/errors.ts";
import { loadDefaultGenesis, loadGenesisFile } from "../ledger/genesis_file.ts";
import type { LedgerEvent } from "../ledger/events.ts";
import { type Ledger, openLedger, type TxRecord } from "../ledger/ledger.ts";
import { buildPayment } from "../wallet/payment.ts";
import type { Wallet } from "../wallet/wallet.ts";
import { saveWalletState } from "../wallet/wallet_store.ts";
import type { Membership } from "../net/membership.ts";
import { openNodeWallet, walletOwnership } from "./wallet_node.ts";
import { realPassphraseIo } from "./passphrase.ts";
import { loadNetworkKey, membershipOf } from "./network_key.ts";
import { openVerifier, type Verifier } from "../ledger/verifier.ts";
import { MinerPool } from "../mining/pool.ts";
import { NetNode } from "../net/node.ts";
import type { NodeOptions } from "./args.ts";
import { type DataLock, lockDataDir } from "./data_lock.ts";
import { bindError, fileError } from "./local_error.ts";
import { netLedgerOf } from "./net_ledger.ts";
import type { Logger } from "./log.ts";
import { checkSockets } from "./socket_check.ts";
import { EventFilter, type WalletEvent } from "./wallet_events.ts";
import { conflictPartners, type IsMine, lostParent, txEffect } from "./wallet_view.ts";
import { tieBreakOf } from "./output.ts";
import { compareOrder, isLive } from "../core/state.ts";

export type { WalletEvent } from "./wallet_events.ts";

/** Paths inside a data directory. */
export interface DataPaths {
  readonly dir: string;
  readonly wallet: string;
  readonly ledger: string;
  readonly genesis: string;
}

/** The files of a data directory. */
export function dataPaths(dir: string): DataPaths {
  return {
    dir,
    wallet: `${dir}/wallet.json`,
    ledger: `${dir}/ledger.db`,
    genesis: `${dir}/genesis.json`,
  };
}

/**
 * The genesis to use: --genesis FILE, else DIR/genesis.json when present (written by
 * `deno task genesis`, or remembered from the first start with --genesis), else the built-in
 * network's. A --genesis of another network than DIR/genesis.json is refused.
 */
export async function resolveGenesis(flag: string | null, paths: DataPaths): Promise<Genesis> {
  const fromFlag = flag ? await loadGenesisFile(flag) : null;
  let remembered: Genesis | null = null;
  try {
    await Deno.stat(paths.genesis);
    remembered = await loadGenesisFile(paths.genesis);
  } catch (e) {
    if (e instanceof LedgerError) throw e;
    if (!(e instanceof Deno.errors.NotFound)) throw fileError("read", paths.genesis, e);
  }
  if (fromFlag && remembered && !bytesEqual(fromFlag.txid, remembered.txid)) {
    throw new LedgerError(
      `--genesis ${flag} is network ${toHex(fromFlag.network)}, but the data directory ` +
        `${paths.dir} belongs to network ${toHex(remembered.network)} (${paths.genesis}); ` +
        `leave out --genesis, or use another --data`,
    );
  }
  return fromFlag ?? remembered ?? await loadDefaultGenesis();
}

/**
 * Remembers the network of a data directory: copies the --genesis file to DIR/genesis.json
 * (atomically, never replacing one), so later starts and `export` need no --genesis.
 */
async function rememberGenesis(flag: string | null, paths: DataPaths): Promise<void> {
  if (!flag) return;
  try {
    await Deno.lstat(paths.genesis);
    return; // resolveGenesis checked that it is the same network
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw fileError("read", paths.genesis, e);
  }
  const bytes = await Deno.readFile(flag);
  try {
    await atomicWriteFile(paths.genesis, bytes, { mode: 0o644, createNew: true });
  } catch (e) {
    if (!(e instanceof Deno.errors.AlreadyExists)) throw fileError("write", paths.genesis, e);
  }
}

/** A node that is running. */
export class Node {
  /** The files of the data directory. */
  readonly paths: DataPaths;
  /** The wallet loaded (or created) from `paths.wallet`. */
  readonly wallet: Wallet;
  /** The ledger opened on `paths.ledger`. */
  readonly ledger: Ledger;
  /** The network endpoint; it sees the ledger through `netLedgerOf`. */
  readonly net: NetNode;
  /** The miner pool. */
  readonly miner: MinerPool;
  /** Verifies signatures: the backend chosen at start, and one worker for sync batches. */
  readonly verifier: Verifier;
  /** The settings this node was started with. */
  readonly options: NodeOptions;
  /** True when the wallet file was created by this start. */
  readonly walletCreated: boolean;
  /** Whether an address is the wallet's (the one test of "yours"). */
  readonly isMine: IsMine;
  readonly #log: Logger;
  readonly #lock: DataLock;
  readonly #events = new EventFilter();
  readonly #ownership: {
    readonly isMine: IsMine;
    touches(tx: Tx, spent?: readonly Uint8Array[]): boolean;
  };
  /**
   * Txids (hex) of the stored transactions that touch the wallet (pay or spend an owned
   * address), and the wallet's owned-address count they were read for: a status change of any
   * other transaction is skipped without reading it (a confirmation can change thousands).
   */
  #walletTxs: { readonly ids: Set<string>; readonly owned: number } | null = null;
  #walletSaves: Promise<void> = Promise.resolve();
  #listeners: ((e: WalletEvent) => void)[] = [];

  private constructor(
    parts: {
      paths: DataPaths;
      wallet: Wallet;
      walletCreated: boolean;
      ledger: Ledger;
      verifier: Verifier;
      options: NodeOptions;
      log: Logger;
      lock: DataLock;
      membership?: Membership;
    },
  ) {
    this.verifier = parts.verifier;
    this.paths = parts.paths;
    this.wallet = parts.wallet;
    this.walletCreated = parts.walletCreated;
    this.ledger = parts.ledger;
    this.options = parts.options;
    this.#log = parts.log;
    this.#lock = parts.lock;
    // Every address the wallet owns, the gap-limit lookahead included (lib/wallet/wallet.ts).
    this.#ownership = walletOwnership(parts.wallet);
    this.isMine = this.#ownership.isMine;
    const nodeId = crypto.getRandomValues(new Uint8Array(8));
    this.miner = new MinerPool({
      workers: parts.options.miners,
      capBits: parts.options.mineCap,
      pickTarget: () => this.ledger.mineTemplate(),
      onFound: (c) => {
        const r = this.ledger.addConfirmation(c.conf);
        if (r.kind === "stored") this.net.announceConfirmation(c.conf);
      },
      onError: (e) => this.#log("warn", "miner error", { error: String(e) }),
    });
    this.net = new NetNode({
      ledger: netLedgerOf(this.ledger, this.verifier),
      nodeId,
      port: parts.options.port,
      bind: parts.options.bind,
      broadcast: parts.options.broadcast,
      peers: parts.options.peers,
      onConfirmation: () => this.miner.poke(),
      log: this.#log,
      membership: parts.membership,
    });
    this.ledger.subscribe((events) => this.#onEvents(events));
  }

  /**
   * Opens (creating on first run) the data directory, wallet and ledger, after checking
   * everything that can be checked without writing: the genesis files and the sockets. Takes
   * the directory's lock first. Throws LocalError, LedgerError or RuleError, one line each.
   */
  static async open(options: NodeOptions, log: Logger): Promise<Node> {
    const paths = dataPaths(options.data);
    checkSockets(options.bind, options.port);
    const genesis = await resolveGenesis(options.genesis, paths);
    try {
      await Deno.mkdir(paths.dir, { recursive: true, mode: 0o700 });
    } catch (e) {
      throw fileError("create the data directory", paths.dir, e);
    }
    const lock = await lockDataDir(paths.dir);
    let verifier: Verifier | undefined;
    try {
      // A bad --network-key is refused before the wallet is created.
      const key = await loadNetworkKey(options.networkKey ?? null, paths.dir, log);
      const { wallet, created } = await openNodeWallet(paths.wallet, {
        passphraseFile: options.passphraseFile ?? null,
        io: realPassphraseIo(),
        log,
      });
      const member = key ? membershipOf(key) : undefined;
      if (member) {
        log("info", "private network: datagrams sealed with the membership key", {
          keyId: member.id,
        });
      }
      verifier = await openVerifier({
        workers: 1,
        onWorkerError: (e) => log("warn", "verify worker failed", { error: String(e) }),
      });
      log("info", "signature verification", {
        backend: verifier.backend,
        detail: verifier.backendDetail,
      });
      // The worker starts now, beside the rest of the start-up: a node syncs when it starts,
      // and a sync's first batch would otherwise wait for it (about 110 ms).
      void verifier.warm();
      let upgrade: { from: number; to: number; start: number } | undefined;
      const ledger = await openLedger(paths.ledger, {
        genesis,
        verify: verifier.verifySignature,
        onMigrate: (from, to) => {
          upgrade = { from: upgrade?.from ?? from, to, start: upgrade?.start ?? Date.now() };
          log(
            "info",
            `upgrading the ledger's schema (once; ${MIGRATIONS[from]?.note ?? "a step"})`,
            {
              file: paths.ledger,
              from,
              to,
            },
          );
        },
      });
      if (upgrade !== undefined) {
        log("info", "the ledger's schema is upgraded", {
          file: paths.ledger,
          from: upgrade.from,
          to: upgrade.to,
          ms: Date.now() - upgrade.start,
        });
      }
      try {
        await rememberGenesis(options.genesis, paths);
      } catch (e) {
        ledger.close();
        throw e;
      }
      const node = new Node({
        paths,
        wallet,
        walletCreated: created,
        ledger,
        verifier,
        options,
        log,
        lock,
        membership: member?.membership,
      });
      // Finds the wallet's used addresses (gap limit) before the first balance is shown.
      wallet.scan(ledger.all());
      node.saveWallet();
      return node;
    } catch (e) {
      verifier?.close();
      lock.release();
      throw e;
    }
  }

  /** Starts the network and the miners. */
  start(): void {
    try {
      this.net.start();
    } catch (e) {
      throw bindError(this.options.bind, this.options.port, e);
    }
    this.miner.start();
  }

  /** Stops miners and network, checkpoints and closes the ledger. Safe to call twice. */
  async stop(): Promise<void> {
    await this.miner.stop();
    await this.net.stop();
    await this.#walletSaves;
    this.verifier.close();
    this.ledger.close();
    // While the lock is still held: no other writer can be in the file.
    if (!leaveWalMode(this.paths.ledger)) {
      this.#log("info", "the ledger stays in WAL mode (a reader has it open, or it is read-only)", {
        file: this.paths.ledger,
      });
    }
    this.#lock.release();
  }

  /** Subscribes to wallet events. */
  onWalletEvent(fn: (e: WalletEvent) => void): void {
    this.#listeners.push(fn);
  }

  /** Builds, stores and broadcasts a payment; returns its txid. */
  send(to: string, amount: bigint): { txid: string; tx: Tx } {
    const tx = buildPayment(this.ledger, this.wallet, to, amount, Date.now());
    const entry = encodedTxFromTx(tx); // encoded once, for the ledger and the announcement
    const r = this.ledger.addTx(entry);
    if (r.kind !== "accepted") {
      throw new LedgerError(
        `The payment was not stored: ${r.kind}${r.kind === "rejected" ? ` (${r.code})` : ""}`,
      );
    }
    this.#events.markShown(r.txid);
    this.net.announceTx(entry);
    this.miner.poke();
    this.saveWallet();
    return { txid: r.txid, tx };
  }

  /**
   * Writes the wallet's counters and labels when they changed (a new change or receive
   * address, a used address found). Saves run one after another; a failure is logged, and
   * the gap-limit scan at the next start recovers any counter it lost.
   */
  saveWallet(): Promise<void> {
    this.#walletSaves = this.#walletSaves
      .then(() => saveWalletState(this.paths.wallet, this.wallet))
      .catch((e) => this.#log("warn", (e as Error).message));
    return this.#walletSaves;
  }

  /** The ledger's event stream: status changes move the miner and the wallet's user. */
  #onEvents(events: readonly LedgerEvent[]): void {
    if (!events.some((e) => e.kind === "status")) return;
    this.miner.poke();
    // New transactions paying a watched address move the wallet's gap-limit window.
    let noted = false;
    for (const e of events) {
      if (e.kind === "status" && e.tx && this.wallet.noteTx(e.tx)) noted = true;
    }
    if (noted) this.saveWallet();
    if (this.#listeners.length === 0) return;
    const mine = this.#walletTxIds();
    for (const c of events) {
      if (c.kind !== "status") continue;
      if (c.tx) {
        if (!this.#ownership.touches(c.tx, c.spent)) continue;
        mine.add(c.txid);
      } else if (!mine.has(c.txid)) continue;
      const tx = c.tx ?? this.ledger.getTx(c.txid)?.tx;
      if (!tx) continue;
      const effect = txEffect(tx, this.isMine);
      const kind = this.#events.decide(c, effect);
      if (kind === null) continue;
      let event: WalletEvent = { kind, txid: c.txid, effect };
      if (kind === "reversed") event = { ...event, ...this.#whyReversed(c.txid) };
      for (const fn of this.#listeners) fn(event);
    }
  }

  /**
   * The txids of the wallet's stored transactions, read from the ledger's address index when
   * the wallet watches addresses it did not before (at start, a used address moving the gap
   * window, a new change address), and kept up to date by `#onEvents` in between.
   */
  #walletTxIds(): Set<string> {
    const owned = this.wallet.ownedCount;
    if (this.#walletTxs?.owned !== owned) {
      this.#walletTxs = { ids: this.ledger.txidsTouching(this.wallet.ownedHashes()), owned };
    }
    return this.#walletTxs.ids;
  }

  /**
   * The winner (or the lost parent) behind a reversal, for its message: a live spend of the
   * same coins that comes first in the rule's order, else the parent that lost its own double
   * spend.
   */
  #whyReversed(txid: string): Partial<WalletEvent> {
    const rec = this.ledger.getTx(txid, { exactWeight: true });
    if (!rec) return {};
    const own = { work: rec.work, weight: rec.weight };
    const key = this.ledger.orderKeyOf(rec.txid);
    // A live spend of the same coins that comes first in the rule's order beat it; by weight
    // where the ledger has no order keys.
    const first = conflictPartners(this.ledger, rec).filter((p) => isLive(p.status))
      .map((p) => ({ p, k: this.ledger.orderKeyOf(p.txid) }))
      .find(({ p, k }) =>
        k !== undefined && key !== undefined ? compareOrder(k, key) < 0 : p.weight >= rec.weight
      );
    if (first === undefined) {
      const parent = lostParent(this.ledger, rec);
      return parent ? { ...own, lostParent: parent.txid } : own;
    }
    const { p: winner, k } = first;
    return {
      ...own,
      winner: { txid: winner.txid, work: winner.work, weight: winner.weight },
      tieBreak: winner.weight === rec.weight && k && key ? tieBreakOf(k, key) : undefined,
    };
  }

  /** A stored transaction by txid or unique txid prefix (at least 8 hex digits). */
  findTx(idOrPrefix: string): TxRecord | "ambiguous" | undefined {
    const id = idOrPrefix.toLowerCase();
    if (!/^[0-9a-f]{8,64}$/.test(id)) {
      throw new TypeError(`Invalid txid "${idOrPrefix}": expected 8 to 64 hex digits`);
    }
    if (id.length === 64) return this.ledger.getTx(id, { exactWeight: true });
    let found: TxRecord | undefined;
    for (const r of this.ledger.all()) {
      if (!r.txid.startsWith(id)) continue;
      if (found) return "ambiguous";
      found = r;
    }
    // The full record: its cumulative weight exact (a bounded walk for an old transaction).
    return found && this.ledger.getTx(found.txid, { exactWeight: true });
  }

  /** The other spends of the coins `rec` spends, the winner first. */
  conflictsOf(rec: TxRecord): TxRecord[] {
    return conflictPartners(this.ledger, rec);
  }
}
