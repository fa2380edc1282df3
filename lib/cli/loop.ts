/**
 * The command loop (docs/ARCHITECTURE.md "Command line"): one command a line, from a terminal
 * or a pipe. It reads lines from any async iterator and writes through Output, so it is
 * testable without a TTY.
 * @module
 */
import { decodeAddress } from "../core/address.ts";
import { parseAmount } from "../core/amount.ts";
import { toHex } from "../core/hash.ts";
import { LedgerError } from "../ledger/errors.ts";
import { PaymentError } from "../wallet/payment.ts";
import type { Node, WalletEvent } from "./run_node.ts";
import type { Output } from "./output.ts";

/** The help text of the loop. */
export const LOOP_HELP = `Commands:
  h                    this help
  i                    info: address, balance, ledger size, peers, mining rate
  t [ADDRESS AMOUNT]   send AMOUNT base units to ADDRESS (asks for them when omitted)
  b                    sync now: ask every peer for what it has
  l [N]                the last N transactions (default 15) with status and work
  m                    mining statistics
  p                    peers and network counters
  q                    quit`;

/** The editing keys, shown with the help on a terminal. */
export const EDIT_HELP = `Editing: Left/Right, Home/End (Ctrl-A/Ctrl-E), Backspace, Delete, Ctrl-U,
  Up/Down for earlier lines; Ctrl-D on an empty line ends input; Ctrl-C stops the node.`;

/** Why the loop ended. */
export type LoopEnd = "quit" | "eof" | "aborted";

function short(txid: string): string {
  return txid.slice(0, 16);
}

function signed(v: bigint): string {
  return v > 0n ? `+${v}` : `${v}`;
}

function fmtRate(hps: number): string {
  if (hps >= 1e6) return `${(hps / 1e6).toFixed(2)} MH/s`;
  if (hps >= 1e3) return `${(hps / 1e3).toFixed(1)} kH/s`;
  return `${Math.round(hps)} H/s`;
}

/** Runs commands for a node until `q`, end of input, or `signal` aborts. */
export class CommandLoop {
  readonly #node: Node;
  readonly #out: Output;
  readonly #lines: AsyncIterator<string>;
  #watch = new Set<string>();

  constructor(node: Node, out: Output, lines: AsyncIterable<string>) {
    this.#node = node;
    this.#out = out;
    this.#lines = lines[Symbol.asyncIterator]();
    node.onWalletEvent((e) => this.#onEvent(e));
  }

  #onEvent(e: WalletEvent): void {
    const o = this.#out;
    if (e.kind === "received") {
      o.event(
        o.paint("green", `Payment received: ${signed(e.amount)} in ${short(e.txid)} (pending)`),
      );
    } else if (e.kind === "confirmed") {
      const ours = this.#watch.delete(e.txid);
      o.event(o.paint(
        "green",
        `${ours ? "Payment" : "Transaction"} ${short(e.txid)} confirmed (${signed(e.amount)})`,
      ));
    } else {
      this.#watch.delete(e.txid);
      o.event(o.paint(
        "red",
        `Transaction ${short(e.txid)} conflicted: it lost a double spend (${signed(e.amount)})`,
      ));
    }
  }

  /** Settles with null when the running loop's signal aborts; never before run(). */
  #aborted: Promise<null> = new Promise(() => {});

