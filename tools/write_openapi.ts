/**
 * Writes docs/openapi.json from lib/http/openapi.ts (the served document), so the copy in
 * docs/ never drifts: tests/http/api_test.ts compares the two.
 * Run: `deno run --allow-write=docs tools/write_openapi.ts`.
 * @module
 */
import { atomicWriteFile } from "../lib/fs/atomic_write.ts";
import { OPENAPI } from "../lib/http/openapi.ts";

if (import.meta.main) {
  const path = new URL("../docs/openapi.json", import.meta.url).pathname;
  await atomicWriteFile(path, JSON.stringify(OPENAPI, null, 2) + "\n");
  console.log(`wrote ${path}`);
}
