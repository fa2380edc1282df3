import { assertEquals, assertThrows } from "../helpers/assert.ts";
import { isValidAmount, MAX_SUPPLY, parseAmount } from "../../lib/core/amount.ts";

Deno.test("parseAmount() reads whole numbers of base units", () => {
  const cases: [string, bigint][] = [
    ["1", 1n],
    ["25", 25n],
    ["  42 ", 42n],
    ["007", 7n],
    ["2100000000000000", MAX_SUPPLY],
    ["999999999999999", 999_999_999_999_999n],
  ];
  for (const [text, value] of cases) assertEquals(parseAmount(text), value, text);
});

Deno.test("parseAmount() throws RangeError with a message fit for the user", () => {
  const cases: [string, string][] = [
    ["", "expected a whole number"],
    ["0", "must be at least 1"],
    ["000", "must be at least 1"],
    ["-5", "expected a whole number"],
    ["1.5", "expected a whole number"],
    ["1e3", "expected a whole number"],
    ["0x10", "expected a whole number"],
    ["12 34", "expected a whole number"],
    ["١٢", "expected a whole number"],
    ["2100000000000001", "exceeds the total supply"],
    ["99999999999999999999", "expected a whole number"],
  ];
  for (const [text, message] of cases) {
    assertThrows(() => parseAmount(text), RangeError, `Invalid amount "${text}": ${message}`);
  }
});

Deno.test("isValidAmount() accepts exactly 1..MAX_SUPPLY", () => {
  const cases: [bigint, boolean][] = [
    [0n, false],
    [1n, true],
    [MAX_SUPPLY, true],
    [MAX_SUPPLY + 1n, false],
    [-1n, false],
  ];
  for (const [v, ok] of cases) assertEquals(isValidAmount(v), ok, String(v));
  assertEquals(isValidAmount(5 as unknown as bigint), false);
});
