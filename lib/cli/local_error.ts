/**
 * Failures of the local system (files, directories, sockets) as one kind of error: one line
 * that names the path or address and gives the operating system's reason. main.ts prints it
 * and exits 1 (README "Exit codes"); a usage mistake is UsageError and exits 2.
 * @module
 */

/** A file-system or socket failure on this machine; the message is one line for the user. */
export class LocalError extends Error {
  override name = "LocalError";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/**
 * The operating system's reason in a Deno error, without the operation and path Deno
 * appends (`No such file or directory (os error 2): open '/x'` gives
 * `No such file or directory (os error 2)`), on one line.
 *
 * @example
 * ```ts
 * import { osReason } from "./local_error.ts";
 * const e = new Deno.errors.NotFound("No such file or directory (os error 2): open '/x'");
 * if (osReason(e) !== "No such file or directory (os error 2)") throw new Error("reason");
 * ```
 */
export function osReason(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  const firstLine = text.split("\n")[0];
  const m = /^(.*\(os error \d+\))/.exec(firstLine);
  return (m ? m[1] : firstLine).trim() || (e as Error)?.name || "unknown error";
}

/** A LocalError for `action` on `path`: "Cannot <action> <path>: <OS reason>". */
export function fileError(action: string, path: string, e: unknown): LocalError {
  return new LocalError(`Cannot ${action} ${path}: ${osReason(e)}`, { cause: e });
}

/** A LocalError for a UDP socket that could not be bound, with the likely cause. */
export function bindError(hostname: string, port: number, e: unknown): LocalError {
  const where = `UDP ${hostname}:${port === 0 ? "(any port)" : port}`;
  const hint = e instanceof Deno.errors.AddrNotAvailable
    ? `: ${hostname} is not an address of this machine`
    : e instanceof Deno.errors.AddrInUse
    ? `: port ${port} is in use by another program`
    : e instanceof Deno.errors.PermissionDenied
    ? ": permission denied"
    : "";
  return new LocalError(`Cannot listen on ${where}${hint} (${osReason(e)})`, { cause: e });
}
