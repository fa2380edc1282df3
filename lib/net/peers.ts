/**
 * The peer table: nodes we have heard from, by node id, bounded and expiring.
 * @module
 */
import { type Addr, addrKey } from "./transport.ts";

/** Peers (by node id) remembered at once. */
export const MAX_PEERS = 256;
/** A peer not heard from for this long is dropped from the table. */
export const PEER_TTL_MS = 60_000;

/** A peer we have heard from. */
export interface PeerInfo {
  /** Node id, lowercase hex. */
  readonly nodeId: string;
  /** "host:port" of its unicast socket. */
  readonly address: string;
  /** When we last heard from it, ms since the epoch. */
  readonly lastSeen: number;
  /** Transactions it holds, from its last summary; null before one. */
  readonly count: number | null;
  /** True for a `--peer` address. */
  readonly static: boolean;
}

/** Peers by node id, least recently seen first; the oldest goes when MAX_PEERS are held. */
export class PeerTable {
  #peers = new Map<string, PeerInfo & { addr: Addr }>();

  /** Records that `nodeId` was heard from `addr` at `now` (with its summary's count, if any). */
  touch(nodeId: string, addr: Addr, now: number, count: number | null, isStatic: boolean): void {
    const old = this.#peers.get(nodeId);
    this.#peers.delete(nodeId);
    if (this.#peers.size >= MAX_PEERS) this.#peers.delete(this.#peers.keys().next().value!);
    this.#peers.set(nodeId, {
      nodeId,
      address: addrKey(addr),
      addr,
      lastSeen: now,
      count: count ?? old?.count ?? null,
      static: isStatic || (old?.static ?? false),
    });
  }

  /** Peers held. */
  get size(): number {
    return this.#peers.size;
  }

  /** Drops peers not heard from for PEER_TTL_MS. */
  expire(now: number): void {
    for (const [id, p] of this.#peers) if (now - p.lastSeen > PEER_TTL_MS) this.#peers.delete(id);
  }

  /** Known peers, most recently seen first. */
  list(): PeerInfo[] {
    return [...this.#peers.values()]
      .map(({ addr: _a, ...p }) => p)
      .sort((a, b) => b.lastSeen - a.lastSeen);
  }
}
