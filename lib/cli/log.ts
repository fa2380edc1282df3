/**
 * Logging to stderr: plain `level: message key=value` lines, or JSON lines with --json-log.
 * --quiet keeps warnings only.
 * @module
 */

/** Log levels, in increasing importance. */
export type LogLevel = "debug" | "info" | "warn";

/** A log function. */
export type Logger = (level: LogLevel, msg: string, fields?: Record<string, unknown>) => void;

const RANK: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2 };

function plain(v: unknown): string {
  if (typeof v === "string") return /\s/.test(v) ? JSON.stringify(v) : v;
  if (typeof v === "bigint") return v.toString();
  return JSON.stringify(v, (_k, x) => typeof x === "bigint" ? x.toString() : x);
}

/** Makes a logger writing whole lines through `write`. */
export function makeLogger(
  write: (line: string) => void,
  opts: { quiet: boolean; json: boolean; clock?: () => number; debug?: boolean },
): Logger {
  const min = opts.quiet ? RANK.warn : opts.debug ? RANK.debug : RANK.info;
  const clock = opts.clock ?? Date.now;
  return (level, msg, fields = {}) => {
    if (RANK[level] < min) return;
    if (opts.json) {
      write(
        JSON.stringify(
          { ts: new Date(clock()).toISOString(), level, msg, ...fields },
          (_k, x) => typeof x === "bigint" ? x.toString() : x,
        ) + "\n",
      );
    } else {
      const kv = Object.entries(fields).map(([k, v]) => ` ${k}=${plain(v)}`).join("");
      write(`${level}: ${msg}${kv}\n`);
    }
  };
}
