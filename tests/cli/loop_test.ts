import { assert, assertEquals } from "../helpers/assert.ts";
import { CommandLoop, EDIT_HELP, LOOP_HELP } from "../../lib/cli/loop.ts";
import type { Node } from "../../lib/cli/run_node.ts";
import type { WalletEvent } from "../../lib/cli/wallet_events.ts";
import { MAX_LINE_CHARS, Output } from "../../lib/cli/output.ts";
import { LineEditor, TerminalLines } from "../../lib/cli/line_editor.ts";

/** Just enough of a Node for commands that do not touch the ledger: h, q, events. */
function fakeNode(): { node: Node; emit: (e: WalletEvent) => void } {
  let listener: (e: WalletEvent) => void = () => {};
  const node = {
    onWalletEvent(fn: (e: WalletEvent) => void) {
      listener = fn;
    },
  } as unknown as Node;
  return { node, emit: (e) => listener(e) };
}

async function* linesOf(...lines: string[]): AsyncGenerator<string> {
  for (const l of lines) yield l;
}

/** Yields `lines`, then waits for ever (a terminal nobody types on). */
async function* thenSilence(...lines: string[]): AsyncGenerator<string> {
  for (const l of lines) yield l;
  await new Promise(() => {});
}

Deno.test("CommandLoop.run() on a pipe writes no prompts and ends at q or end of input", async () => {
  let text = "";
  const out = new Output((t) => (text += t), { interactive: false, colour: false });
  assertEquals(
    await new CommandLoop(fakeNode().node, out, linesOf("h", "", "q", "h")).run(),
    "quit",
  );
  assertEquals(text, LOOP_HELP + "\n");
  text = "";
  assertEquals(await new CommandLoop(fakeNode().node, out, linesOf("zz")).run(), "eof");
  assertEquals(text, `Unknown command "zz"; type h for help.\n`);
});

Deno.test("CommandLoop.run() on a terminal prompts and lists the editing keys with h", async () => {
  let text = "";
  const out = new Output((t) => (text += t), { interactive: true, colour: false });
  assertEquals(await new CommandLoop(fakeNode().node, out, linesOf("h")).run(), "eof");
  assertEquals(text, `crackcoin> ${LOOP_HELP}\n${EDIT_HELP}\ncrackcoin> `);
});

Deno.test("CommandLoop.run() stops at an abort even while a prompted t waits", async () => {
  let text = "";
  const out = new Output((t) => (text += t), { interactive: true, colour: false });
  const stop = new AbortController();
  const running = new CommandLoop(fakeNode().node, out, thenSilence("t")).run(stop.signal);
  await new Promise((r) => setTimeout(r, 10));
  assert(text.endsWith("Send to address: "), text);
  stop.abort();
  assertEquals(await running, "aborted");
  assertEquals(
    await new CommandLoop(fakeNode().node, out, linesOf("h")).run(stop.signal),
    "aborted",
  );
});

Deno.test("CommandLoop events on a terminal keep the line being typed", async () => {
  let text = "";
  const editor = new LineEditor();
  const out = new Output((t) => (text += t), { interactive: true, colour: false, input: editor });
  const lines = new TerminalLines(editor, { write: (t) => (text += t), onInterrupt: () => {} });
  const { node, emit } = fakeNode();
  const running = new CommandLoop(node, out, lines).run();
  lines.push("l 5");
  await new Promise((r) => setTimeout(r, 0));
  const before = text.length;
  emit({
    kind: "received",
    txid: "ab".repeat(32),
    effect: { direction: "received", amount: 777n, counterparty: "Cpayer", payees: 0 },
  });
  assertEquals(
    text.slice(before),
    "\r\x1b[2KPayment received: +777 from Cpayer in abababababababab (pending)\n" +
      editor.redraw(),
  );
  assertEquals(editor.text, "l 5");
  lines.push("\x15q\r");
  assertEquals(await running, "quit");
});

Deno.test("CommandLoop refuses an overlong line and strips control bytes from what it echoes", async () => {
  let text = "";
  const out = new Output((t) => (text += t), { interactive: false, colour: false });
  const long = "i" + " ".repeat(MAX_LINE_CHARS);
  assertEquals(
    await new CommandLoop(fakeNode().node, out, linesOf(long, "\x1b[31mzz\x07\x9b")).run(),
    "eof",
  );
  assertEquals(
    text,
    `Line too long (over ${MAX_LINE_CHARS} characters); ignored.\n` +
      `Unknown command "[31mzz"; type h for help.\n`,
  );
  // deno-lint-ignore no-control-regex
  assert(!/[\x00-\x08\x0b-\x1f\x7f-\x9f]/.test(text), JSON.stringify(text));
});

Deno.test("CommandLoop refuses a bad l argument instead of showing 15 rows", async () => {
  let text = "";
  const out = new Output((t) => (text += t), { interactive: false, colour: false });
  await new CommandLoop(fakeNode().node, out, linesOf("l x", "l -1", "l 1001", "l 2 3")).run();
  const lines = text.trimEnd().split("\n");
  assertEquals(lines.length, 4, text);
  for (const bad of ["x", "-1", "1001"]) {
    assert(lines.some((l) => l.startsWith(`Invalid count "${bad}"`)), text);
  }
  assert(lines.includes("Usage: l [N]"), text);
});

Deno.test("CommandLoop.cancelQuestion() ends a question of t only; the loop goes on", async () => {
  let text = "";
  const editor = new LineEditor();
  const out = new Output((t) => (text += t), { interactive: true, colour: false, input: editor });
  const lines = new TerminalLines(editor, { write: (t) => (text += t), onInterrupt: () => {} });
  const loop = new CommandLoop(fakeNode().node, out, lines);
  assertEquals(loop.cancelQuestion(), false);
  const running = loop.run();
  lines.push("t\r");
  await new Promise((r) => setTimeout(r, 10));
  assert(text.endsWith("Send to address: \x1b[K\r\x1b[17C"), JSON.stringify(text));
  assertEquals(loop.cancelQuestion(), true);
  await new Promise((r) => setTimeout(r, 10));
  assert(text.includes("Cancelled; nothing was sent.\n"), text);
  assertEquals(loop.cancelQuestion(), false);
  lines.push("h\r");
  await new Promise((r) => setTimeout(r, 10));
  assert(text.includes(LOOP_HELP), text);
  lines.push("q\r");
  assertEquals(await running, "quit");
});
