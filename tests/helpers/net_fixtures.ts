/**
 * Network test fixtures: loopback nodes on a shared random port (never leaving 127/8).
 * @module
 */
import { type Ledger, openLedger } from "../../lib/ledger/ledger.ts";
import { NetNode } from "../../lib/net/node.ts";
import { netLedgerOf } from "../../lib/cli/net_ledger.ts";
import type { Verifier } from "../../lib/ledger/verifier.ts";
import type { Genesis } from "../../lib/core/genesis.ts";
import type { Tx } from "../../lib/core/tx.ts";
import { coinsOf, pay, T0, testKeys } from "./fixtures.ts";
import { TEST_CONFIRM_WORK } from "./ledger_fixtures.ts";
import type { KeyPair } from "../../lib/core/keys.ts";

/** The only broadcast address tests may use outside a namespace. */
export const LOOPBACK_BROADCAST = "127.255.255.255";

/** A free UDP port, found by binding port 0. */
export function freeUdpPort(): number {
  const s = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  const port = (s.addr as Deno.NetAddr).port;
  s.close();
  return port;
}

/** A running test node. */
export interface TestNode {
  readonly ledger: Ledger;
  readonly net: NetNode;
  stop(): Promise<void>;
}

/** Starts a loopback node with an in-memory ledger on `port`. */
export async function startNode(
  genesis: Genesis,
  port: number,
  opts: {
    summaryIntervalMs?: number;
    peers?: { hostname: string; port: number }[];
    ledger?: Ledger;
    syncOnStart?: boolean;
    verifier?: Pick<Verifier, "verifyTxs">;
  } = {},
): Promise<TestNode> {
  const ledger = opts.ledger ?? await openLedger(":memory:", {
    genesis,
    confirmWork: TEST_CONFIRM_WORK,
    minConfBits: 1,
    clock: () => T0 + 3_600_000,
  });
  const net = new NetNode({
    ledger: netLedgerOf(ledger, opts.verifier),
    nodeId: crypto.getRandomValues(new Uint8Array(8)),
    port,
    bind: "0.0.0.0",
    broadcast: LOOPBACK_BROADCAST,
    summaryIntervalMs: opts.summaryIntervalMs ?? 500,
    peers: opts.peers,
    syncOnStart: opts.syncOnStart,
  });
  net.start();
  return {
    ledger,
    net,
    async stop() {
      await net.stop();
      ledger.close();
    },
  };
}

/** A chain of `n` payments from the genesis owner: each spends the previous change. */
export function paymentChain(genesis: Genesis, owner: KeyPair, n: number): Tx[] {
  const bob = testKeys(1);
  const out: Tx[] = [];
  let coin = coinsOf(genesis.tx, [owner])[0];
  for (let i = 0; i < n; i++) {
    const tx = pay([coin], [{ to: bob, amount: 1n }], T0 + 1000 + i);
    out.push(tx);
    coin = coinsOf(tx, [bob, owner])[1];
  }
  return out;
}

/** Waits until `cond` holds, polling; throws after `ms` with `what`. */
export async function waitFor(cond: () => boolean, ms: number, what: string): Promise<number> {
  const t0 = performance.now();
  while (!cond()) {
    if (performance.now() - t0 > ms) {
      throw new Error(`Timed out after ${ms} ms waiting for ${what}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  return performance.now() - t0;
}
