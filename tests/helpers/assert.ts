/**
 * Minimal assertions (JSR's @std/assert cannot be reached from our machines).
 * @module
 */
import { isDeepStrictEqual } from "node:util";

/** Thrown when an assertion fails. */
export class AssertionError extends Error {
  override name = "AssertionError";
}

function show(v: unknown): string {
  return Deno.inspect(v, { depth: 6, iterableLimit: 20, strAbbreviateSize: 200 });
}

/** Asserts deep equality (Maps, Sets, typed arrays and bigints included). */
export function assertEquals<T>(actual: T, expected: T, msg?: string): void {
  if (!isDeepStrictEqual(actual, expected)) {
    throw new AssertionError(
      `${msg ? msg + ": " : ""}values differ\nactual:   ${show(actual)}\nexpected: ${
        show(expected)
      }`,
    );
  }
}

/** Asserts that two values are not deeply equal. */
export function assertNotEquals<T>(actual: T, expected: T, msg?: string): void {
  if (isDeepStrictEqual(actual, expected)) {
    throw new AssertionError(`${msg ? msg + ": " : ""}values are equal: ${show(actual)}`);
  }
}

/** Asserts a truthy value. */
export function assert(cond: unknown, msg = "assertion failed"): asserts cond {
  if (!cond) throw new AssertionError(msg);
}

/** Asserts that `fn` throws an instance of `cls` (whose message includes `includes`). */
export function assertThrows<E extends Error>(
  fn: () => unknown,
  // deno-lint-ignore no-explicit-any
  cls: new (...args: any[]) => E,
  includes?: string,
): E {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof cls)) {
      throw new AssertionError(`expected ${cls.name}, got ${show(e)}`);
    }
    if (includes !== undefined && !e.message.includes(includes)) {
      throw new AssertionError(`expected message to include "${includes}", got "${e.message}"`);
    }
    return e;
  }
  throw new AssertionError(`expected ${cls.name} to be thrown, nothing was`);
}

/** Async version of assertThrows. */
export async function assertRejects<E extends Error>(
  fn: () => Promise<unknown>,
  // deno-lint-ignore no-explicit-any
  cls: new (...args: any[]) => E,
  includes?: string,
): Promise<E> {
  try {
    await fn();
  } catch (e) {
    if (!(e instanceof cls)) throw new AssertionError(`expected ${cls.name}, got ${show(e)}`);
    if (includes !== undefined && !e.message.includes(includes)) {
      throw new AssertionError(`expected message to include "${includes}", got "${e.message}"`);
    }
    return e;
  }
  throw new AssertionError(`expected ${cls.name} to be rejected, nothing was`);
}
