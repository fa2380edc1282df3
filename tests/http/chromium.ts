/**
 * Debian's chromium for the browser tests and the page bench: where it is, the flags of a
 * quiet offline throw-away browser, and installing it when missing (docs/TESTING.md).
 * @module
 */

/** True when `path` exists. */
export async function present(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

/** Debian's chromium. */
export const CHROMIUM = "/usr/bin/chromium";

/** Flags for a quiet, offline, throw-away browser. */
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/**
 * Loads playwright-core's `chromium`. Its bundled is-wsl probe reads
 * /proc/sys/fs/binfmt_misc/WSLInterop at import, a path Deno grants only with --allow-all;
 * is-wsl skips the probe at import when __IS_WSL_TEST__ is set (it is then never asked:
 * playwright consults it only on Windows-hosted launches). So the tests run with the
 * permissions of `deno task test`.
 */
export async function loadChromium(): Promise<typeof import("playwright-core").chromium> {
  Deno.env.set("__IS_WSL_TEST__", "1");
  return (await import("playwright-core")).chromium;
}

/** Finds chromium, installing Debian's package when possible; else returns why not. */
export async function ensureChromium(): Promise<string | null> {
  if (await present(CHROMIUM)) return null;
  if (Deno.build.os !== "linux" || !(await present("/usr/bin/apt-get"))) {
    return "no /usr/bin/chromium and no apt-get to install it";
  }
  if (Deno.uid?.() !== 0) {
    return "no /usr/bin/chromium, and not root to apt-get install it";
  }
  for (const args of [["update"], ["install", "-y", "chromium"]]) {
    const r = await new Deno.Command("apt-get", {
      args,
      stdout: "null",
      stderr: "piped",
    }).output();
    if (!r.success) {
      return `apt-get ${args.join(" ")} failed: ${new TextDecoder().decode(r.stderr).slice(-300)}`;
    }
  }
  return (await present(CHROMIUM))
    ? null
    : "apt-get installed chromium, but not at /usr/bin/chromium";
}
