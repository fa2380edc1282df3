/**
 * The network layer's front: a NetNode wires the parts together (docs/ARCHITECTURE.md
 * "Network"): the sockets (transport.ts), dispatch of received datagrams (dispatch.ts),
 * batching and deferral (ingest.ts), relay (relay.ts), summaries (summaries.ts), sync
 * driving (sync_driver.ts) and the peer table (peers.ts). It sees the ledger only through
 * the NetLedger seam (ledger_port.ts).
 * @module
 */
import type { Confirmation } from "../core/confirmation.ts";
import type { EncodedTx, Tx } from "../core/tx.ts";
import type { NetContext } from "./context.ts";
import { type NetCounters, newCounters } from "./counters.ts";
import { Dispatcher } from "./dispatch.ts";
import { type GuardStatus, NetGuard } from "./guard.ts";
import { readKernelDrops } from "./kernel_drops.ts";
import { TxIngest } from "./ingest.ts";
import type { NetLedger } from "./ledger_port.ts";
import { type PeerInfo, PeerTable } from "./peers.ts";
import { RateLimiter } from "./rate_limit.ts";
import { RecentLog } from "./recent.ts";
import { Relay } from "./relay.ts";
import { Summaries } from "./summaries.ts";
import { SyncDriver } from "./sync_driver.ts";
import { type HostPort, type NetLog, Transport } from "./transport.ts";
import type { Membership } from "./membership.ts";

export { DEFAULT_BROADCAST, DEFAULT_PORT, type HostPort, RECV_BUFFER_BYTES } from "./transport.ts";
export { FLUSH_TXS, MAX_BATCHES_IN_FLIGHT, MAX_DEFERRED } from "./ingest.ts";
export { MAX_PEERS, PEER_TTL_MS, type PeerInfo } from "./peers.ts";
export { SUMMARY_INTERVAL_MS } from "./summaries.ts";
export { SYNC_REQ_REPEAT_MS, SYNC_TICK_MS } from "./sync_driver.ts";
export type { NetLedger, StoreTxsOptions } from "./ledger_port.ts";

/**
 * Summaries heard this long after our sync request answer it: a difference they show
 * queues a sync at once instead of after the persistence interval (lib/net/summaries.ts).
 */
export const SYNC_REPLY_WINDOW_MS = 10_000;

/** Every counter goes to the log (one JSON object with --json-log) this often. */
export const COUNTERS_LOG_INTERVAL_MS = 300_000;

/** What the network layer reports to the node. */
export interface NetEvents {
  /** A received confirmation was stored (new tips: the miner may take a new template). */
  onConfirmation?: (txid: Uint8Array, bits: number) => void;
  /** A log line. */
  log?: NetLog;
}

/** Configuration of a NetNode. */
export interface NetConfig extends NetEvents {
  /** The ledger, seen through the seam (build it with lib/cli/net_ledger.ts). */
  readonly ledger: NetLedger;
  /** Random per run; our own broadcasts are recognised by it (8 bytes). */
  readonly nodeId: Uint8Array;
  readonly port?: number;
  readonly bind?: string;
  readonly broadcast?: string;
  readonly peers?: readonly HostPort[];
  /** Mean interval of anti-entropy summaries, ms. */
  readonly summaryIntervalMs?: number;
  /** Milliseconds since the epoch. */
  readonly clock?: () => number;
  readonly rateLimiter?: RateLimiter;
  /** Broadcast a sync request at start (default true). */
  readonly syncOnStart?: boolean;
  /**
   * Ignore misbehaving sources for a while (default true; docs/PROTOCOL.md §10.9). Off only in
   * harnesses that must feed every hostile datagram to the decoder and the ledger.
   */
  readonly bans?: boolean;
  /** Interval of the `network counters` log line, ms (COUNTERS_LOG_INTERVAL_MS by default). */
  readonly countersLogIntervalMs?: number;
  /** A private network's membership key (lib/net/membership.ts); none on the public one. */
  readonly membership?: Membership;
}

/** A node's network endpoint. Create, `start()`, and `stop()` when done. */
export class NetNode {
  /** Traffic counters, shown by the `p` and `m` commands. */
  readonly counters: NetCounters = newCounters();
  readonly #cfg: NetConfig;
  readonly #transport: Transport;
  readonly #peers = new PeerTable();
  readonly #sync: SyncDriver;
  readonly #ingest: TxIngest;
  readonly #relay: Relay;
  readonly #summaries: Summaries;
  readonly #dispatcher: Dispatcher;
  readonly #guard: NetGuard;
  #countersTimer: ReturnType<typeof setInterval> | undefined;
  #stopped = false;

