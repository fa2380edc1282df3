/**
 * Terminal key decoding for the line editor: raw-mode input bytes (UTF-8 text, control
 * characters, CSI and SS3 escape sequences) become named keys.
 * @module
 */

/** Names of the editing keys the decoder knows. */
export type KeyName =
  | "enter"
  | "backspace"
  | "delete"
  | "left"
  | "right"
  | "word-left"
  | "word-right"
  | "home"
  | "end"
  | "up"
  | "down"
  | "kill-start"
  | "kill-end"
  | "kill-word"
  | "ctrl-d"
  | "ctrl-c"
  | "clear";

/** One decoded key press, or a run of printable text. */
export type Key = { readonly name: "text"; readonly text: string } | { readonly name: KeyName };

// Single control bytes, as xterm-compatible terminals send them in raw mode (Emacs bindings).
const CONTROL: Readonly<Record<string, KeyName>> = {
  "\r": "enter",
  "\n": "enter",
  "\x7f": "backspace",
  "\b": "backspace",
  "\x01": "home",
  "\x05": "end",
  "\x02": "left",
  "\x06": "right",
  "\x10": "up",
  "\x0e": "down",
  "\x15": "kill-start",
  "\x0b": "kill-end",
  "\x17": "kill-word",
  "\x04": "ctrl-d",
  "\x03": "ctrl-c",
  "\x0c": "clear",
};

// ECMA-48 CSI and SS3 final bytes, and the VT220 `ESC [ n ~` keys.
const FINAL: Readonly<Record<string, KeyName>> = {
  A: "up",
  B: "down",
  C: "right",
  D: "left",
  H: "home",
  F: "end",
};
const TILDE: Readonly<Record<string, KeyName>> = {
  "1": "home",
  "7": "home",
  "4": "end",
  "8": "end",
  "3": "delete",
};

/** Longest escape sequence kept while waiting for its end; longer ones are dropped. */
const MAX_ESCAPE_CHARS = 32;

/** Turns terminal input bytes into keys, keeping sequences split across reads. */
export class KeyDecoder {
  readonly #utf8 = new TextDecoder();
  #pending = "";
  #afterCr = false;

  /**
   * Decodes the next chunk of input.
   * @example
   * ```ts
   * import { KeyDecoder } from "./terminal_keys.ts";
   * const keys = new KeyDecoder().decode(new TextEncoder().encode("ab\x1b[D\r"));
   * if (keys.map((k) => k.name).join() !== "text,left,enter") throw new Error("decode");
   * ```
   */
  decode(input: Uint8Array | string): Key[] {
    const s = this.#pending +
      (typeof input === "string" ? input : this.#utf8.decode(input, { stream: true }));
    this.#pending = "";
    const keys: Key[] = [];
    let text = "";
    const flush = () => {
      if (text) keys.push({ name: "text", text });
      text = "";
    };
    let i = 0;
    while (i < s.length) {
      const c = s[i];
      if (c === "\x1b") {
        const esc = parseEscape(s, i);
        if (esc === null) {
          if (s.length - i <= MAX_ESCAPE_CHARS) this.#pending = s.slice(i);
          break;
        }
        flush();
        if (esc.key) keys.push({ name: esc.key });
        i = esc.end;
        this.#afterCr = false;
        continue;
      }
      // A CR LF pair (a paste from some terminals) is one Enter, not two.
      const skip = c === "\n" && this.#afterCr;
      this.#afterCr = c === "\r";
      i++;
      if (skip) continue;
      const name = CONTROL[c];
      if (name) {
        flush();
        keys.push({ name });
      } else if (c >= " " && !(c >= "\x80" && c <= "\x9f")) {
        text += c;
      }
    }
    flush();
    return keys;
  }
}

/** Parses the escape sequence at `s[i]`; null when it is not complete yet. */
function parseEscape(s: string, i: number): { key: KeyName | null; end: number } | null {
  if (i + 1 >= s.length) return null;
  const kind = s[i + 1];
  if (kind === "[") {
    let j = i + 2;
    while (j < s.length && s.charCodeAt(j) >= 0x20 && s.charCodeAt(j) <= 0x3f) j++;
    if (j >= s.length) return null;
    const final = s[j];
    const params = s.slice(i + 2, j).split(";");
    if (final === "~") return { key: TILDE[params[0]] ?? null, end: j + 1 };
    let key: KeyName | null = FINAL[final] ?? null;
    // Ctrl (5) or Alt (3) with an arrow moves by words (xterm modifier encoding).
    const mod = params[1];
    if ((mod === "5" || mod === "3") && (key === "left" || key === "right")) {
      key = key === "left" ? "word-left" : "word-right";
    }
    return { key, end: j + 1 };
  }
  if (kind === "O") {
    if (i + 2 >= s.length) return null;
    return { key: FINAL[s[i + 2]] ?? null, end: i + 3 };
  }
  // Meta (ESC prefix) bindings; any other ESC is dropped and the next byte read as usual.
  if (kind === "b") return { key: "word-left", end: i + 2 };
  if (kind === "f") return { key: "word-right", end: i + 2 };
  if (kind === "\x7f") return { key: "kill-word", end: i + 2 };
  return { key: null, end: i + 1 };
}
