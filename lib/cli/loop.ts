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
import type { Node } from "./run_node.ts";
import { cleanInput, MAX_LINE_CHARS, type Output } from "./output.ts";
import { parseHistoryCount, printBalance, printHistory, printTransaction } from "./show.ts";
import { eventText, type WalletEvent } from "./wallet_events.ts";
import { newAddressCommand, sweepCommand, WALLET_LOOP_HELP } from "./wallet_loop.ts";

/** The help text of the loop. */
export const LOOP_HELP = `Commands:
  h                    this help
  i                    info: address, balance (spendable, own change, incoming), ledger,
                       peers, mining rate
  t [ADDRESS AMOUNT]   send AMOUNT base units to ADDRESS (asks for them when omitted;
                       on a terminal, asks to confirm)
  b                    sync now: ask every peer for what it has
  l [N]                the last N transactions (default 15, at most 1000): status, work,
                       time, direction, the amount to or from you and the counterparty
  x TXID               one transaction (txid or its first 8+ hex digits): inputs, outputs,
                       the spends it conflicts with and why the winner won
  m                    mining statistics
  p                    peers and network counters
${WALLET_LOOP_HELP}
  q                    quit`;

/** The editing keys, shown with the help on a terminal. */
export const EDIT_HELP = `Editing: Left/Right, Home/End (Ctrl-A/Ctrl-E), Backspace, Delete, Ctrl-U,
  Up/Down for earlier lines; Ctrl-D on an empty line ends input; Ctrl-C cancels a question, else stops the node.`;

