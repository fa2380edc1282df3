/**
 * Transaction validation, layered as in btcd: context-free sanity checks, then input checks
 * against a view of the outputs being spent. Every failure is a RuleError with a stable code
 * (docs/PROTOCOL.md §7). Nothing here reads a clock: `now` is passed in.
 * @module
 */
import { isValidAmount, MAX_SUPPLY } from "./amount.ts";
import { RuleError } from "./errors.ts";
import { bytesEqual, hash160, toHex } from "./hash.ts";
import { hasCompressedKeyShape, isValidPublicKey } from "./keys.ts";
import { isLowS, isSignatureInRange } from "./sign.ts";
import {
  MAX_INPUTS,
  MAX_OUTPUTS,
  sighashMessage,
  type Tx,
  TX_VERSION,
  type TxOutput,
} from "./tx.ts";

/** How far ahead of the local clock a timestamp may be (clock skew allowance). */
export const MAX_FUTURE_MS = 2 * 60 * 60 * 1000;

/** A signature check: (signature, message, public key) → valid. */
export type VerifyFn = (
  signature: Uint8Array,
  message: Uint8Array,
  publicKey: Uint8Array,
) => boolean;

/**
 * Context-free checks (PROTOCOL.md §7.1). `now` is milliseconds since the epoch.
 * A transaction without inputs fails here: only the genesis may have none, and the genesis
 * is loaded through `checkGenesis`, never through the network path.
 *
 * @example
 * ```ts
 * import { checkTxSanity } from "./validate.ts";
 * import { RuleError } from "./errors.ts";
 * const tx = { version: 1, timestamp: 0, inputs: [], outputs: [{ amount: 1n, address: new Uint8Array(20) }] };
 * try { checkTxSanity(tx, 0); throw new Error("accepted"); } catch (e) { if (!(e instanceof RuleError) || e.code !== "no-inputs") throw e; }
 * ```
 *
 * `verified[i]` true says that input i's signature already verified over this very encoding
 * (a verify worker's verdict): its key is then a valid point, since no signature verifies
 * under a key that is not one, and only the key's prefix is checked here, which saves this
 * thread a square root per new key.
 */
export function checkTxSanity(tx: Tx, now: number, verified?: readonly boolean[]): void {
  checkShape(tx, now);
  if (tx.inputs.length === 0) throw new RuleError("no-inputs", "a transaction needs an input");
  const seen = new Set<string>();
  for (let i = 0; i < tx.inputs.length; i++) {
    const inp = tx.inputs[i];
    if (tx.inputs.length > 1) {
      const key = `${toHex(inp.txid)}:${inp.index}`;
      if (seen.has(key)) throw new RuleError("duplicate-input", `input ${i} spends ${key} twice`);
      seen.add(key);
    }
    const pk = inp.publicKey;
    const keyOk = verified?.[i] === true ? hasCompressedKeyShape(pk) : isValidPublicKey(pk);
    if (!keyOk) {
      throw new RuleError(
        "bad-pubkey",
        `input ${i} public key is not a compressed secp256k1 point`,
      );
    }
    if (!isSignatureInRange(inp.signature)) {
      throw new RuleError("bad-signature-encoding", `input ${i} signature r or s out of range`);
    }
    if (!isLowS(inp.signature)) {
      throw new RuleError("high-s", `input ${i} signature has s > n/2 (malleable)`);
    }
  }
}

