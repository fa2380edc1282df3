/**
 * Terminal output: command results, asynchronous events that do not garble the prompt, and
 * colours that honour NO_COLOR. Writes through an injected function, so tests need no TTY.
 * @module
 */

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
    this.#write(this.paint("cyan", text));
  }

  /** Asks a question: prints it in interactive mode only (pipes get no prompts echoed). */
  ask(question: string): void {
    if (!this.#opts.interactive) return;
    this.#promptShown = false;
    this.#write(question);
  }

  /**
   * An asynchronous event (payment received, confirmed, conflicted). On a terminal the
   * prompt line is cleared first and drawn again after, so the event never lands inside it.
   */
  event(text: string): void {
    if (this.#opts.interactive && this.#promptShown) {
      this.#write("\r\x1b[2K" + text + "\n");
      this.prompt();
    } else {
      this.#write(text + "\n");
    }
  }
}