  /** The next line; null at end of input or once aborted, even inside a prompted `t`. */
  async #next(): Promise<string | null> {
    const r = await Promise.race([this.#lines.next(), this.#aborted]);
    return r === null || r.done ? null : r.value;
  }

  /** Runs until quit or end of input. */
  async run(signal?: AbortSignal): Promise<LoopEnd> {
    this.#aborted = new Promise<null>((resolve) => {
      if (signal?.aborted) resolve(null);
      signal?.addEventListener("abort", () => resolve(null), { once: true });
    });
    for (;;) {
      if (signal?.aborted) return "aborted";
      this.#out.prompt();
      const line = await this.#next();
      if (signal?.aborted) return "aborted";
      if (line === null) return "eof";
      const end = await this.execute(line, signal);
      if (end) return end;
    }
  }

  /** Executes one command line. Returns "quit" for q; errors are printed, never thrown. */
  async execute(line: string, _signal?: AbortSignal): Promise<LoopEnd | null> {
    const [cmd, ...args] = line.trim().split(/\s+/);
    const o = this.#out;
    try {
      switch (cmd) {
        case "":
          return null;
        case "h":
        case "help":
        case "?":
          o.line(LOOP_HELP);
          if (o.interactive) o.line(EDIT_HELP);
          return null;
        case "i":
          this.#info();
          return null;
        case "t":
          await this.#send(args);
          return null;
        case "b":
          this.#node.net.syncNow();
          o.line("Sync requested: peers will answer with what they have.");
          return null;
        case "l":
          this.#ledger(args[0]);
          return null;
        case "m":
          this.#mining();
          return null;
        case "p":
          this.#peers();
          return null;
        case "q":
        case "quit":
        case "exit":
          return "quit";
        default:
          o.line(o.paint("yellow", `Unknown command "${cmd}"; type h for help.`));
          return null;
      }
    } catch (e) {
      if (
        e instanceof TypeError || e instanceof RangeError || e instanceof PaymentError ||
        e instanceof LedgerError
      ) {
        o.line(o.paint("red", e.message));
        return null;
      }
      o.line(o.paint("red", `Command failed: ${(e as Error).message ?? e}`));
      return null;
    }
  }

  #info(): void {
    const n = this.#node;
    const o = this.#out;
    const b = n.ledger.balance(n.wallet.address);
    const s = n.ledger.statusCounts();
    const m = n.miner.stats();
    o.line(`Address:  ${o.paint("bold", n.wallet.address)}`);
    o.line(`Balance:  ${b.confirmed} confirmed, ${b.pending} pending`);
    o.line(
      `Ledger:   ${n.ledger.count} transactions (${s.confirmed} confirmed, ${s.pending} pending, ` +
        `${s.conflicted} conflicted, ${s.orphan} orphan)`,
    );
    o.line(`Peers:    ${n.net.peers().length}`);
    o.line(
      `Mining:   ${
        m.workers === 0 ? "off" : `${fmtRate(m.totalHashRate)} on ${m.workers} workers`
      }, ${m.found} confirmations found`,
    );
    o.line(`Network:  ${toHex(n.ledger.network)}`);
    // Two nodes with the same summary hold the same transactions with the same work (§10).
    o.line(`Summary:  ${toHex(n.ledger.summary().digest)}`);
  }

  async #ask(question: string): Promise<string | null> {
    this.#out.ask(question);
    const line = await this.#next();
    return line === null ? null : line.trim();
  }

  async #send(args: string[]): Promise<void> {
    const o = this.#out;
    let to: string | null, amountText: string | null;
    if (args.length === 0) {
      to = await this.#ask("Send to address: ");
      if (to === null) return;
      decodeAddress(to); // a mistyped address fails here, before the amount is asked
      amountText = await this.#ask("Amount (base units): ");
      if (amountText === null) return;
    } else if (args.length === 2) {
      [to, amountText] = args;
    } else {
      o.line(o.paint("yellow", "Usage: t ADDRESS AMOUNT, or t alone to be asked"));
      return;
    }
    const amount = parseAmount(amountText);
    const { txid } = this.#node.send(to, amount);
    this.#watch.add(txid);
    o.line(`Sent ${amount} to ${to}`);
    o.line(`txid ${txid} (pending; you will see when it is confirmed)`);
  }

  #ledger(arg: string | undefined): void {
    const o = this.#out;
    const limit = arg && /^[0-9]+$/.test(arg) ? Math.min(Number(arg), 1000) : 15;
    const rows = this.#node.ledger.history(limit);
    o.line("txid              status      work  time                      outputs");
    for (const r of rows) {
      const colour = r.status === "confirmed"
        ? "green"
        : r.status === "conflicted"
        ? "red"
        : "yellow";
      const total = r.tx.outputs.reduce((s, x) => s + x.amount, 0n);
      o.line(
        `${short(r.txid)}  ${o.paint(colour, r.status.padEnd(10))}  ${
          String(r.work).padStart(4)
        }  ${new Date(r.tx.timestamp).toISOString()}  ${r.tx.outputs.length} paying ${total}`,
      );
    }
    o.line(`${rows.length} of ${this.#node.ledger.count} transactions shown`);
  }

  #mining(): void {
    const o = this.#out;
    const m = this.#node.miner.stats();
    if (m.workers === 0) {
      o.line("Mining is off (--miners 0).");
      return;
    }
    o.line(`Workers:  ${m.workers}, total ${fmtRate(m.totalHashRate)}`);
    m.workerHashRates.forEach((r, i) => o.line(`  worker ${i}: ${fmtRate(r)}`));
    o.line(
      `Target:   ${
        m.target ? `${short(m.target.txid)} for ${m.target.goalBits} bits` : "idle (all at the cap)"
      }`,
    );
    o.line(`Cap:      ${this.#node.options.mineCap} bits per transaction`);
    o.line(`Found:    ${m.found} confirmations, ${m.totalHashes} hashes`);
  }

  #peers(): void {
    const o = this.#out;
    const peers = this.#node.net.peers();
    const now = Date.now();
    o.line(`Peers (${peers.length}):`);
    for (const p of peers) {
      o.line(
        `  ${p.nodeId}  ${p.address.padEnd(21)}  seen ${
          Math.round((now - p.lastSeen) / 1000)
        }s ago  ${p.count ?? "?"} txs${p.static ? "  (static)" : ""}`,
      );
    }
    const c = this.#node.net.counters;
    const sync = this.#node.net.syncStatus();
    o.line(
      `Datagrams: ${c.datagramsIn} in, ${c.datagramsOut} out, ${c.rateLimited} rate-limited, ` +
        `${c.otherNetwork} other network, malformed ${JSON.stringify(c.malformed)}`,
    );
    o.line(
      `Txs: ${c.txReceived} received, ${c.txAccepted} accepted, ${c.txDuplicate} duplicate, ` +
        `${c.txOrphan} orphan, rejected ${JSON.stringify(c.txRejected)}`,
    );
    o.line(
      `Confirmations: ${c.confReceived} received, ${c.confImproved} improved; ` +
        `relayed ${c.relayed}`,
    );
    const drops = this.#node.net.refreshKernelDrops();
    o.line(
      `Kernel drops: ${drops ?? "unknown"} (receive buffers full); relay: ${c.relaySuppressed} ` +
        `suppressed, ${c.confHeld} confirmations held, ${c.summariesSuppressed} summaries ` +
        `suppressed`,
    );
    o.line(
      `Sync: ${c.syncSessions} sessions, ${c.syncCompleted} completed, ${c.syncAbandoned} abandoned` +
        (sync ? `; now with ${sync.peer}, ${sync.wanted} wanted` : ""),
    );
  }
}
