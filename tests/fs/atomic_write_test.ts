import { assert, assertEquals, assertRejects } from "../helpers/assert.ts";
import { atomicWriteFile } from "../../lib/fs/atomic_write.ts";

Deno.test("atomicWriteFile() replaces a file whole and leaves no temporary file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const p = `${dir}/w.json`;
    await atomicWriteFile(p, "old");
    await atomicWriteFile(p, "new", { mode: 0o600 });
    assertEquals(await Deno.readTextFile(p), "new");
    if (Deno.build.os !== "windows") assertEquals((await Deno.stat(p)).mode! & 0o777, 0o600);
    const names = [];
    for await (const e of Deno.readDir(dir)) names.push(e.name);
    assertEquals(names, ["w.json"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("atomicWriteFile() with createNew refuses an existing file and keeps it", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const p = `${dir}/w.json`;
    await atomicWriteFile(p, "old");
    await assertRejects(
      () => atomicWriteFile(p, "new", { createNew: true }),
      Deno.errors.AlreadyExists,
    );
    assertEquals(await Deno.readTextFile(p), "old");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("atomicWriteFile() into a missing directory throws NotFound and writes nothing", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await assertRejects(() => atomicWriteFile(`${dir}/nope/w.json`, "x"), Deno.errors.NotFound);
    let n = 0;
    for await (const _ of Deno.readDir(dir)) n++;
    assert(n === 0);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
