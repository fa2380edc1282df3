/**
 * A small line editor for the interactive command loop on a raw-mode terminal: it decodes
 * key bytes, edits one line with history, and renders it as ANSI text. It never touches the
 * terminal itself: bytes go in and text comes out, so tests need no TTY.
 * @module
 */
import { type Key, KeyDecoder } from "./terminal_keys.ts";
import { type InputView, MAX_LINE_CHARS } from "./output.ts";

/** What a key press did, besides changing the line. */
export type EditEvent =
  | { readonly kind: "line"; readonly line: string }
  | { readonly kind: "eof" }
  | { readonly kind: "interrupt" };

/** The result of one key press: text to write to the terminal, and the event if any. */
export interface EditStep {
  readonly output: string;
  readonly event: EditEvent | null;
}

/** Line editor options. */
export interface LineEditorOptions {
  /** The terminal width in columns, asked on every draw (default 80). */
  readonly columns?: () => number;
  /** The most history entries kept (default 200). */
  readonly historySize?: number;
}

// SGR sequences take no room on the screen.
// deno-lint-ignore no-control-regex
const SGR = /\x1b\[[0-9;]*m/g;

/** One line being edited after a prompt, with history; renders itself as ANSI text. */
export class LineEditor implements InputView {
  readonly #columns: () => number;
  readonly #historySize: number;
  #prompt = "";
  #promptWidth = 0;
  #chars: string[] = [];
  #cursor = 0;
  #scroll = 0;
  #active = false;
  #history: string[] = [];
  #historyAt = 0;
  #draft: string[] = [];

  constructor(opts: LineEditorOptions = {}) {
    this.#columns = opts.columns ?? (() => 80);
    this.#historySize = opts.historySize ?? 200;
  }

  /** Whether an input line is on the screen: from begin() until Enter, EOF or finish(). */
  get active(): boolean {
    return this.#active;
  }

  /** The text typed so far. */
  get text(): string {
    return this.#chars.join("");
  }

  /** The cursor position in characters from the start of the text. */
  get cursor(): number {
    return this.#cursor;
  }

  /** Entries of the history, oldest first. */
  get history(): readonly string[] {
    return this.#history;
  }

  /** Starts an input line after `prompt` (text typed ahead is kept); returns its drawing. */
  begin(prompt: string): string {
    this.#prompt = prompt;
    this.#promptWidth = [...prompt.replace(SGR, "")].length;
    this.#active = true;
    return this.redraw();
  }

  /**
   * Draws the whole input line from column 0: prompt, the visible part of the text, and the
   * cursor in place. A line wider than the terminal scrolls sideways instead of wrapping.
   * @example
   * ```ts
   * import { LineEditor } from "./line_editor.ts";
   * const ed = new LineEditor();
   * ed.begin("> ");
   * ed.press({ name: "text", text: "hi" });
   * if (ed.redraw() !== "\r> hi\x1b[K\r\x1b[4C") throw new Error("redraw");
   * ```
   */
  redraw(): string {
    const room = Math.max(1, this.#columns() - this.#promptWidth - 1);
    const len = this.#chars.length;
    if (this.#cursor < this.#scroll) this.#scroll = this.#cursor;
    if (this.#cursor - this.#scroll > room) this.#scroll = this.#cursor - room;
    if (this.#scroll > 0 && len - this.#scroll < room) this.#scroll = Math.max(0, len - room);
    const visible = this.#chars.slice(this.#scroll, this.#scroll + room).join("");
    const col = this.#promptWidth + this.#cursor - this.#scroll;
    return `\r${this.#prompt}${visible}\x1b[K\r${col > 0 ? `\x1b[${col}C` : ""}`;
  }

  /** Ends the input line where it stands (after a signal): `mark`, then a new line. */
  finish(mark = ""): string {
    if (!this.#active) return "";
    this.#cursor = this.#chars.length;
    const out = this.redraw() + mark + "\r\n";
    this.#reset();
    return out;
  }

  /** Applies one key press. */
  press(key: Key): EditStep {
    const none = (output: string): EditStep => ({ output, event: null });
    const chars = this.#chars;
    switch (key.name) {
      case "text": {
        // The line is bounded (a paste of megabytes must not grow it without end).
        const room = Math.max(0, MAX_LINE_CHARS - chars.length);
        const text = [...key.text].slice(0, room);
        if (text.length === 0) return none("\x07");
        chars.splice(this.#cursor, 0, ...text);
        this.#cursor += text.length;
        return none(this.redraw());
      }
      case "enter": {
        const line = this.text;
        this.#cursor = chars.length;
        const output = this.redraw() + "\r\n";
        this.#remember(line);
        this.#reset();
        return { output, event: { kind: "line", line } };
      }
      case "ctrl-d":
        if (chars.length === 0) {
          const output = this.#active ? "\r\n" : "";
          this.#reset();
          return { output, event: { kind: "eof" } };
        }
        return none(this.#deleteAt(this.#cursor));
      case "ctrl-c":
        return { output: "", event: { kind: "interrupt" } };
      case "backspace":
        return none(this.#cursor > 0 ? this.#deleteAt(--this.#cursor) : "");
      case "delete":
        return none(this.#deleteAt(this.#cursor));
      case "left":
        return none(this.#moveTo(this.#cursor - 1));
      case "right":
        return none(this.#moveTo(this.#cursor + 1));
      case "word-left":
        return none(this.#moveTo(this.#wordStart()));
      case "word-right": {
        let i = this.#cursor;
        while (i < chars.length && chars[i] === " ") i++;
        while (i < chars.length && chars[i] !== " ") i++;
        return none(this.#moveTo(i));
      }
      case "home":
        return none(this.#moveTo(0));
      case "end":
        return none(this.#moveTo(chars.length));
      case "kill-start":
        chars.splice(0, this.#cursor);
        this.#cursor = 0;
        return none(this.redraw());
      case "kill-end":
        chars.splice(this.#cursor);
        return none(this.redraw());
      case "kill-word": {
        const start = this.#wordStart();
        chars.splice(start, this.#cursor - start);
        this.#cursor = start;
        return none(this.redraw());
      }
      case "up":
        return none(this.#recall(-1));
      case "down":
        return none(this.#recall(+1));
      case "clear":
        return none("\x1b[H\x1b[2J" + this.redraw());
    }
  }

  #reset(): void {
    this.#chars = [];
    this.#cursor = 0;
    this.#scroll = 0;
    this.#prompt = "";
    this.#promptWidth = 0;
    this.#active = false;
    this.#draft = [];
    this.#historyAt = this.#history.length;
  }

  #deleteAt(i: number): string {
    if (i < 0 || i >= this.#chars.length) return "";
    this.#chars.splice(i, 1);
    return this.redraw();
  }

  #moveTo(i: number): string {
    const to = Math.min(Math.max(i, 0), this.#chars.length);
    if (to === this.#cursor) return "";
    this.#cursor = to;
    return this.redraw();
  }

  #wordStart(): number {
    let i = this.#cursor;
    while (i > 0 && this.#chars[i - 1] === " ") i--;
    while (i > 0 && this.#chars[i - 1] !== " ") i--;
    return i;
  }

  #remember(line: string): void {
    const h = this.#history;
    if (line.trim() === "" || h[h.length - 1] === line) return;
    h.push(line);
    if (h.length > this.#historySize) h.splice(0, h.length - this.#historySize);
  }

  /** Steps through the history; the line being typed is kept as a draft below the newest. */
  #recall(step: -1 | 1): string {
    const h = this.#history;
    const at = this.#historyAt + step;
    if (at < 0 || at > h.length) return "";
    if (this.#historyAt === h.length) this.#draft = this.#chars;
    this.#historyAt = at;
    this.#chars = at === h.length ? this.#draft : [...h[at]];
    this.#cursor = this.#chars.length;
    return this.redraw();
  }
}

/** Options of TerminalLines. */
export interface TerminalLinesOptions {
  /** Writes to the terminal. */
  readonly write: (text: string) => void;
  /** Called at once for Ctrl-C, which a raw-mode terminal no longer turns into SIGINT. */
  readonly onInterrupt: () => void;
}

/**
 * The lines a user types on a raw-mode terminal, as an async iterable for CommandLoop.
 * Bytes arrive through push(); keys are applied only while a line is awaited (after the
 * loop has shown its prompt), so text typed ahead appears after the next prompt. Ctrl-C is
 * passed on at once, even while a command runs.
 */
export class TerminalLines implements AsyncIterable<string> {
  readonly #editor: LineEditor;
  readonly #opts: TerminalLinesOptions;
  readonly #decoder = new KeyDecoder();
  readonly #keys: Key[] = [];
  #waiter: ((r: IteratorResult<string>) => void) | null = null;
  #inputEnded = false;
  #done = false;

  constructor(editor: LineEditor, opts: TerminalLinesOptions) {
    this.#editor = editor;
    this.#opts = opts;
  }

  /** Feeds bytes read from the terminal. */
  push(bytes: Uint8Array | string): void {
    for (const key of this.#decoder.decode(bytes)) {
      if (key.name === "ctrl-c") {
        this.#opts.write(this.#editor.finish("^C"));
        this.#opts.onInterrupt();
      } else {
        this.#keys.push(key);
      }
    }
    this.#pump();
  }

  /** The terminal reached end of input (hang-up): no more lines. */
  end(): void {
    this.#inputEnded = true;
    this.#pump();
  }

  /** Stops: a pending or later read returns done, and further input is ignored. */
  close(): void {
    this.#done = true;
    this.#keys.length = 0;
    this.#settle({ done: true, value: undefined });
  }

  #settle(r: IteratorResult<string>): void {
    const w = this.#waiter;
    this.#waiter = null;
    w?.(r);
  }

  #pump(): void {
    while (this.#waiter && !this.#done) {
      const key = this.#keys.shift();
      if (!key) {
        if (this.#inputEnded) this.#settle({ done: true, value: undefined });
        return;
      }
      const step = this.#editor.press(key);
      if (step.output) this.#opts.write(step.output);
      if (step.event?.kind === "line") this.#settle({ done: false, value: step.event.line });
      else if (step.event?.kind === "eof") this.close();
    }
  }

  [Symbol.asyncIterator](): AsyncIterator<string> {
    return {
      next: () => {
        if (this.#done) return Promise.resolve({ done: true, value: undefined });
        if (this.#waiter) return Promise.reject(new Error("A line is already being read"));
        const p = new Promise<IteratorResult<string>>((resolve) => (this.#waiter = resolve));
        this.#pump();
        return p;
      },
    };
  }
}
