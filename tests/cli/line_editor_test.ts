import { assert, assertEquals } from "../helpers/assert.ts";
import { type Key, KeyDecoder } from "../../lib/cli/terminal_keys.ts";
import { type EditEvent, LineEditor, TerminalLines } from "../../lib/cli/line_editor.ts";
import { Output } from "../../lib/cli/output.ts";

/**
 * A tiny terminal model: enough of ECMA-48 to check what the editor draws (CR, LF with the
 * tty's CR LF mapping, BS, EL, CUF, CUB, CUP home, ED; SGR is ignored).
 */
class Screen {
  rows: string[][] = [[]];
  row = 0;
  col = 0;
  constructor(readonly width = 80) {}

  write(text: string): void {
    for (let i = 0; i < text.length; i++) {
      const c = text[i];
      if (c === "\x1b") {
        // deno-lint-ignore no-control-regex
        const m = text.slice(i).match(/^\x1b\[([0-9;]*)([A-Za-z])/);
        if (!m) throw new Error(`unexpected escape ${JSON.stringify(text.slice(i, i + 8))}`);
        i += m[0].length - 1;
        const n = m[1] === "" ? 1 : Number(m[1].split(";")[0]);
        const line = this.rows[this.row];
        switch (m[2]) {
          case "K":
            if (m[1] === "2") line.length = 0;
            else line.length = Math.min(line.length, this.col);
            break;
          case "C":
            this.col = Math.min(this.col + n, this.width - 1);
            break;
          case "D":
            this.col = Math.max(this.col - n, 0);
            break;
          case "H":
            this.row = 0;
            this.col = 0;
            break;
          case "J":
            this.rows = [[]];
            break;
          case "m":
            break;
          default:
            throw new Error(`unexpected CSI ${m[0]}`);
        }
      } else if (c === "\r") {
        this.col = 0;
      } else if (c === "\n") {
        this.col = 0;
        this.row++;
        this.rows[this.row] ??= [];
      } else if (c === "\b") {
        this.col = Math.max(this.col - 1, 0);
      } else {
        assert(c >= " ", `control character ${c.charCodeAt(0)} written`);
        if (this.col >= this.width) throw new Error("the line wrapped");
        const line = this.rows[this.row];
        while (line.length < this.col) line.push(" ");
        line[this.col++] = c;
      }
    }
  }

  /** The screen's lines, trailing blanks trimmed. */
  lines(): string[] {
    return this.rows.map((r) => r.join("").trimEnd());
  }

  /** The line under the cursor. */
  current(): string {
    return this.lines()[this.row];
  }
}

/** Feeds `input` to an editor key by key, drawing on `screen`; returns the events. */
function type(ed: LineEditor, screen: Screen, input: string): EditEvent[] {
  const events: EditEvent[] = [];
  for (const key of new KeyDecoder().decode(input)) {
    const step = ed.press(key);
    screen.write(step.output);
    if (step.event) events.push(step.event);
  }
  return events;
}

function names(keys: Key[]): string[] {
  return keys.map((k) => k.name === "text" ? `text:${k.text}` : k.name);
}

const LEFT = "\x1b[D", RIGHT = "\x1b[C", UP = "\x1b[A", DOWN = "\x1b[B";

Deno.test("KeyDecoder.decode() names editing keys in their common encodings", () => {
  const d = new KeyDecoder();
  assertEquals(
    names(d.decode("ab\x7f\b\x1b[3~\x1b[D\x1b[C\x1b[H\x1b[F\x1bOH\x1bOF\x1b[1~\x1b[4~")),
    [
      "text:ab",
      "backspace",
      "backspace",
      "delete",
      "left",
      "right",
      "home",
      "end",
      "home",
      "end",
      "home",
      "end",
    ],
  );
  assertEquals(
    names(d.decode("\x01\x05\x02\x06\x15\x0b\x17\x04\x03\x0c\x10\x0e\x1b[A\x1b[B\r")),
    [
      "home",
      "end",
      "left",
      "right",
      "kill-start",
      "kill-end",
      "kill-word",
      "ctrl-d",
      "ctrl-c",
      "clear",
      "up",
      "down",
      "up",
      "down",
      "enter",
    ],
  );
  assertEquals(names(d.decode("\x1b[1;5D\x1b[1;5C\x1bb\x1bf")), [
    "word-left",
    "word-right",
    "word-left",
    "word-right",
  ]);
});

Deno.test("KeyDecoder.decode() keeps escape sequences and UTF-8 split across reads", () => {
  const d = new KeyDecoder();
  assertEquals(names(d.decode("x\x1b")), ["text:x"]);
  assertEquals(names(d.decode("[")), []);
  assertEquals(names(d.decode("3")), []);
  assertEquals(names(d.decode("~y")), ["delete", "text:y"]);
  const bytes = new TextEncoder().encode("é€");
  assertEquals(names(d.decode(bytes.subarray(0, 1))), []);
  assertEquals(names(d.decode(bytes.subarray(1, 4))), ["text:é"]);
  assertEquals(names(d.decode(bytes.subarray(4))), ["text:€"]);
});

Deno.test("KeyDecoder.decode() reads CR LF as one Enter and drops unknown sequences", () => {
  const d = new KeyDecoder();
  assertEquals(names(d.decode("a\r")), ["text:a", "enter"]);
  assertEquals(names(d.decode("\nb\n\n")), ["text:b", "enter", "enter"]);
  assertEquals(names(d.decode("\x1b[15~\x1b[Zc\x1bxd\t\x00\x9b")), ["text:c", "text:xd"]);
});

Deno.test("LineEditor.press() inserts, deletes and moves, and Enter returns the line", () => {
  const s = new Screen();
  const ed = new LineEditor();
  s.write(ed.begin("> "));
  assertEquals(type(ed, s, "ix\x7f"), []);
  assertEquals([s.current(), s.col], ["> i", 3]);
  assertEquals(type(ed, s, "\r"), [{ kind: "line", line: "i" }]);
  assertEquals([s.row, s.col, ed.active], [1, 0, false]);

  s.write(ed.begin("> "));
  type(ed, s, `ac${LEFT}b`);
  assertEquals([ed.text, ed.cursor, s.current(), s.col], ["abc", 2, "> abc", 4]);
  type(ed, s, `\x01X\x05Y\x1b[HZ\x1b[3~`);
  assertEquals([s.current(), s.col], ["> ZabcY", 3]);
  type(ed, s, `${RIGHT}${RIGHT}\x7f\x7f\x7f\x7f`);
  assertEquals([s.current(), s.col, ed.text], ["> cY", 2, "cY"]);
  type(ed, s, `\x15`);
  assertEquals([s.current(), s.col, ed.text], ["> cY", 2, "cY"]);
  type(ed, s, `\x05\x15t one two\x17`);
  assertEquals([s.current(), s.col, ed.text], ["> t one", 8, "t one "]);
  type(ed, s, `\x01${RIGHT}\x0b`);
  assertEquals([s.current(), ed.text], ["> t", "t"]);
  // Moving past either end changes nothing.
  type(ed, s, `${RIGHT}${RIGHT}\x01${LEFT}\x7f`);
  assertEquals([s.current(), s.col], ["> t", 2]);
});

Deno.test("LineEditor.press() moves by words and clears the screen on Ctrl-L", () => {
  const s = new Screen();
  const ed = new LineEditor();
  s.write(ed.begin("> "));
  type(ed, s, "t  Caddr 15\x1b[1;5D");
  assertEquals(ed.cursor, 9);
  type(ed, s, "\x1bb");
  assertEquals(ed.cursor, 3);
  type(ed, s, "\x1bf\x1bf\x1bf");
  assertEquals(ed.cursor, 11);
  s.write("junk\n");
  type(ed, s, "\x0c");
  assertEquals([s.lines(), s.row, s.col], [["> t  Caddr 15"], 0, 13]);
});

Deno.test("LineEditor.press() recalls history with Up and Down, keeping the draft", () => {
  const s = new Screen();
  const ed = new LineEditor({ historySize: 3 });
  for (const cmd of ["i", "l 5", "l 5", "", "  ", "m", "p"]) {
    s.write(ed.begin("> "));
    type(ed, s, cmd + "\r");
  }
  assertEquals(ed.history, ["l 5", "m", "p"]);
  s.write(ed.begin("> "));
  type(ed, s, "dra");
  type(ed, s, UP);
  assertEquals([s.current(), s.col], ["> p", 3]);
  type(ed, s, UP + UP + UP + UP);
  assertEquals(s.current(), "> l 5");
  type(ed, s, DOWN + "\x10");
  assertEquals(s.current(), "> l 5");
  type(ed, s, DOWN + DOWN + "\x0e");
  assertEquals([s.current(), s.col], ["> dra", 5]);
  type(ed, s, DOWN);
  assertEquals(s.current(), "> dra");
  // A recalled line can be edited and sent; the history entry stays as it was.
  type(ed, s, UP + UP + "7");
  assertEquals(type(ed, s, "\r"), [{ kind: "line", line: "m7" }]);
  assertEquals(ed.history, ["m", "p", "m7"]);
});

Deno.test("LineEditor.press() treats Ctrl-D as end of input on an empty line only", () => {
  const s = new Screen();
  const ed = new LineEditor();
  s.write(ed.begin("> "));
  assertEquals(type(ed, s, `ab${LEFT}\x04`), []);
  assertEquals(s.current(), "> a");
  assertEquals(type(ed, s, "\x04"), []);
  assertEquals(type(ed, s, "\x7f\x04"), [{ kind: "eof" }]);
  assertEquals([ed.active, s.row], [false, 1]);
  assertEquals(type(ed, s, "\x03"), [{ kind: "interrupt" }]);
});

Deno.test("LineEditor.redraw() scrolls a line wider than the terminal sideways", () => {
  const s = new Screen(20);
  const ed = new LineEditor({ columns: () => 20 });
  s.write(ed.begin("\x1b[36m> \x1b[39m"));
  const text = "abcdefghijklmnopqrstuvwxyz0123456789";
  type(ed, s, text);
  assert(s.current().length < 20, s.current());
  assertEquals(s.current(), "> " + text.slice(-17));
  assertEquals(s.col, 19);
  type(ed, s, "\x01");
  assertEquals([s.current(), s.col], ["> " + text.slice(0, 17), 2]);
  type(ed, s, "\x0b");
  assertEquals([s.current(), s.col, ed.text], [">", 2, ""]);
  assertEquals(type(ed, s, "ok\r"), [{ kind: "line", line: "ok" }]);
});

Deno.test("LineEditor.finish() leaves the line on the screen with a mark", () => {
  const s = new Screen();
  const ed = new LineEditor();
  s.write(ed.begin("> "));
  type(ed, s, `half${LEFT}${LEFT}`);
  s.write(ed.finish("^C"));
  assertEquals([s.lines(), s.row, ed.active, ed.text], [["> half^C", ""], 1, false, ""]);
  assertEquals(ed.finish(), "");
});

Deno.test("TerminalLines applies keys only while a line is read, and ends on Ctrl-D", async () => {
  const s = new Screen();
  const ed = new LineEditor();
  let interrupts = 0;
  const lines = new TerminalLines(ed, {
    write: (t) => s.write(t),
    onInterrupt: () => interrupts++,
  });
  const it = lines[Symbol.asyncIterator]();
  lines.push("i\rm");
  assertEquals(s.lines(), [""]); // typed ahead, not yet drawn
  s.write(ed.begin("> "));
  assertEquals(await it.next(), { done: false, value: "i" });
  assertEquals(s.lines(), ["> i", ""]);
  s.write(ed.begin("> "));
  const pending = it.next();
  lines.push("\x03");
  assertEquals(interrupts, 1);
  assertEquals(s.lines(), ["> i", "> m^C", ""]);
  lines.push("\rx\r\x04");
  assertEquals(await pending, { done: false, value: "" });
  assertEquals(await it.next(), { done: false, value: "x" });
  assertEquals(await it.next(), { done: true, value: undefined });
  assertEquals(await it.next(), { done: true, value: undefined });
});

Deno.test("TerminalLines ends at a hang-up and close() releases a waiting read", async () => {
  const ed = new LineEditor();
  const lines = new TerminalLines(ed, { write: () => {}, onInterrupt: () => {} });
  const it = lines[Symbol.asyncIterator]();
  lines.push("b\r");
  lines.end();
  assertEquals(await it.next(), { done: false, value: "b" });
  assertEquals(await it.next(), { done: true, value: undefined });

  const other = new TerminalLines(new LineEditor(), { write: () => {}, onInterrupt: () => {} });
  const oit = other[Symbol.asyncIterator]();
  const waiting = oit.next();
  other.close();
  assertEquals(await waiting, { done: true, value: undefined });
  other.push("late\r");
  assertEquals(await oit.next(), { done: true, value: undefined });
});

Deno.test("Output.event() redraws the prompt, the partial input and the cursor", () => {
  const s = new Screen();
  const ed = new LineEditor();
  const out = new Output((t) => s.write(t), { interactive: true, colour: true, input: ed });
  out.line("Address: Cxyz");
  out.prompt();
  type(ed, s, `l 5${LEFT}${LEFT}`);
  out.event(out.paint("green", "Payment received: +777 in 0123456789abcdef (pending)"));
  out.aside(() => s.write("warn: something\n"));
  assertEquals(s.lines(), [
    "Address: Cxyz",
    "Payment received: +777 in 0123456789abcdef (pending)",
    "warn: something",
    "crackcoin> l 5",
  ]);
  assertEquals(s.col, "crackcoin> l".length);
  assertEquals(type(ed, s, "\r"), [{ kind: "line", line: "l 5" }]);
  out.line("result");
  out.event("Transaction 0123456789abcdef confirmed (+777)");
  out.ask("Amount (base units): ");
  type(ed, s, "12");
  out.event("later");
  assertEquals(s.lines().slice(4), [
    "result",
    "Transaction 0123456789abcdef confirmed (+777)",
    "later",
    "Amount (base units): 12",
  ]);
  out.finishInput();
  out.line("Stopped.");
  assertEquals(s.lines().slice(6), ["later", "Amount (base units): 12", "Stopped.", ""]);
});
