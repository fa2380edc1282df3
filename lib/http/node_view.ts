/**
 * What the HTTP API needs from a running node, as plain function fields (the btcd mempool
 * `Config` pattern, STYLE.md). The server never touches the ledger, wallet, network or miners
 * directly: `lib/cli/node_view.ts` builds a NodeView from the running node, so changes in
 * those layers (cumulative weight, HD addresses, event stream) touch only that adapter.
 *
 * Every shape here is JSON as served: amounts are decimal strings of base units, hashes and
 * txids lowercase hex, times milliseconds since the epoch. No field ever carries a secret
 * (key, mnemonic, passphrase).
 * @module
 */

/** A transaction status (docs/PROTOCOL.md §8). */
export type TxStatusJson = "pending" | "confirmed" | "conflicted" | "orphan";

/** `GET /api/v1/info`. */
export interface InfoJson {
  readonly version: string;
  /** Network id, hex. */
  readonly network: string;
  /** The wallet's current receive address. */
  readonly address: string;
  readonly balance: { readonly confirmed: string; readonly pending: string };
  readonly ledger: {
    readonly count: number;
    readonly statuses: Readonly<Record<TxStatusJson, number>>;
    /** Anti-entropy summary digest, hex: equal on nodes holding the same ledger. */
    readonly summary: string;
  };
  readonly peers: number;
  readonly mining: { readonly workers: number; readonly hashRate: number; readonly found: number };
}

/** `GET /api/v1/balance`: the wallet's money, split the way a user reads it. */
export interface BalanceJson {
  readonly address: string;
  /** Unspent outputs of confirmed transactions. */
  readonly confirmed: string;
  /** Unspent outputs of pending transactions (incoming plus change). */
  readonly pending: string;
  /** What a payment may spend now: confirmed plus pending (PROTOCOL.md §8 lets pending coins be spent). */
  readonly spendable: string;
  /** The part of `pending` that is change from our own payments. */
  readonly change: string;
  /** The part of `pending` that others paid us. */
  readonly incoming: string;
}

/** One wallet address with its balance and label. */
export interface AddressJson {
  readonly address: string;
  readonly label: string | null;
  readonly confirmed: string;
  readonly pending: string;
  /** True for the address new payments should be sent to. */
  readonly receive: boolean;
}

/** An outpoint: a transaction output by txid and index. */
export interface OutpointJson {
  readonly txid: string;
  readonly index: number;
}

/** A transaction in a list (history, graph). */
export interface TxSummaryJson {
  readonly txid: string;
  readonly status: TxStatusJson;
  /** floor(log2 weight): the integer "work" the command loop shows. */
  readonly work: number;
  /** Cumulative weight in hashes, decimal: what the conflict rule compares (PROTOCOL.md §6). */
  readonly weight: string;
  readonly timestamp: number;
  readonly inputs: readonly OutpointJson[];
  readonly outputs: readonly { readonly amount: string; readonly address: string }[];
  /** Net effect on this wallet (negative when we paid), or null when it does not touch it. */
  readonly walletAmount: string | null;
}

/** One spender of a contested outpoint. */
export interface SpenderJson {
  readonly txid: string;
  readonly status: TxStatusJson;
  readonly work: number;
  readonly weight: string;
  readonly timestamp: number;
  /** True for the spender the conflict rule picks for this outpoint. */
  readonly winner: boolean;
}

/** An outpoint spent by more than one transaction. */
export interface ConflictJson {
  readonly outpoint: OutpointJson;
  /** Every spender, the winner first (the rule's order). */
  readonly spenders: readonly SpenderJson[];
  readonly winner: string;
  /** One sentence: why the winner won (more weight, or the tie-break). */
  readonly reason: string;
}

/** `GET /api/v1/tx/{txid}`. */
export interface TxDetailJson extends TxSummaryJson {
  readonly inputs: readonly (OutpointJson & {
    /** The spent output's owner and amount, when the parent is stored. */
    readonly address: string | null;
    readonly amount: string | null;
  })[];
  /** Contested outpoints among this transaction's inputs; empty when nothing conflicts. */
  readonly conflicts: readonly ConflictJson[];
  /** Why the status is what it is, in one sentence. */
  readonly explanation: string;
}