  constructor(cfg: NetConfig) {
    this.#cfg = cfg;
    const log: NetLog = (level, msg, fields) => cfg.log?.(level, msg, fields);
    this.#transport = new Transport(cfg, this.counters, log);
    const ctx: NetContext = {
      ledger: cfg.ledger,
      nodeId: cfg.nodeId,
      counters: this.counters,
      clock: cfg.clock ?? Date.now,
      log,
      transport: this.#transport,
      stopped: () => this.#stopped,
      sendBounded: (datagram, addr) => this.#guard.send(datagram, addr),
      membership: cfg.membership,
    };
    const guard = this.#guard = new NetGuard(ctx, (a) => this.#transport.isStatic(a), {
      bans: cfg.bans ?? true,
    });
    this.#sync = new SyncDriver(ctx, guard);
    const recent = new RecentLog();
    this.#relay = new Relay(
      ctx,
      this.#sync,
      cfg.onConfirmation,
      guard,
      recent,
      () => this.#peers.size,
    );
    this.#ingest = new TxIngest(ctx, {
      solicited: (id) => this.#sync.wants(id),
      onStored: (batch, events) => this.#relay.onTxsStored(batch, events),
      rejects: guard,
    });
    this.#summaries = new Summaries(ctx, this.#peers, this.#sync, cfg.summaryIntervalMs, recent);
    this.#dispatcher = new Dispatcher(ctx, {
      limiter: cfg.rateLimiter ?? new RateLimiter(),
      peers: this.#peers,
      ingest: this.#ingest,
      relay: this.#relay,
      sync: this.#sync,
      summaries: this.#summaries,
      guard,
    });
  }

  /**
   * Datagrams the kernel dropped at our two ports because a receive buffer was full
   * (/proc/net/udp, lib/net/kernel_drops.ts); null when it cannot be read.
   */
  kernelDrops(): Promise<number | null> {
    return readKernelDrops([this.#transport.port, this.#transport.unicastPort]);
  }

  /** Misbehaving sources, reply budgets and the recent-rejects filter, for `p`. */
  guardStatus(limit?: number): GuardStatus {
    return this.#guard.status(limit);
  }

  /** The port of our unicast socket (after start). */
  get unicastPort(): number {
    return this.#transport.unicastPort;
  }

  /** Known peers, most recently seen first. */
  peers(): PeerInfo[] {
    return this.#peers.list();
  }

  /** True while the sync driver's step timer runs: only with a session or peers waiting. */
  get syncTicking(): boolean {
    return this.#sync.ticking;
  }

  /** The running sync session, if any. */
  syncStatus(): { peer: string; wanted: number; fetched: number } | null {
    return this.#sync.status();
  }

  /** Opens the sockets, starts the loops and asks the peers for what they know. */
  start(): void {
    const t = this.#transport;
    t.start(async (data, addr, onLan) => await this.#dispatcher.handle(data, addr, onLan));
    this.#sync.start();
    this.#summaries.start();
    this.#cfg.log?.("info", "network started", {
      port: t.port,
      bind: t.bind,
      unicastPort: t.unicastPort,
      broadcast: t.broadcast,
    });
    if (this.#cfg.syncOnStart ?? true) this.syncNow();
    this.#countersTimer = setInterval(
      () => this.#logCounters("network counters"),
      this.#cfg.countersLogIntervalMs ?? COUNTERS_LOG_INTERVAL_MS,
    );
  }

  #logCounters(msg: string): void {
    this.#cfg.log?.("info", msg, { counters: structuredClone(this.counters) });
  }

  /** Closes sockets and timers; resolves when the receive loops and storage have ended. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    clearInterval(this.#countersTimer);
    this.#sync.stop();
    this.#summaries.stop();
    this.#relay.stop();
    await this.#transport.close();
    await this.#ingest.stop();
  }

  /** Broadcasts a sync request: every peer answers with its summary. */
  syncNow(): void {
    // Replies may come late from a busy peer: anything within the window counts as one.
    this.#summaries.expectReplies(SYNC_REPLY_WINDOW_MS);
    this.#sync.syncNow();
  }

  /** Announces a transaction of ours to the LAN and the static peers. */
  announceTx(tx: Tx | Uint8Array | EncodedTx): void {
    this.#relay.announceTx(tx);
  }

  /** Announces a confirmation (found by our miner) to the LAN and the static peers. */
  announceConfirmation(conf: Confirmation): void {
    this.#relay.announceConfirmations([conf]);
  }
}
