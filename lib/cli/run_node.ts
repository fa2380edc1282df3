/**
 * A running node: data directory, wallet, ledger, network and miners wired together, plus
 * the wallet events the command loop prints. main.ts starts it and handles signals.
 * @module
 */
import type { Genesis } from "../core/genesis.ts";
import { bytesEqual, hash160 } from "../core/hash.ts";
import type { Tx } from "../core/tx.ts";
import { LedgerError } from "../ledger/errors.ts";
import { loadDefaultGenesis, loadGenesisFile } from "../ledger/genesis_file.ts";
import type { LedgerEvent } from "../ledger/events.ts";
import { type Ledger, openLedger } from "../ledger/ledger.ts";
import { buildPayment } from "../wallet/payment.ts";
import { loadOrCreateWallet, type Wallet } from "../wallet/wallet_file.ts";
import { VerifyPool } from "../ledger/verify_pool.ts";
import { MinerPool } from "../mining/pool.ts";
import { NetNode } from "../net/node.ts";
import type { NodeOptions } from "./args.ts";
import { netLedgerOf } from "./net_ledger.ts";
import type { Logger } from "./log.ts";

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
 * `deno task genesis`), else the built-in network's.
 */
export async function resolveGenesis(flag: string | null, paths: DataPaths): Promise<Genesis> {
  if (flag) return await loadGenesisFile(flag);
  try {
    await Deno.stat(paths.genesis);
    return await loadGenesisFile(paths.genesis);
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  return await loadDefaultGenesis();
}

/** A wallet-relevant event for the user. */
export interface WalletEvent {
  readonly kind: "received" | "confirmed" | "conflicted";
  readonly txid: string;
  /** Net effect on the wallet: positive when paid to us. */
  readonly amount: bigint;
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
  /** Verifies received signatures off the main thread during sync (one worker). */
  readonly verifier = new VerifyPool(1);
  /** The settings this node was started with. */
  readonly options: NodeOptions;
  /** True when the wallet file was created by this start. */
  readonly walletCreated: boolean;
  readonly #log: Logger;
  readonly #walletHash: Uint8Array;
  #listeners: ((e: WalletEvent) => void)[] = [];

  private constructor(
    parts: {
      paths: DataPaths;
      wallet: Wallet;
      walletCreated: boolean;
      ledger: Ledger;
      options: NodeOptions;
      log: Logger;
    },
  ) {
    this.paths = parts.paths;
    this.wallet = parts.wallet;
    this.walletCreated = parts.walletCreated;
    this.ledger = parts.ledger;
    this.options = parts.options;
    this.#log = parts.log;
    this.#walletHash = hash160(parts.wallet.keys.publicKey);
    const nodeId = crypto.getRandomValues(new Uint8Array(8));
    this.miner = new MinerPool({
      workers: parts.options.miners,
      capBits: parts.options.mineCap,
      pickTarget: () => this.ledger.leastConfirmed(parts.options.mineCap),
      onFound: (c) => {
        const r = this.ledger.addConfirmation(c.txid, c.nonce);
        if (r.kind === "improved") this.net.announceConfirmation(c.txid, c.nonce, r.work);
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
      onConfirmation: (txid, work) => this.miner.noteBetter(txid, work),
      log: this.#log,
    });
    this.ledger.subscribe((events) => this.#onEvents(events));
  }

  /** Opens (creating on first run) the data directory, wallet and ledger. */
  static async open(options: NodeOptions, log: Logger): Promise<Node> {
    const paths = dataPaths(options.data);
    try {
      await Deno.mkdir(paths.dir, { recursive: true, mode: 0o700 });
    } catch (e) {
      throw new LedgerError(`Cannot create data directory ${paths.dir}: ${(e as Error).message}`, {
        cause: e,
      });
    }
    const genesis = await resolveGenesis(options.genesis, paths);
    const { wallet, created } = await loadOrCreateWallet(paths.wallet);
    const ledger = await openLedger(paths.ledger, { genesis });
    return new Node({ paths, wallet, walletCreated: created, ledger, options, log });
  }

  /** Starts the network and the miners. */
  start(): void {
    this.net.start();
    this.miner.start();
  }

  /** Stops miners and network, checkpoints and closes the ledger. Safe to call twice. */
  async stop(): Promise<void> {
    await this.miner.stop();
    await this.net.stop();
    this.verifier.close();
    this.ledger.close();
  }

  /** Subscribes to wallet events. */
  onWalletEvent(fn: (e: WalletEvent) => void): void {
    this.#listeners.push(fn);
  }

  /** Builds, stores and broadcasts a payment; returns its txid. */
  send(to: string, amount: bigint): { txid: string; tx: Tx } {
    const tx = buildPayment(this.ledger, this.wallet, to, amount, Date.now());
    const r = this.ledger.addTx(tx);
    if (r.kind !== "accepted") {
      throw new LedgerError(
        `The payment was not stored: ${r.kind}${r.kind === "rejected" ? ` (${r.code})` : ""}`,
      );
    }
    this.net.announceTx(tx);
    this.miner.poke();
    return { txid: r.txid, tx };
  }

  /** The ledger's event stream: status changes move the miner and the wallet's user. */
  #onEvents(events: readonly LedgerEvent[]): void {
    if (!events.some((e) => e.kind === "status")) return;
    this.miner.poke();
    if (this.#listeners.length === 0) return;
    for (const c of events) {
      if (c.kind !== "status") continue;
      const tx = c.tx ?? this.ledger.getTx(c.txid)?.tx;
      if (!tx) continue;
      const effect = this.#effect(tx);
      if (effect === null) continue;
      // New payments to us are announced; our own new spends are not (`t` prints them).
      const kind: WalletEvent["kind"] | null = c.to === "conflicted"
        ? "conflicted"
        : c.to === "confirmed"
        ? "confirmed"
        : c.from === null && !effect.spent
        ? "received"
        : null;
      if (kind === null) continue;
      for (const fn of this.#listeners) fn({ kind, txid: c.txid, amount: effect.net });
    }
  }

  /** How a transaction affects our wallet, or null when it does not. */
  #effect(tx: Tx): { net: bigint; spent: boolean } | null {
    const pk = this.wallet.keys.publicKey;
    const spent = tx.inputs.some((i) => bytesEqual(i.publicKey, pk));
    let received = 0n;
    for (const o of tx.outputs) if (bytesEqual(o.address, this.#walletHash)) received += o.amount;
    if (!spent && received === 0n) return null;
    if (!spent) return { net: received, spent };
    const paid = tx.outputs.reduce((s, o) => s + o.amount, 0n) - received;
    return { net: -paid, spent };
  }
}
