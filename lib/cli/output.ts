/**
 * Terminal output: command results, asynchronous events that do not garble the prompt, and
 * colours that honour NO_COLOR. Writes through an injected function, so tests need no TTY.
 * @module
 */
import { compareOrder, type OrderKey } from "../core/state.ts";
import { weightLog2 } from "../core/weight.ts";

/** ANSI colour names used by the CLI. */
export type Colour = "green" | "yellow" | "red" | "cyan" | "dim" | "bold";

const CODES: Record<Colour, [number, number]> = {
  green: [32, 39],
  yellow: [33, 39],
  red: [31, 39],
  cyan: [36, 39],
  dim: [2, 22],
  bold: [1, 22],
};

/** Output options. */
export interface OutputOptions {
  /** An interactive terminal: show a prompt and redraw it after events. */
  readonly interactive: boolean;
  /** Use ANSI colours (false when NO_COLOR is set or output is not a terminal). */
  readonly colour: boolean;
  /** The prompt text. */
  readonly prompt?: string;
  /** The line editor showing what the user types (raw-mode terminals only). */
  readonly input?: InputView;
}

/**
 * The input line as a line editor shows it: prompt, typed text and cursor. Output asks it
 * for its drawing so that asynchronous output never hides what the user has typed.
 */
export interface InputView {
  /** Whether an input line is on the screen. */
  readonly active: boolean;
  /** Starts an input line after `prompt`; returns the text that draws it. */
  begin(prompt: string): string;
  /** Returns the text that draws the input line again from column 0. */
  redraw(): string;
  /** Ends the input line where it stands: returns `mark` and a line end, or "" if none. */
  finish(mark?: string): string;
}

/** Where the CLI writes. */
export class Output {
  readonly #write: (text: string) => void;
  readonly #opts: OutputOptions;
  #promptShown = false;

  constructor(write: (text: string) => void, opts: OutputOptions) {
    this.#write = write;
    this.#opts = opts;
  }

  /** Whether a prompt is used. */
  get interactive(): boolean {
    return this.#opts.interactive;
  }

