/**
 * Sockets: one broadcast socket on the shared port plus one unicast socket of our own
 * (docs/ARCHITECTURE.md "Network on one machine"), the receive loops, and sending to one
 * address or to everyone (the broadcast address and every static peer).
 * @module
 */
import type { NetCounters } from "./counters.ts";
import type { Membership } from "./membership.ts";

/** Default UDP port. */
export const DEFAULT_PORT = 31337;
/** Default broadcast address, for real LANs. Tests pass 127.255.255.255 instead. */
export const DEFAULT_BROADCAST = "255.255.255.255";
/** Receive buffer of each socket: the largest UDP payload over IPv4, so sizes are exact. */
export const RECV_BUFFER_BYTES = 65_507;

/** A host and port. */
export interface HostPort {
  readonly hostname: string;
  readonly port: number;
}

/** A UDP address. */
export type Addr = Deno.NetAddr;

/** A log function: level, message, structured fields. */
export type NetLog = (
  level: "debug" | "info" | "warn",
  msg: string,
  fields?: Record<string, unknown>,
) => void;

/** "host:port", the key of an address in maps and logs. */
export function addrKey(a: HostPort): string {
  return `${a.hostname}:${a.port}`;
}

/** Where the sockets bind and whom "everyone" means. */
export interface TransportOptions {
  readonly bind?: string;
  readonly port?: number;
  readonly broadcast?: string;
  readonly peers?: readonly HostPort[];
  /** The membership key of a private network: every datagram sent is sealed with it. */
  readonly membership?: Membership;
}

/**
 * Whether a datagram from `addr` comes from one of the static peers `peers`. `--peer` names a
 * peer's shared port, but a node sends everything from its own socket on an ephemeral port
 * (docs/ARCHITECTURE.md "Network on one machine"), so off loopback the host alone decides;
 * on 127.0.0.0/8, where every test node shares the host, only the exact address does.
 *
 * @example
 * ```ts
 * import { isStaticAddr } from "./transport.ts";
 * const peers = [{ hostname: "10.1.0.7", port: 31337 }];
 * if (!isStaticAddr(peers, { transport: "udp", hostname: "10.1.0.7", port: 40211 })) {
 *   throw new Error("the peer's own socket");
 * }
 * ```
 */
export function isStaticAddr(peers: readonly HostPort[], addr: Addr): boolean {
  return peers.some((p) =>
    p.hostname === addr.hostname && (p.port === addr.port || !isLoopbackHost(p.hostname))
  );
}

function isLoopbackHost(host: string): boolean {
  return host.startsWith("127.") || host === "::1" || host === "localhost";
}

/** The node's two sockets. `start()` opens them, `close()` closes them and ends the loops. */
export class Transport {
  readonly #opts: TransportOptions;
  readonly #counters: NetCounters;
  readonly #log: NetLog;
  #bcast?: Deno.DatagramConn;
  #uni?: Deno.DatagramConn;
  #loops: Promise<void>[] = [];
  #closed = false;

  constructor(opts: TransportOptions, counters: NetCounters, log: NetLog) {
    this.#opts = opts;
    this.#counters = counters;
    this.#log = log;
  }

  /** The shared port (broadcasts). */
  get port(): number {
    return this.#opts.port ?? DEFAULT_PORT;
  }
  /** The address the sockets bind to. */
  get bind(): string {
    return this.#opts.bind ?? "0.0.0.0";
  }
  /** The broadcast address. */
  get broadcast(): string {
    return this.#opts.broadcast ?? DEFAULT_BROADCAST;
  }
  /** The port of our unicast socket (after start; 0 before). */
  get unicastPort(): number {
    return (this.#uni?.addr as Addr | undefined)?.port ?? 0;
  }

  /** True when `addr` is a `--peer` peer's (`isStaticAddr`). */
  isStatic(addr: Addr): boolean {
    return isStaticAddr(this.#opts.peers ?? [], addr);
  }

  /**
   * Opens both sockets and hands every datagram received to `handle`, one at a time, with
   * `onLan` true when it came to the broadcast socket (the LAN heard it too), false when it
   * came to our own socket (a reply, or a static peer's unicast).
   */
  start(handle: (data: Uint8Array, addr: Addr, onLan: boolean) => Promise<void>): void {
    this.#bcast = Deno.listenDatagram({
      transport: "udp",
      hostname: this.bind,
      port: this.port,
      reuseAddress: true,
    });
    this.#uni = Deno.listenDatagram({ transport: "udp", hostname: this.bind, port: 0 });
    this.#loops.push(
      this.#receive(this.#bcast, (d, a) => handle(d, a, true)),
      this.#receive(this.#uni, (d, a) => handle(d, a, false)),
    );
  }

  async #receive(
    sock: Deno.DatagramConn,
    handle: (data: Uint8Array, addr: Addr) => Promise<void>,
  ): Promise<void> {
    // One buffer per socket, reused for every datagram. Without one, Deno allocates 64 KiB
    // per datagram received, and a flood leaves tens of MiB of them waiting for the garbage
    // collector. Reuse is safe: each datagram is handled before the next is read, and the
    // decoder copies whatever it returns.
    const buf = new Uint8Array(RECV_BUFFER_BYTES);
    try {
      for (;;) {
        const [data, addr] = await sock.receive(buf);
        try {
          await handle(data, addr as Addr);
        } catch (e) {
          // A bug, not bad input: bad input is handled inside. Log it and keep serving.
          this.#log("warn", "datagram handler failed", { error: String(e) });
        }
      }
    } catch (e) {
      if (!this.#closed) this.#log("warn", "receive loop ended", { error: String(e) });
    }
  }

  /** Broadcast on the LAN, and unicast to every static peer. */
  sendAll(datagram: Uint8Array): void {
    this.sendBroadcast(datagram);
    this.sendStatic(datagram);
  }

  /** Broadcast on the LAN only (the part of `sendAll` that relay suppression may skip). */
  sendBroadcast(datagram: Uint8Array): void {
    void this.send(datagram, { transport: "udp", hostname: this.broadcast, port: this.port });
  }

  /** Unicast to every static (`--peer`) peer only; never suppressed. */
  sendStatic(datagram: Uint8Array): void {
    for (const p of this.#opts.peers ?? []) {
      void this.send(datagram, { transport: "udp", hostname: p.hostname, port: p.port });
    }
  }

  /** Sends one datagram from the unicast socket; failures are counted, never thrown. */
  async send(datagram: Uint8Array, addr: Addr): Promise<void> {
    if (this.#closed || !this.#uni) return;
    if (this.#opts.membership) datagram = this.#opts.membership.seal(datagram, Date.now());
    try {
      await this.#uni.send(datagram, addr);
      this.#counters.datagramsOut++;
      this.#counters.bytesOut += datagram.length;
    } catch (e) {
      this.#counters.sendErrors++;
      this.#log("debug", "send failed", { to: addrKey(addr), error: String(e) });
    }
  }

  /** Closes both sockets; resolves when the receive loops have ended. */
  async close(): Promise<void> {
    this.#closed = true;
    try {
      this.#bcast?.close();
    } catch { /* already closed */ }
    try {
      this.#uni?.close();
    } catch { /* already closed */ }
    await Promise.allSettled(this.#loops);
  }
}
