/**
 * The genesis: the one input-less transaction of a network, with its confirmation. Its file
 * format is documented in docs/PROTOCOL.md §13. The network id is the first 8 bytes of the
 * genesis txid, so nodes of different networks ignore each other.
 * @module
 */
import { RuleError } from "./errors.ts";
import { fromHex, toHex } from "./hash.ts";
import { confirmationWork } from "./pow.ts";
import { decodeTx, encodeTx, type Tx, txid as txidOf } from "./tx.ts";
import { checkGenesis } from "./validate.ts";

/** Format tag of genesis.json. */
export const GENESIS_FORMAT = "crackcoin-genesis/1";
/** Bytes of the network id. */
export const NETWORK_ID_BYTES = 8;

/** A validated genesis. */
export interface Genesis {
  readonly tx: Tx;
  readonly txid: Uint8Array;
  readonly nonce: bigint;
  readonly work: number;
  /** The first 8 bytes of the txid. */
  readonly network: Uint8Array;
  readonly supply: bigint;
}

/** The JSON form written to genesis.json. */
export interface GenesisJson {
  format: string;
  network: string;
  txid: string;
  tx: string;
  nonce: string;
  work: number;
  supply: string;
  address?: string;
}

/** Builds a Genesis from a transaction and the nonce of its confirmation. */
export function makeGenesis(tx: Tx, nonce: bigint): Genesis {
  checkGenesis(tx);
  const id = txidOf(tx);
  return Object.freeze({
    tx,
    txid: id,
    nonce,
    work: confirmationWork(id, nonce),
    network: id.slice(0, NETWORK_ID_BYTES),
    supply: tx.outputs.reduce((s, o) => s + o.amount, 0n),
  });
}

/** The JSON form of a genesis. */
export function genesisToJson(g: Genesis, address?: string): GenesisJson {
  return {
    format: GENESIS_FORMAT,
    network: toHex(g.network),
    txid: toHex(g.txid),
    tx: toHex(encodeTx(g.tx)),
    nonce: g.nonce.toString(),
    work: g.work,
    supply: g.supply.toString(),
    ...(address ? { address } : {}),
  };
}

/**
 * Parses and validates genesis JSON: the tx decodes and passes `checkGenesis`, and the txid,
 * network, work and supply fields match what the bytes say. Throws RuleError("bad-genesis").
 */
export function genesisFromJson(value: unknown): Genesis {
  const j = value as Partial<GenesisJson>;
  if (typeof j !== "object" || j === null || j.format !== GENESIS_FORMAT) {
    throw new RuleError("bad-genesis", `expected format "${GENESIS_FORMAT}"`);
  }
  let g: Genesis;
  try {
    if (typeof j.nonce !== "string" || !/^[0-9]{1,20}$/.test(j.nonce)) {
      throw new Error(`nonce "${j.nonce}" is not a decimal u64`);
    }
    const nonce = BigInt(j.nonce);
    if (nonce >= 1n << 64n) throw new Error(`nonce ${nonce} exceeds u64`);
    g = makeGenesis(decodeTx(fromHex(String(j.tx))), nonce);
  } catch (e) {
    if (e instanceof RuleError) throw e;
    throw new RuleError("bad-genesis", `cannot decode: ${(e as Error).message}`);
  }
  if (j.txid !== toHex(g.txid)) throw new RuleError("bad-genesis", `txid ${j.txid} does not match`);
  if (j.network !== toHex(g.network)) {
    throw new RuleError("bad-genesis", `network ${j.network} does not match the txid`);
  }
  if (j.work !== g.work) {
    throw new RuleError("bad-genesis", `claimed work ${j.work}, the nonce gives ${g.work}`);
  }
  if (j.supply !== g.supply.toString()) {
    throw new RuleError("bad-genesis", `supply ${j.supply} does not match the outputs`);
  }
  return g;
}
