/**
 * Reading genesis files. The default network's genesis ships in genesis/genesis.json and is
 * embedded in compiled executables (deno compile --include genesis).
 * @module
 */
import { type Genesis, genesisFromJson } from "../core/genesis.ts";
import { RuleError } from "../core/errors.ts";
import { LedgerError } from "./errors.ts";

/** URL of the default network's genesis file. */
export const DEFAULT_GENESIS_URL = new URL("../../genesis/genesis.json", import.meta.url);

/** Reads and validates a genesis file. Throws LedgerError naming the file. */
export async function loadGenesisFile(path: string | URL): Promise<Genesis> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (e) {
    throw new LedgerError(`Cannot read genesis file ${path}: ${(e as Error).message}`, {
      cause: e,
    });
  }
  try {
    return genesisFromJson(JSON.parse(text));
  } catch (e) {
    const why = e instanceof RuleError || e instanceof SyntaxError ? e.message : String(e);
    throw new LedgerError(`Invalid genesis file ${path}: ${why}`, { cause: e });
  }
}

/** The default network's genesis. */
export function loadDefaultGenesis(): Promise<Genesis> {
  return loadGenesisFile(DEFAULT_GENESIS_URL);
}