/** Why the loop ended. */
export type LoopEnd = "quit" | "eof" | "aborted";

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
  /** A read of #lines still outstanding (a question was cancelled or aborted meanwhile). */
  #pendingRead: Promise<IteratorResult<string>> | null = null;
  /** Settles a question being asked with null (Ctrl-C); null when none is asked. */
  #cancelQuestion: (() => void) | null = null;

  constructor(node: Node, out: Output, lines: AsyncIterable<string>) {
    this.#node = node;
    this.#out = out;
    this.#lines = lines[Symbol.asyncIterator]();
    node.onWalletEvent((e) => this.#onEvent(e));
  }

  #onEvent(e: WalletEvent): void {
    const o = this.#out;
    const colour = e.kind === "reversed" ? "red" : "green";
    o.event(o.paint(colour, eventText(e)));
  }

  /** Settles with null when the running loop's signal aborts; never before run(). */
  #aborted: Promise<null> = new Promise(() => {});

  /** The next line; null at end of input or once aborted, even inside a prompted `t`. */
  async #next(extra?: Promise<null>): Promise<string | null> {
    this.#pendingRead ??= this.#lines.next();
    const read = this.#pendingRead;
    const r = await Promise.race([read, this.#aborted, ...(extra ? [extra] : [])]);
    if (r === null) return null;
    this.#pendingRead = null;
    return r.done ? null : r.value;
  }

  /**
   * Cancels the question being asked (the address, amount or confirmation of `t`), as Ctrl-C
   * on a terminal does. Returns false when no question is open (Ctrl-C then stops the node).
   */
  cancelQuestion(): boolean {
    const cancel = this.#cancelQuestion;
    if (!cancel) return false;
    this.#cancelQuestion = null;
    cancel();
    return true;
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
    const o = this.#out;
    if (line.length > MAX_LINE_CHARS) {
      o.line(o.paint("yellow", `Line too long (over ${MAX_LINE_CHARS} characters); ignored.`));
      return null;
    }
    const [cmd, ...args] = cleanInput(line).trim().split(/\s+/);
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
          if (args.length > 1) throw new RangeError("Usage: l [N]");
          printHistory(this.#node, o, parseHistoryCount(args[0]));
          return null;
        case "x":
          this.#show(args);
          return null;
        case "m":
          this.#mining();
          return null;
        case "p":
          await this.#peers();
          return null;
        case "r":
          await newAddressCommand(this.#node, o);
          return null;
        case "sweep":
          sweepCommand(this.#node, o);
          return null;
        case "q":
        case "quit":
        case "exit":
          return "quit";
        default:
          o.line(
            o.paint("yellow", `Unknown command "${cmd.slice(0, 40)}"; type h for help.`),
          );
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
    const s = n.ledger.statusCounts();
    const m = n.miner.stats();
    o.line(`Address:  ${o.paint("bold", n.wallet.address)}`);
    printBalance(n, o);
    o.line(
      `Ledger:   ${n.ledger.count} transactions (${s.confirmed} confirmed, ${s.pending} pending, ` +
        `${s.conflicted} conflicted, ${s.orphan} orphan)`,
    );
    o.line(`Peers:    ${n.net.peers().length}`);
    o.line(
      `Mining:   ${
        m.workers === 0
          ? "off"
          : `${fmtRate(m.totalHashRate)} on ${m.workers} worker${m.workers === 1 ? "" : "s"}`
      }, ${m.found} confirmations found`,
    );
    o.line(
      `LAN rate: ${fmtRate(n.ledger.recentHashRate())} (weight of the last minute's confirmations)`,
    );
    o.line(`Verify:   ${n.verifier.backend}`);
    o.line(`Network:  ${toHex(n.ledger.network)}`);
    // Two nodes with the same summary hold the same transactions with the same work (§10).
    o.line(`Summary:  ${toHex(n.ledger.summary().digest)}`);
  }

  /** Asks a question; null at end of input, once aborted, or when Ctrl-C cancels it. */
  async #ask(question: string): Promise<string | null> {
    this.#out.ask(question);
    const cancelled = new Promise<null>((resolve) => {
      this.#cancelQuestion = () => resolve(null);
    });
    try {
      const line = await this.#next(cancelled);
      if (line !== null && line.length > MAX_LINE_CHARS) {
        throw new RangeError(`Line too long (over ${MAX_LINE_CHARS} characters)`);
      }
      return line === null ? null : cleanInput(line).trim();
    } finally {
      this.#cancelQuestion = null;
    }
  }

  async #send(args: string[]): Promise<void> {
    const o = this.#out;
    const n = this.#node;
    let to: string | null, amountText: string | null;
    if (args.length === 0) {
      to = await this.#ask("Send to address: ");
      if (to === null) return this.#cancelled();
      decodeAddress(to); // a mistyped address fails here, before the amount is asked
      amountText = await this.#ask("Amount (base units): ");
      if (amountText === null) return this.#cancelled();
    } else if (args.length === 2) {
      [to, amountText] = args;
    } else {
      o.line(o.paint("yellow", "Usage: t ADDRESS AMOUNT, or t alone to be asked"));
      return;
    }
    const amount = parseAmount(amountText);
    decodeAddress(to);
    const self = n.isMine(to);
    if (self) {
      o.line(o.paint(
        "yellow",
        "Warning: that is your own address; the coins stay in your wallet.",
      ));
    }
    if (o.interactive) {
      const answer = await this.#ask(`Send ${amount} to ${to}${self ? " (yourself)" : ""}? [y/N] `);
      if (answer === null || !/^y(es)?$/i.test(answer)) return this.#cancelled();
    }
    const { txid } = n.send(to, amount);
    o.line(`Sent ${amount} to ${to}`);
    o.line(`txid ${txid} (pending; you will see when it is confirmed)`);
  }

  #cancelled(): void {
    this.#out.line("Cancelled; nothing was sent.");
  }

  #show(args: string[]): void {
    const o = this.#out;
    if (args.length !== 1) {
      o.line(o.paint("yellow", "Usage: x TXID (the txid, or its first 8 or more hex digits)"));
      return;
    }
    const rec = this.#node.findTx(args[0]);
    if (rec === "ambiguous") {
      o.line(o.paint("yellow", `More than one transaction starts with ${args[0]}; type more.`));
    } else if (rec === undefined) {
      o.line(o.paint("yellow", `No transaction ${args[0]} in the ledger.`));
    } else {
      printTransaction(this.#node, o, rec);
    }
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
        m.target
          ? `${
            m.target.txid.slice(0, 16)
          } at ${m.target.goalBits} bits, approving ${m.target.refs} tips`
          : "idle (nothing to mine)"
      }`,
    );
    o.line(`Cap:      ${this.#node.options.mineCap} bits per confirmation (weight is not capped)`);
    o.line(`Found:    ${m.found} confirmations, ${m.totalHashes} hashes`);
  }

  async #peers(): Promise<void> {
    const o = this.#out;
    const peers = this.#node.net.peers();
    const now = Date.now();
    o.line(`Peers (${peers.length}):`);
    for (const p of peers) {
      o.line(
        `  ${p.nodeId}  ${p.address.padEnd(21)}  seen ${
          Math.round((now - p.lastSeen) / 1000)
        }s ago  ${p.count ?? "?"} items${p.static ? "  (static)" : ""}`,
      );
    }
    const c = this.#node.net.counters;
    const sync = this.#node.net.syncStatus();
    const drops = await this.#node.net.kernelDrops();
    o.line(
      `Datagrams: ${c.datagramsIn} in (${c.bytesIn} bytes), ${c.datagramsOut} out ` +
        `(${c.bytesOut} bytes), ${c.sendErrors} send errors, ${c.ownIgnored} own ignored, ` +
        `${c.rateLimited} rate-limited, ${c.banned} from ignored sources, ` +
        `${c.otherNetwork} other network, ${c.authFailed} auth-failed, ` +
        `malformed ${JSON.stringify(c.malformed)}; ` +
        `kernel drops ${drops ?? "unknown (/proc/net/udp is read by cat: --allow-run=cat)"}`,
    );
    o.line(
      `Txs: ${c.txReceived} received, ${c.txAccepted} accepted, ${c.txDuplicate} duplicate, ` +
        `${c.txOrphan} orphan, ${c.txRecentlyRejected} recently rejected, ` +
        `rejected ${JSON.stringify(c.txRejected)}`,
    );
    o.line(
      `Confirmations: ${c.confReceived} received, ${c.confImproved} improved, ` +
        `${c.confStale} stale, ${c.confUnknown} unknown; relayed ${c.relayed}`,
    );
    o.line(
      `Suppression: ${c.relaySuppressed} relays, ${c.summariesSuppressed} summaries, ` +
        `${c.summariesQuiet} summaries after a sync; ` +
        `${c.syncRecent} syncs from a recent anchor`,
    );
    o.line(
      `Sync: ${c.syncRequested} requested, ${c.syncSessions} sessions, ` +
        `${c.syncCompleted} completed, ${c.syncAbandoned} abandoned` +
        (sync ? `; now with ${sync.peer}, ${sync.wanted} wanted` : ""),
    );
    const g = this.#node.net.guardStatus();
    o.line(
      `Replies: ${c.replyRefused} not sent (over budget); recent rejects ` +
        `${g.recentRejects.size} held, ${g.recentRejects.hits} hits`,
    );
    for (const b of g.budgets) {
      o.line(
        `  ${b.source.padEnd(21)}  ${b.verified ? "verified" : "unverified"}  in ` +
          `${b.datagramsIn}/${b.bytesIn} B  out ${b.datagramsOut}/${b.bytesOut} B` +
          (b.verified ? "" : `  credit ${b.creditBytes} B`) +
          (b.refused > 0 ? `  refused ${b.refused}` : ""),
      );
    }
    o.line(`Misbehaving (${g.misbehaving.length}):`);
    for (const m of g.misbehaving) {
      o.line(
        `  ${m.source.padEnd(21)}  score ${m.score}` +
          (m.bannedForMs > 0 ? `  ignored for ${Math.ceil(m.bannedForMs / 1000)}s` : "") +
          `  ${m.offences} offences, ${m.bans} bans`,
      );
    }
  }
}
