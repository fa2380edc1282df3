import { assertEquals } from "../helpers/assert.ts";
import {
  type InputView,
  Output,
  type OutputOptions,
  tieBreakOf,
  whyWon,
} from "../../lib/cli/output.ts";

function capture(opts: OutputOptions): { out: Output; text: () => string } {
  let text = "";
  return { out: new Output((t) => (text += t), opts), text: () => text };
}

/** An input view that records calls and draws itself as a marker. */
class FakeInput implements InputView {
  active = false;
  prompt = "";
  begin(prompt: string): string {
    this.active = true;
    this.prompt = prompt;
    return `<begin ${prompt}>`;
  }
  redraw(): string {
    return `<redraw ${this.prompt}>`;
  }
  finish(mark = ""): string {
    if (!this.active) return "";
    this.active = false;
    return `<finish${mark}>`;
  }
}

Deno.test("Output on a pipe writes no prompts and plain events", () => {
  const { out, text } = capture({ interactive: false, colour: false });
  out.prompt();
  out.ask("Send to address: ");
  out.event(out.paint("green", "Payment received: +5"));
  out.aside(() => out.line("log"));
  out.finishInput();
  out.line("done");
  assertEquals(text(), "Payment received: +5\nlog\ndone\n");
});

Deno.test("Output.paint() colours only when colours are on", () => {
  assertEquals(
    capture({ interactive: true, colour: true }).out.paint("red", "x"),
    "\x1b[31mx\x1b[39m",
  );
  assertEquals(capture({ interactive: true, colour: false }).out.paint("red", "x"), "x");
});

Deno.test("Output.event() without an editor clears and redraws a shown prompt", () => {
  const { out, text } = capture({ interactive: true, colour: false });
  out.prompt();
  out.event("e1");
  out.line("result");
  out.event("e2");
  assertEquals(text(), "crackcoin> \r\x1b[2Ke1\ncrackcoin> result\ne2\n");
});

Deno.test("Output.event() and aside() with an editor redraw its line, and only when shown", () => {
  const input = new FakeInput();
  const { out, text } = capture({ interactive: true, colour: true, input });
  out.prompt();
  out.event("e1");
  out.aside(() => out.line("warn"));
  assertEquals(
    text(),
    "<begin \x1b[36mcrackcoin> \x1b[39m>\r\x1b[2Ke1\n<redraw \x1b[36mcrackcoin> \x1b[39m>" +
      "\r\x1b[2Kwarn\n<redraw \x1b[36mcrackcoin> \x1b[39m>",
  );
  input.active = false; // Enter was pressed
  const before = text().length;
  out.event("e2");
  out.ask("Amount (base units): ");
  out.event("e3");
  out.finishInput("!");
  out.finishInput();
  assertEquals(
    text().slice(before),
    "e2\n<begin Amount (base units): >\r\x1b[2Ke3\n<redraw Amount (base units): ><finish!>",
  );
});

Deno.test("whyWon() prints a weight of 0 as 0, names the tie-break, and explains a lighter winner", () => {
  const a = "aa".repeat(32), b = "bb".repeat(32), p = "cc".repeat(32), r = "dd".repeat(32);
  // A confirmed spend against one nobody confirmed yet: "0", not "2^0" (weight 1).
  assertEquals(
    whyWon({ txid: a, work: 24, weight: 1n << 24n }, { txid: b, work: 0, weight: 0n }),
    "more weight: weight 2^24 against 0",
  );
  // Neither confirmed; without order keys the rule's later keys are listed.
  assertEquals(
    whyWon({ txid: a, work: 0, weight: 0n }, { txid: b, work: 0, weight: 0n }),
    "equal weight (0) on both sides; the smaller best hash, then the lower height, then the " +
      "lower txid decide",
  );
  // With the order keys, the one that decided.
  const key = (txid: string, height: number, best: string | null = null) => ({
    txid,
    weight: 0n,
    best,
    height,
  });
  const side = (txid: string, height: number, best: string | null = null, weight = 0n) => ({
    txid,
    work: 0,
    weight,
    key: { ...key(txid, height, best), weight },
  });
  assertEquals(
    whyWon(side(a, 1), side(b, 1)),
    "equal weight (0) on both sides; the lower txid decided",
  );
  assertEquals(
    whyWon(side(b, 1), side(a, 2)),
    "equal weight (0) on both sides; the lower height (1 against 2) decided",
  );
  const w = 3n << 22n;
  assertEquals(
    whyWon({ ...side(b, 3, "01", w), work: 23 }, { ...side(a, 1, "02", w), work: 23 }),
    "equal weight (2^23) on both sides; the smaller best hash decided",
  );
  assertEquals(tieBreakOf(key(a, 1, "01"), key(b, 1, "02")), "the smaller best hash");
  // Same ⌊log2⌋, different exact weights: two decimals show the difference.
  assertEquals(
    whyWon({ txid: a, work: 23, weight: w * 2n - 1n }, { txid: b, work: 23, weight: w }),
    `more weight: weight 2^${
      (Math.floor(Math.log2(Number(w * 2n - 1n)) * 100) / 100).toFixed(2)
    } ` +
      `against 2^${(Math.floor(Math.log2(Number(w)) * 100) / 100).toFixed(2)}`,
  );
  // One weight only a lower bound: the exact weight decided, at equal ⌊log2⌋.
  assertEquals(
    whyWon({ txid: a, work: 23, weight: w, weightExact: false }, { txid: b, work: 23, weight: w }),
    "weight 2^23 on both sides: the exact cumulative weight, or on a tie the smaller best hash",
  );
  // A lighter winner: the loser lost through a parent, or another coin to a rival.
  const light = { txid: a, work: 0, weight: 0n }, heavy = { txid: b, work: 26, weight: 1n << 26n };
  assertEquals(
    whyWon(light, heavy, { parent: p }),
    `the conflict rule, with less weight (0 against 2^26): ${b.slice(0, 16)} spends ` +
      `${p.slice(0, 16)}, which lost a double spend`,
  );
  assertEquals(
    whyWon(light, heavy, { rival: r }),
    `the conflict rule, with less weight (0 against 2^26): ${b.slice(0, 16)} loses another of ` +
      `its coins to ${r.slice(0, 16)}`,
  );
  assertEquals(
    whyWon(light, heavy),
    `the conflict rule, with less weight (0 against 2^26): ${b.slice(0, 16)} depends on a ` +
      "transaction that lost a conflict",
  );
  // Equal weight, the loser first by a tie-break: it lost through its parent, not the tie.
  assertEquals(
    whyWon(side(b, 2), side(a, 1), { parent: p }),
    `the conflict rule, though ${a.slice(0, 16)} comes first in the rule's order: ${
      a.slice(0, 16)
    } ` +
      `spends ${p.slice(0, 16)}, which lost a double spend`,
  );
  // Lighter with the same ⌊log2⌋: two decimals, not "2^26 against 2^26".
  const w26 = 1n << 26n;
  assertEquals(
    whyWon({ txid: a, work: 26, weight: w26 + w26 / 64n }, {
      txid: b,
      work: 26,
      weight: w26 + w26 / 2n,
    }, { parent: p }),
    `the conflict rule, with less weight (2^26.02 against 2^26.58): ${b.slice(0, 16)} spends ` +
      `${p.slice(0, 16)}, which lost a double spend`,
  );
  // Without weights, as before.
  assertEquals(
    whyWon({ txid: a, work: 24 }, { txid: b, work: 21 }),
    "more weight: weight 2^24 against 2^21",
  );
});
