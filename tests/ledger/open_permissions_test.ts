/**
 * Opening a ledger needs only read and write access to its file: no environment access (found
 * in review: scratch PRAGMA switches read from the environment had been left in
 * lib/ledger/db.ts, and every open then needed --allow-env).
 */
import { assert } from "../helpers/assert.ts";

const CHILD = `
import { openLedger } from ${
  JSON.stringify(new URL("../../lib/ledger/ledger.ts", import.meta.url).href)
};
const l = await openLedger(Deno.args[0] + "/ledger.db");
console.log("opened " + l.count);
l.close();
`;

Deno.test("openLedger works with only --allow-read and --allow-write", async () => {
  const dir = await Deno.makeTempDir({ prefix: "crackcoin-open-perms-" });
  try {
    const script = `${dir}/child.ts`;
    await Deno.writeTextFile(script, CHILD);
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--quiet",
        `--config=${new URL("../../deno.json", import.meta.url).pathname}`,
        "--allow-read",
        "--allow-write",
        script,
        dir,
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
    assert(out.success && text.includes("opened 1"), `child failed:\n${text.slice(0, 600)}`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
