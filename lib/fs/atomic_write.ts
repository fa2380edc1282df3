/**
 * Atomic file replacement, the one way the project writes a file (wallet, genesis, cookie,
 * any new file). A crash, a `kill -9` or a full disk leaves either the old file or the new
 * one, never a torn or empty one (docs/ARCHITECTURE.md, "Local state").
 * @module
 */

/** Options of {@linkcode atomicWriteFile}. */
export interface AtomicWriteOptions {
  /** Permission bits of the new file (POSIX only), e.g. `0o600` for secrets. Default 0o644. */
  readonly mode?: number;
  /** Refuse to replace an existing file (`Deno.errors.AlreadyExists`). Default false. */
  readonly createNew?: boolean;
}

/**
 * Writes `data` to `path` atomically: a temporary file in the same directory is written and
 * fsynced, renamed over `path`, and the directory is fsynced so the rename survives a power
 * loss. On any error the temporary file is removed and the error is rethrown unchanged (a
 * `Deno.errors.*` such as `PermissionDenied`, `NotFound` or an `ENOSPC` error), so the caller
 * can name the path and the OS reason.
 *
 * With `createNew`, an existing `path` throws `Deno.errors.AlreadyExists` before anything is
 * written. (The check and the rename are not one step: two writers racing to create the same
 * new file may both succeed, the last one winning whole.)
 *
 * @example
 * ```ts
 * import { atomicWriteFile } from "./atomic_write.ts";
 * const path = `${await Deno.makeTempDir()}/a.json`;
 * await atomicWriteFile(path, new TextEncoder().encode("{}"), { mode: 0o600 });
 * if (await Deno.readTextFile(path) !== "{}") throw new Error("not written");
 * ```
 */
export async function atomicWriteFile(
  path: string,
  data: Uint8Array | string,
  options: AtomicWriteOptions = {},
): Promise<void> {
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  const dir = dirOf(path);
  if (options.createNew) {
    try {
      await Deno.lstat(path);
      throw new Deno.errors.AlreadyExists(`File exists: ${path}`);
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    }
  }
  const tmp = `${dir}/.${baseOf(path)}.tmp-${Deno.pid}-${randomSuffix()}`;
  let file: Deno.FsFile | undefined;
  try {
    file = await Deno.open(tmp, {
      write: true,
      createNew: true,
      mode: options.mode ?? 0o644,
    });
    let off = 0;
    while (off < bytes.length) off += await file.write(bytes.subarray(off));
    await file.sync();
    file.close();
    file = undefined;
    await Deno.rename(tmp, path);
  } catch (e) {
    try {
      file?.close();
    } catch { /* already closed */ }
    await Deno.remove(tmp).catch(() => {});
    throw e;
  }
  await syncDir(dir);
}

/** fsyncs a directory so that a rename inside it is durable. Best effort where unsupported. */
async function syncDir(dir: string): Promise<void> {
  if (Deno.build.os === "windows") return;
  let d: Deno.FsFile | undefined;
  try {
    d = await Deno.open(dir, { read: true });
    await d.sync();
  } catch {
    // Some file systems refuse fsync on a directory; the rename itself is still atomic.
  } finally {
    d?.close();
  }
}

function dirOf(path: string): string {
  const i = Math.max(path.lastIndexOf("/"), path.lastIndexOf("\\"));
  return i < 0 ? "." : i === 0 ? "/" : path.slice(0, i);
}

function baseOf(path: string): string {
  const i = Math.max(path.lastIndexOf("/"), path.lastIndexOf("\\"));
  return path.slice(i + 1);
}

function randomSuffix(): string {
  const b = crypto.getRandomValues(new Uint8Array(6));
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}
