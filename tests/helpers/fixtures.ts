/**
 * Test fixtures: deterministic keys, a test genesis and signed payments.
 * @module
 */
import { hash160, toHex } from "../../lib/core/hash.ts";
import { type KeyPair, keyPairFromSecret } from "../../lib/core/keys.ts";
import { initSigning, signTx } from "../../lib/core/sign.ts";
import { type Tx, txid } from "../../lib/core/tx.ts";

// Tests are entry points: they install noble's signing hashes once (lib/core/sign.ts).
initSigning();

/** A deterministic key pair for test index `i` (secret = i+1 repeated). */
export function testKeys(i: number): KeyPair {
  const sk = new Uint8Array(32);
  sk[31] = (i % 250) + 1;
  sk[30] = Math.floor(i / 250) + 1;
  return keyPairFromSecret(sk);
}

/** Fixed timestamp used by fixtures (2026-01-01). */
export const T0 = 1_767_225_600_000;

/** A genesis paying `supply` to `keys`. */
export function makeGenesis(keys: KeyPair, supply = 1_000_000n, timestamp = T0): Tx {
  return {
    version: 1,
    timestamp,
    inputs: [],
    outputs: [{ amount: supply, address: hash160(keys.publicKey) }],
  };
}

/** A spendable coin: an outpoint with its amount and owner. */
export interface Coin {
  readonly txid: Uint8Array;
  readonly index: number;
  readonly amount: bigint;
  readonly keys: KeyPair;
}

/** Spend `coins` paying `payments`, with change to the first coin's owner. */
export function pay(
  coins: readonly Coin[],
  payments: readonly { to: KeyPair; amount: bigint }[],
  timestamp = T0 + 1000,
): Tx {
  const total = coins.reduce((s, c) => s + c.amount, 0n);
  const paid = payments.reduce((s, p) => s + p.amount, 0n);
  const outputs = payments.map((p) => ({ amount: p.amount, address: hash160(p.to.publicKey) }));
  if (total > paid) {
    outputs.push({ amount: total - paid, address: hash160(coins[0].keys.publicKey) });
  }
  return signTx(
    coins.map((c) => ({ txid: c.txid, index: c.index, keys: c.keys })),
    outputs,
    timestamp,
  );
}

/** The coins a transaction creates, given who owns each output. */
export function coinsOf(tx: Tx, owners: readonly KeyPair[]): Coin[] {
  const id = txid(tx);
  return tx.outputs.map((o, index) => ({ txid: id, index, amount: o.amount, keys: owners[index] }));
}

/** Hex txid. */
export function idHex(tx: Tx): string {
  return toHex(txid(tx));
}

/** A seeded PRNG (mulberry32) for reproducible random histories. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Fisher–Yates shuffle with a PRNG. */
export function shuffle<T>(items: readonly T[], rnd: () => number): T[] {
  const a = [...items];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

/**
 * A random history over a genesis: payments among `nKeys` keys, with some deliberate double
 * spends (the same coin spent twice to different recipients) and random work.
 * Returns every transaction with its work, parents before children.
 */
export function randomHistory(
  seed: number,
  nTx: number,
  nKeys = 5,
): { genesis: Tx; items: { tx: Tx; work: number }[]; supply: bigint } {
  const rnd = prng(seed);
  const keys = Array.from({ length: nKeys }, (_, i) => testKeys(i));
  const supply = 1_000_000n;
  const genesis = makeGenesis(keys[0], supply);
  const items: { tx: Tx; work: number }[] = [{ tx: genesis, work: 24 }];
  let coins: Coin[] = coinsOf(genesis, [keys[0]]);
  for (let n = 0; n < nTx && coins.length > 0; n++) {
    const coin = coins[Math.floor(rnd() * coins.length)];
    const to = keys[Math.floor(rnd() * nKeys)];
    const amount = coin.amount > 1n
      ? 1n + BigInt(Math.floor(rnd() * Number(coin.amount - 1n)))
      : 1n;
    const tx = pay([coin], [{ to, amount }], T0 + 1000 + n);
    items.push({ tx, work: Math.floor(rnd() * 26) });
    const owners = amount < coin.amount ? [to, coin.keys] : [to];
    coins.push(...coinsOf(tx, owners));
    if (rnd() < 0.25) {
      // A double spend of the same coin to someone else; the coin stays in the pool so that
      // further spends may build on either side.
      const other = keys[Math.floor(rnd() * nKeys)];
      const dbl = pay([coin], [{ to: other, amount: coin.amount }], T0 + 5000 + n);
      items.push({ tx: dbl, work: Math.floor(rnd() * 26) });
      coins.push(...coinsOf(dbl, [other]));
    }
    coins = coins.filter((c) => c !== coin || rnd() < 0.2);
  }
  return { genesis, items, supply };
}