function checkShape(tx: Tx, now: number): void {
  if (tx.version !== TX_VERSION) {
    throw new RuleError("bad-version", `version ${tx.version}, expected ${TX_VERSION}`);
  }
  if (tx.outputs.length === 0) throw new RuleError("no-outputs", "a transaction needs an output");
  if (tx.inputs.length > MAX_INPUTS) {
    throw new RuleError("too-many-inputs", `${tx.inputs.length} inputs, limit ${MAX_INPUTS}`);
  }
  if (tx.outputs.length > MAX_OUTPUTS) {
    throw new RuleError("too-many-outputs", `${tx.outputs.length} outputs, limit ${MAX_OUTPUTS}`);
  }
  if (!Number.isSafeInteger(tx.timestamp) || tx.timestamp < 0) {
    throw new RuleError("bad-timestamp", `timestamp ${tx.timestamp} is not a valid time`);
  }
  if (tx.timestamp > now + MAX_FUTURE_MS) {
    throw new RuleError("future-timestamp", `timestamp ${tx.timestamp} is too far ahead of ${now}`);
  }
  let total = 0n;
  for (let i = 0; i < tx.outputs.length; i++) {
    const out = tx.outputs[i];
    if (!isValidAmount(out.amount)) {
      throw new RuleError(
        "bad-amount",
        `output ${i} amount ${out.amount} not in [1, ${MAX_SUPPLY}]`,
      );
    }
    total += out.amount;
  }
  if (total > MAX_SUPPLY) {
    throw new RuleError("supply-overflow", `outputs sum ${total} exceeds supply ${MAX_SUPPLY}`);
  }
}

/**
 * Checks for the genesis: no inputs, sane outputs. (The genesis is fixed by a file, so its
 * timestamp is not compared with a clock.) Throws RuleError: "bad-genesis" when it has inputs,
 * else the sanity code of the rule broken (PROTOCOL.md §7.1, §13).
 */
export function checkGenesis(tx: Tx): void {
  checkShape(tx, Number.MAX_SAFE_INTEGER - MAX_FUTURE_MS);
  if (tx.inputs.length !== 0) throw new RuleError("bad-genesis", "the genesis has no inputs");
}

/**
 * The outputs of a parent transaction, or undefined when the parent is unknown.
 * A view over the ledger; validity depends only on the parents, never on current winners.
 */
export type ParentLookup = (txid: Uint8Array) => readonly TxOutput[] | undefined;

/** The txids (hex, deduplicated) of parents the lookup does not know. */
export function missingParents(tx: Tx, lookup: ParentLookup): string[] {
  let out: Set<string> | undefined;
  for (const inp of tx.inputs) {
    if (lookup(inp.txid) === undefined) (out ??= new Set()).add(toHex(inp.txid));
  }
  return out === undefined ? [] : [...out];
}

/**
 * Context checks against the spent outputs (PROTOCOL.md §7.2): every spent output exists,
 * HASH160(public key) owns it, every signature verifies, and inputs sum to outputs.
 * Spending an output that another transaction also spends is NOT an error here: that is a
 * conflict, decided by the state rule. `message` is the sighash message and `ownerHashes`
 * HASH160 of each input's key, when the caller already has them (computed from this very
 * encoding: the verify workers do). Throws RuleError with code "missing-input", "bad-output-index",
 * "wrong-owner", "unbalanced" or "bad-signature".
 */
export function checkTxInputs(
  tx: Tx,
  lookup: ParentLookup,
  verify: VerifyFn,
  message?: Uint8Array,
  ownerHashes?: readonly Uint8Array[],
): void {
  let inSum = 0n;
  const spent: TxOutput[] = [];
  for (let i = 0; i < tx.inputs.length; i++) {
    const inp = tx.inputs[i];
    const parent = lookup(inp.txid);
    if (parent === undefined) {
      throw new RuleError("missing-input", `input ${i} spends unknown tx ${toHex(inp.txid)}`);
    }
    const out = parent[inp.index];
    if (out === undefined) {
      throw new RuleError(
        "bad-output-index",
        `input ${i} spends output ${inp.index} of ${toHex(inp.txid)}, which has ${parent.length}`,
      );
    }
    if (!bytesEqual(ownerHashes?.[i] ?? hash160(inp.publicKey), out.address)) {
      throw new RuleError("wrong-owner", `input ${i} public key does not own the output it spends`);
    }
    spent.push(out);
    inSum += out.amount;
  }
  let outSum = 0n;
  for (const o of tx.outputs) outSum += o.amount;
  if (inSum !== outSum) {
    throw new RuleError("unbalanced", `inputs sum ${inSum} != outputs sum ${outSum}`);
  }
  message ??= sighashMessage(tx);
  for (const [i, inp] of tx.inputs.entries()) {
    if (!verify(inp.signature, message, inp.publicKey)) {
      throw new RuleError("bad-signature", `input ${i} signature does not verify`);
    }
  }
}