  /** Colours `text` when colours are on. */
  paint(colour: Colour, text: string): string {
    if (!this.#opts.colour) return text;
    const [a, b] = CODES[colour];
    return `\x1b[${a}m${text}\x1b[${b}m`;
  }

  /** A line of command output. */
  line(text = ""): void {
    this.#promptShown = false;
    this.#write(text + "\n");
  }

  /** Shows the prompt (interactive only). */
  prompt(text = this.#opts.prompt ?? "crackcoin> "): void {
    if (!this.#opts.interactive) return;
    this.#promptShown = true;
    const painted = this.paint("cyan", text);
    const input = this.#opts.input;
    this.#write(input ? input.begin(painted) : painted);
  }

  /** Asks a question: prints it in interactive mode only (pipes get no prompts echoed). */
  ask(question: string): void {
    if (!this.#opts.interactive) return;
    const input = this.#opts.input;
    // Without an editor the prompt cannot be redrawn after an event, so it is not marked.
    this.#promptShown = input !== undefined;
    this.#write(input ? input.begin(question) : question);
  }

  /**
   * An asynchronous event (payment received, confirmed, conflicted). On a terminal the
   * input line is cleared first and drawn again after, with what the user has typed and the
   * cursor in place, so the event never lands inside it.
   */
  event(text: string): void {
    this.aside(() => this.#write(text + "\n"));
  }

  /**
   * Runs `print`, which writes whole lines (here or to stderr), out of the way of the input
   * line: it is cleared before and drawn again after.
   */
  aside(print: () => void): void {
    if (!this.#inputShown()) return print();
    this.#write("\r\x1b[2K");
    print();
    const input = this.#opts.input;
    this.#write(input ? input.redraw() : this.paint("cyan", this.#opts.prompt ?? "crackcoin> "));
  }

  /** Ends a shown input line (before the program stops), leaving it on the screen. */
  finishInput(mark = ""): void {
    this.#promptShown = false;
    const text = this.#opts.input?.finish(mark);
    if (text) this.#write(text);
  }

  #inputShown(): boolean {
    if (!this.#opts.interactive) return false;
    return this.#opts.input ? this.#opts.input.active : this.#promptShown;
  }
}

/**
 * Formats the quantity that decides conflicts as people read it: `work` is ⌊log2⌋ of a
 * transaction's cumulative weight in hashes (protocol v2, docs/PROTOCOL.md §8), printed
 * "2^24". Every sentence that compares two spenders goes through here ({@linkcode figures},
 * {@linkcode whyWon}); `l` and `x` print the exact weight with `shortWeight` / `formatWeight`
 * of lib/core/weight.ts.
 *
 * @example
 * ```ts
 * import { formatWeight } from "./output.ts";
 * if (formatWeight(21) !== "2^21") throw new Error("format");
 * ```
 */
export function formatWeight(work: number | bigint): string {
  return `2^${work}`;
}

/**
 * A cumulative weight as printed: "0" when `weight` (hashes) is 0 (no confirmation yet; `work`
 * is then 0 too, which {@linkcode formatWeight} would print as 2^0, a weight of 1), else
 * `formatWeight(work)`.
 *
 * @example
 * ```ts
 * import { weightFigure } from "./output.ts";
 * if (weightFigure(0, 0n) !== "0" || weightFigure(21) !== "2^21") throw new Error("figure");
 * ```
 */
export function weightFigure(work: number, weight?: bigint): string {
  return weight === 0n ? "0" : formatWeight(work);
}

/** Name of the quantity that decides conflicts, as printed ("weight": cumulative weight). */
export const WEIGHT_NAME = "weight";

/** One side of a conflict, as {@linkcode whyWon} reads it. */
export interface ConflictSide {
  readonly txid: string;
  /** ⌊log2⌋ of its cumulative weight. */
  readonly work: number;
  /** Its cumulative weight in hashes, when known. */
  readonly weight?: bigint;
  /** False when `weight` is only a lower bound. */
  readonly weightExact?: boolean;
  /** Its order key under the conflict rule (`Ledger.orderKeyOf`), when the ledger has it. */
  readonly key?: OrderKey;
}

/**
 * Which of the conflict rule's tie-breaks (docs/PROTOCOL.md §8) put `a` before `b`, two
 * spends of equal weight: "the smaller best hash", "the lower height (1 against 2)" or "the
 * lower txid".
 */
export function tieBreakOf(a: OrderKey, b: OrderKey): string {
  if (a.best !== b.best) return "the smaller best hash";
  if (a.height !== b.height) return `the lower height (${a.height} against ${b.height})`;
  return "the lower txid";
}

/**
 * Why `winner` beat `loser` under the conflict rule of docs/PROTOCOL.md §8, as a phrase after
 * "by". `work` is ⌊log2 of the cumulative weight⌋ (protocol v2), so equal figures still leave
 * the exact weight to decide. Given the `weight`s (hashes), a weight of 0 (no confirmation yet)
 * is printed "0"; equal exact weights name the tie-break that decided (from the order keys,
 * when given); and a loser that comes first in the rule's order (more weight, or the
 * tie-break; judged by the order keys when given, else by weight) is explained by
 * `lostThrough`: it spends a `parent` that lost a double spend, or loses another of its coins
 * to `rival`.
 *
 * @example
 * ```ts
 * import { whyWon } from "./output.ts";
 * const w = whyWon({ txid: "aa", work: 24, weight: 1n << 24n }, { txid: "bb", work: 0, weight: 0n });
 * if (w !== "more weight: weight 2^24 against 0") throw new Error(w);
 * ```
 */
export function whyWon(
  winner: ConflictSide,
  loser: ConflictSide,
  lostThrough: { readonly parent?: string; readonly rival?: string } = {},
): string {
  const shown = (s: ConflictSide) => weightFigure(s.work, s.weight);
  const known = winner.weight !== undefined && loser.weight !== undefined;
  // The loser comes first in the rule's order (more weight, or a tie-break) and still lost:
  // through a parent, or another of its coins.
  const loserFirst = winner.key !== undefined && loser.key !== undefined
    ? compareOrder(winner.key, loser.key) > 0
    : known && winner.weight! < loser.weight!;
  if (loserFirst) {
    const reason = lostThrough.parent !== undefined
      ? `${short(loser.txid)} spends ${short(lostThrough.parent)}, which lost a double spend`
      : lostThrough.rival !== undefined
      ? `${short(loser.txid)} loses another of its coins to ${short(lostThrough.rival)}`
      : `${short(loser.txid)} depends on a transaction that lost a conflict`;
    const weights = known && winner.weight! < loser.weight!
      ? `with less ${WEIGHT_NAME} (${figures(winner, loser)})`
      : `though ${short(loser.txid)} comes first in the rule's order`;
    return `the conflict rule, ${weights}: ${reason}`;
  }
  const exact = winner.weightExact !== false && loser.weightExact !== false;
  if (known && exact && winner.weight === loser.weight) {
    const decider = winner.key !== undefined && loser.key !== undefined
      ? `${tieBreakOf(winner.key, loser.key)} decided`
      : "the smaller best hash, then the lower height, then the lower txid decide";
    return `equal ${WEIGHT_NAME} (${shown(winner)}) on both sides; ${decider}`;
  }
  if (winner.work === loser.work && !(known && exact) && winner.weight !== 0n) {
    return `${WEIGHT_NAME} ${formatWeight(winner.work)} on both sides: the exact cumulative ` +
      `weight, or on a tie the smaller best hash`;
  }
  return `more ${WEIGHT_NAME}: ${WEIGHT_NAME} ${figures(winner, loser)}`;
}

/**
 * Two weights as "2^26 against 0", or with two decimals ("2^26.82 against 2^26.80") when both
 * are known, non-zero and have the same ⌊log2⌋, which would print the same figure twice.
 *
 * @example
 * ```ts
 * import { figures } from "./output.ts";
 * const f = figures({ work: 1, weight: 3n }, { work: 1, weight: 2n });
 * if (f !== "2^1.58 against 2^1.00") throw new Error(f);
 * ```
 */
export function figures(
  a: { readonly work: number; readonly weight?: bigint },
  b: { readonly work: number; readonly weight?: bigint },
): string {
  if (
    a.work === b.work && a.weight !== undefined && b.weight !== undefined && a.weight > 0n &&
    b.weight > 0n
  ) {
    return `2^${weightLog2(a.weight).toFixed(2)} against 2^${weightLog2(b.weight).toFixed(2)}`;
  }
  return `${weightFigure(a.work, a.weight)} against ${weightFigure(b.work, b.weight)}`;
}

function short(txid: string): string {
  return txid.slice(0, 16);
}

/** A local time as "YYYY-MM-DD HH:MM:SS" (ms since the epoch). */
export function formatTime(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ` +
    `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/**
 * Longest command line accepted, in characters (4 KiB of ASCII): longer piped lines are
 * refused without being echoed or kept, and the terminal's line editor stops there.
 */
export const MAX_LINE_CHARS = 4096;

/**
 * Removes what a terminal would interpret from typed or piped text: C0 controls (a tab
 * becomes a space), DEL and C1 controls, so an echo can never move the cursor, change
 * colours or ring the bell.
 *
 * @example
 * ```ts
 * import { cleanInput } from "./output.ts";
 * if (cleanInput("a\x1b[31mb\x07\tc") !== "a[31mb c") throw new Error("clean");
 * ```
 */
export function cleanInput(text: string): string {
  // deno-lint-ignore no-control-regex
  return text.replace(/\t/g, " ").replace(/[\x00-\x1f\x7f-\x9f]/g, "");
}