/** `GET /api/v1/graph`: a window of the transaction DAG for the explorer. */
export interface GraphJson {
  readonly nodes: readonly TxSummaryJson[];
  /** Spends: `from` spends output `index` of `to` (child → parent). */
  readonly edges: readonly { readonly from: string; readonly to: string; readonly index: number }[];
  /** Pairs of transactions in the window that spend a common outpoint. */
  readonly conflicts: readonly { readonly a: string; readonly b: string }[];
  /**
   * Confirmation references at tx level (protocol v2): a confirmation of `from` approves a
   * confirmation of `to`, so `from`'s confirming work counts for `to` as well.
   */
  readonly approvals: readonly { readonly from: string; readonly to: string }[];
  /** Transactions in the whole ledger. */
  readonly total: number;
}

/** `GET /api/v1/mining`. */
export interface MiningJson {
  readonly running: boolean;
  readonly workers: number;
  /** Hashes per second of each worker. */
  readonly workerHashRates: readonly number[];
  readonly hashRate: number;
  readonly target: { readonly txid: string; readonly goalBits: number } | null;
  readonly found: number;
  readonly totalHashes: number;
  readonly capBits: number;
}

/** `GET /api/v1/peers`. */
export interface PeersJson {
  readonly peers: readonly {
    readonly nodeId: string;
    readonly address: string;
    readonly lastSeen: number;
    readonly count: number | null;
    readonly static: boolean;
  }[];
  /** The network counters (`p`), as numbers and maps of numbers. */
  readonly counters: Readonly<Record<string, number | Readonly<Record<string, number>>>>;
}

/** `GET /api/v1/sync`. */
export interface SyncJson {
  /** The running session, or null. */
  readonly session:
    | { readonly peer: string; readonly wanted: number; readonly fetched: number }
    | null;
  readonly sessions: number;
  readonly completed: number;
  readonly abandoned: number;
  readonly requested: number;
  readonly summary: { readonly count: number; readonly digest: string };
}

/** A wallet event of the SSE stream: what the command loop prints, plus our sends. */
export interface WalletEventJson {
  /** `reversed`: a payment shown confirmed lost a double spend (the loop's wording may differ). */
  readonly kind: "received" | "confirmed" | "conflicted" | "reversed" | "sent";
  readonly txid: string;
  /** Net effect on the wallet, decimal, signed. */
  readonly amount: string;
  readonly time: number;
}

/**
 * The ledger changed (transactions stored, statuses or work changed): at most one a second,
 * so that a page refreshes what it shows instead of polling.
 */
export interface LedgerChangeJson {
  readonly kind: "ledger";
  /** Transactions in the ledger. */
  readonly count: number;
  /** Status changes since the previous ledger event. */
  readonly statusChanges: number;
  readonly time: number;
}

/** An event of the SSE stream. */
export type NodeEventJson = WalletEventJson | LedgerChangeJson;

/** A refused payment: `code` is stable (API errors plus RuleError codes). */
export class SendError extends Error {
  override name = "SendError";
  /** Stable code, such as `bad-address`, `bad-amount`, `insufficient-funds`. */
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
  }
}

/**
 * The node as the API sees it. Functions may throw TypeError (bad argument) or SendError;
 * anything else is a server error.
 */
export interface NodeView {
  readonly version: string;
  /** Data directory (cookie and port file go there). */
  readonly dataDir: string;
  readonly info: () => InfoJson;
  readonly balance: () => BalanceJson;
  readonly addresses: () => readonly AddressJson[];
  /** The address to give a payer: a fresh one once the wallet is HD, else the only one. */
  readonly receiveAddress: () => string;
  /** Most recent first; `address` filters to transactions that pay or spend from it. */
  readonly history: (limit: number, offset: number, address?: string) => readonly TxSummaryJson[];
  /** Most recent first: transactions that pay to or spend from any of the wallet's addresses. */
  readonly walletHistory: (limit: number, offset: number) => readonly TxSummaryJson[];
  /** One transaction, or null when not stored. Throws TypeError for a malformed txid. */
  readonly tx: (txid: string) => TxDetailJson | null;
  /** The last `limit` transactions (optionally touching `address`) with spends and conflicts. */
  readonly graph: (limit: number, address?: string) => GraphJson;
  /** Builds, stores and broadcasts a payment. Throws SendError. */
  readonly send: (to: string, amount: string) => { readonly txid: string };
  readonly mining: () => MiningJson;
  readonly peers: () => PeersJson;
  readonly sync: () => SyncJson;
  /** Asks every peer for what it has (the `b` command). */
  readonly syncNow: () => void;
  /** Subscribes to events; returns the unsubscribe function. */
  readonly subscribe: (fn: (e: NodeEventJson) => void) => () => void;
}
