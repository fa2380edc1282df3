/**
 * The data directory's lock: one node per directory. A node holds an exclusive advisory lock
 * (`Deno.FsFile.tryLock`, flock on Linux and macOS, LockFileEx on Windows) on `DIR/.lock` for
 * as long as it runs; the operating system drops it when the process ends, however it ends,
 * so a lock is never stale. `export` and `wallet` take no lock: they only read.
 *
 * The lock file holds the holder's pid, for the refusal message. It is written in place on
 * the locked file rather than through atomicWriteFile: the lock belongs to the file's inode,
 * and a rename would put a new, unlocked inode in its place. A torn pid costs nothing but a
 * less precise message.
 * @module
 */
import { fileError, LocalError } from "./local_error.ts";

/** Name of the lock file inside the data directory. */
export const LOCK_FILE = ".lock";

/** A held lock. */
export interface DataLock {
  readonly path: string;
  /** Releases the lock (the file stays, so that no second inode can ever be locked). */
  release(): void;
}

/**
 * Locks data directory `dir` (which must exist) for this process. Throws LocalError when
 * another process holds it, naming the directory and the holder's pid, or when the lock file
 * cannot be opened (a read-only directory, say), naming the file and the OS reason.
 */
export async function lockDataDir(dir: string): Promise<DataLock> {
  const path = `${dir}/${LOCK_FILE}`;
  let file: Deno.FsFile;
  try {
    file = await Deno.open(path, { read: true, write: true, create: true, mode: 0o600 });
  } catch (e) {
    throw fileError("open the lock file", path, e);
  }
  let locked: boolean;
  try {
    locked = await file.tryLock(true);
  } catch (e) {
    file.close();
    throw fileError("lock", path, e);
  }
  if (!locked) {
    const pid = await readPid(file);
    file.close();
    throw new LocalError(
      `The data directory ${dir} is in use by another crackcoin node` +
        `${pid === null ? "" : ` (pid ${pid})`}; stop it first, or read it with ` +
        `'crackcoin export --data ${dir}' while it runs`,
    );
  }
  try {
    await file.truncate(0);
    await file.seek(0, Deno.SeekMode.Start);
    await file.write(new TextEncoder().encode(`${Deno.pid}\n`));
  } catch {
    // The pid only improves another node's message; the lock itself is held.
  }
  let held = true;
  return {
    path,
    release() {
      if (!held) return;
      held = false;
      try {
        file.unlockSync();
      } catch { /* closing drops it too */ }
      file.close();
    },
  };
}

async function readPid(file: Deno.FsFile): Promise<number | null> {
  try {
    const buf = new Uint8Array(32);
    const n = await file.read(buf);
    const m = /^(\d{1,10})\s/.exec(new TextDecoder().decode(buf.subarray(0, n ?? 0)));
    return m ? Number(m[1]) : null;
  } catch {
    return null; // Windows refuses reads of a region another process locked
  }
}
