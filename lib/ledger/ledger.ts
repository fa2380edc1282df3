/**
 * The ledger: transactions, outputs, confirmations (the DAG of docs/PROTOCOL.md §6) and
 * statuses in SQLite. Validation uses lib/core; statuses come from core's `statusOf`, whose
 * inputs (cumulative weights, kept by `WeightIndex`) are updated incrementally (§8, §11).
 * Every applied change is one database transaction.
 * @module
 */
import type { DatabaseSync, StatementSync } from "node:sqlite";
import { RuleError } from "../core/errors.ts";
import { WireError } from "../core/errors.ts";
import type { Genesis } from "../core/genesis.ts";
import { bytesEqual, fromHex, toHex } from "../core/hash.ts";
import {
  checkConfirmation,
  checkRefs,
  type Confirmation,
  confirmationWeight,
  decodeConfirmation,
  encodeConfirmation,
} from "../core/confirmation.ts";
import { CONFIRM_WEIGHT_BITS, MAX_REFS, MIN_CONF_BITS } from "../core/pow.ts";
import { type OrderKey, statusOf, type TxStatus } from "../core/state.ts";
import { decodeOutputs, type EncodedTx, encodeTx, type Tx, type TxOutput } from "../core/tx.ts";
import {
  checkTxInputs,
  checkTxSanity,
  missingParents,
  type ParentLookup,
  type VerifyFn,
} from "../core/validate.ts";
import { verifyMessageNative } from "../core/verify_native.ts";
import { openDatabase } from "./db.ts";
import type {
  AddResult,
  ConfResult,
  LedgerEvent,
  LedgerListener,
  StatusChange,
  TxEvent,
} from "./events.ts";
import { LedgerError } from "./errors.ts";
import { OrphanPool } from "./orphan_pool.ts";
import { loadDefaultGenesis } from "./genesis_file.ts";
import type { BatchHint, Verifier } from "./verifier.ts";
import { ITEM_CONF, ITEM_TX, itemElement } from "./item_digest.ts";
import { IdFilter } from "./id_filter.ts";
import { TxidIndex } from "./txid_index.ts";
import { MuHash3072 } from "../core/set_digest.ts";
import { weightBits } from "../core/weight.ts";
import type { Coin, MineTemplate, StoredItem, TxRecord } from "./types.ts";
import { type DagQueries, type Watched, WeightIndex } from "./weights.ts";
import {
  allBalances,
  balanceOf,
  inventoryPage,
  readAllConfirmations,
  readConfirmationRow,
  txRecord,
  unspentOf,
} from "./reads.ts";
import { prepareStatements, SETTLE_CHUNK, type Statements } from "./statements.ts";
import { rebuildWeightIndex, recomputeFromRule } from "./rebuild.ts";
import { StatusWalker } from "./status_walk.ts";
import { mineTemplateOf } from "./template.ts";
import {
  type Checked,
  checkedVerify,
  prepareBatch,
  type PreparedTxs,
  toEncoded,
} from "./prepare.ts";

export type { PreparedTxs };

export type {
  AddResult,
  Coin,
  ConfResult,
  LedgerEvent,
  LedgerListener,
  MineTemplate,
  StatusChange,
  StoredItem,
  TxEvent,
  TxRecord,
};

/** Options of `openLedger`. */
export interface LedgerOptions {
  /** The network's genesis; the default network's when omitted. */
  genesis?: Genesis;
  /** Milliseconds since the epoch; injected for tests. */
  clock?: () => number;
  /** Signature check; node:crypto's by default. */
  verify?: VerifyFn;
  /** A live tx is confirmed at weight ≥ 2^confirmWork; the protocol's 24 by default. */
  confirmWork?: number;
  /** Least bits a stored confirmation may claim; the protocol's 20 by default (tests: less). */
  minConfBits?: number;
  /** Open read-only (for `export` while a node runs). */
  readOnly?: boolean;
  /** Orphan pool bounds. */
  orphans?: ConstructorParameters<typeof OrphanPool>[0];
  /**
   * Confirmation ids the id filter is first sized for (default 65,536, 128 KiB; it doubles as
   * the ledger's confirmations grow past half of it). Tests pass a small one to see it grow.
   */
  idFilterCapacity?: number;
  /**
   * Called before each schema migration of an older file (`from` to `from + 1`), which may
   * take a while on a big ledger (migration 004 rebuilds the tables: about 1.5 s per 100,000
   * transactions here), so that a node can say what it is doing.
   */
  onMigrate?: (from: number, to: number) => void;
}

/**
 * Most confirmations `getTx` walks for the exact weight of an unwatched transaction; past it,
 * the stored lower bound is returned (marked not exact).
 */
const CONE_BUDGET = 20_000;

/** Span of `recentHashRate`. */
const RATE_WINDOW_MS = 60_000;

/** Most confirmations kept waiting for their transaction or refs (docs/PROTOCOL.md §6). */
const MAX_WAITING_CONFS = 4096;

type Row = Record<string, unknown>;

/** Items the id filter is first sized for (see `LedgerOptions.idFilterCapacity`). */
const ID_FILTER_CAPACITY = 65_536;

/** How many recently stored transactions `#recentParents` keeps (about 1 MiB). */
const RECENT_PARENTS = 4096;

interface ParentRow {
  readonly seq: number;
  readonly outputs: readonly TxOutput[];
  readonly status: TxStatus;
  readonly height: number;
  /**
   * For a recently stored parent: the seqs of every stored spender, by output index. It was
   * stored by this process, so every spend of it was too, and recorded here (see `#offer`).
   */
  readonly spenders?: (number[] | undefined)[];
}

const NO_SPENDERS: readonly number[] = [];

/**
 * Opens a ledger at `path` (a file, or ":memory:"), creating it and its genesis if new.
 * Throws LedgerError when the file cannot be opened, is not a crackcoin ledger, or belongs to
 * another network (docs/PROTOCOL.md §11).
 *
 * @example
 * ```ts
 * import { openLedger } from "./ledger.ts";
 * const ledger = await openLedger(":memory:"); // the built-in network's genesis
 * const kinds: string[] = [];
 * const unsubscribe = ledger.subscribe((events) => kinds.push(...events.map((e) => e.kind)));
 * const r = ledger.addTx(new Uint8Array([1, 2, 3]));
 * if (r.kind !== "rejected" || r.code !== "malformed" || kinds[0] !== "rejected") {
 *   throw new Error("junk bytes are a counted rejection");
 * }
 * if (ledger.count !== 1 || !ledger.supply().ok) throw new Error("only the genesis");
 * unsubscribe();
 * ledger.close();
 * ```
 */
export async function openLedger(path: string, options: LedgerOptions = {}): Promise<Ledger> {
  const genesis = options.genesis ?? await loadDefaultGenesis();
  const db = await openDatabase(path, {
    readOnly: options.readOnly,
    onMigrate: options.onMigrate,
  });
  try {
    return new Ledger(db, path, genesis, options);
  } catch (e) {
    db.close();
    throw e;
  }
}

/** The ledger. Create it with `openLedger`. */
export class Ledger {
  /** The network's genesis, stored at creation and checked at every open. */
  readonly genesis: Genesis;
  /** The database file, or ":memory:". */
  readonly path: string;
  /** Transactions waiting for their parents (in memory, bounded). */
  readonly orphans: OrphanPool;
  /** Confirmations waiting for their transaction or refs (raw encodings, keyed by id). */
  readonly waitingConfs: OrphanPool;
  readonly #db: DatabaseSync;
  readonly #clock: () => number;
  readonly #verify: VerifyFn;
  readonly #confirmWork: number;
  readonly #threshold: bigint;
  readonly #minConfBits: number;
  readonly #listeners: LedgerListener[] = [];
  readonly #s: Statements;
  readonly #insOuts: StatementSync[] = [];
  readonly #weights = new WeightIndex();
  readonly #dag: DagQueries;
  readonly #walk: StatusWalker;
  /** Status of watched transactions, so mining templates need no query. */
  readonly #watchedStatus = new Map<number, TxStatus>();
  /**
   * Seq, outputs and height of the transactions stored most recently, by txid (hex): the
   * parents a new transaction most often spends (a wallet's change, a sync batch's chain),
   * found without a query or decoding. Their rows never change; their statuses do, and come
   * from `#watchedStatus` (or a query, once unwatched). Each also lists its outputs' spenders,
   * which the conflict check reads instead of the spends table: every spend of it came after
   * it was stored here, and went through `#offer`. Emptied when a commit rolls back.
   */
  readonly #recentParents = new Map<string, Omit<ParentRow, "status">>();
  #seq = 0;
  #count = 0;
  #confCount = 0;
  /** (time, weight) of confirmations stored in the last RATE_WINDOW_MS, for `recentHashRate`. */
  #recent: { t: number; w: bigint }[] = [];
  /** MuHash3072 of the item set (docs/PROTOCOL.md §10.7), and its cached 32-byte digest. */
  #muhash = new MuHash3072();
  #digest: Uint8Array | null = null;
  #digestChanged = false;
  /** Stored transactions by status, kept with every change (orphans: see `orphans`). */
  #statusCounts: Record<TxStatus, number> = { pending: 0, confirmed: 0, conflicted: 0, orphan: 0 };
  /** Outcomes of the open database transaction, published after its commit. */
  #events: LedgerEvent[] = [];
  /**
   * Index in `#events` of the first status event (from null) of each transaction stored in the
   * open database transaction, by txid: a later change in the same commit updates it in place.
   */
  #storedEvent = new Map<string, number>();
  #inTx = false;
  #closed = false;
  /**
   * Every stored confirmation's id: an id it does not have is not stored, which answers most
   * lookups of a sync or an ingest without a database read. It learns of the confirmations
   * this Ledger stores, so it needs this Ledger to be the file's only writer (the node's data
   * lock, lib/cli/data_lock.ts); a read-only Ledger, which another process may be writing
   * under, has none and reads the database for every lookup.
   */
  #ids: IdFilter | null;
  readonly #idCapacity: number;
  /**
   * Where each stored txid's row is (schema 5 has no SQLite index on txids): built from the
   * txs table when a writer opens, or at a read-only Ledger's first lookup by txid, and then
   * told of every transaction this Ledger stores. Its answers are candidates, checked against
   * the row (`#txRow`).
   */
  #txids: TxidIndex | null = null;
  /** The last seq the txid index was built over (a read-only Ledger reads the rows after it). */
  #txidsBuiltTo = 0;
  readonly #readOnly: boolean;

  constructor(db: DatabaseSync, path: string, genesis: Genesis, options: LedgerOptions) {
    this.#db = db;
    this.path = path;
    this.genesis = genesis;
    this.#clock = options.clock ?? Date.now;
    this.#verify = options.verify ?? verifyMessageNative;
    this.#confirmWork = options.confirmWork ?? CONFIRM_WEIGHT_BITS;
    this.#threshold = confirmationWeight(this.#confirmWork);
    this.#minConfBits = options.minConfBits ?? MIN_CONF_BITS;
    this.orphans = new OrphanPool(options.orphans);
    this.#idCapacity = options.idFilterCapacity ?? ID_FILTER_CAPACITY;
    this.#readOnly = options.readOnly === true;
    this.#ids = this.#readOnly ? null : new IdFilter(0);
    this.waitingConfs = new OrphanPool({ maxCount: MAX_WAITING_CONFS });
    this.#s = prepareStatements(db);
    const rows = (st: string, ...args: number[]) =>
      (this.#s[st].all(...args) as Row[]).map((r) => Number(Object.values(r)[0]));
    this.#dag = {
      children: (tx) => rows("children", tx),
      confsOf: (tx) => rows("confsOf", tx),
      referrers: (c) => rows("referrers", c),
      conf: (c) => {
        const r = this.#s.confBySeq.get(c) as Row;
        return { bits: Number(r.bits), id: r.id as Uint8Array };
      },
    };
    this.#walk = new StatusWalker({
      s: this.#s,
      weights: this.#weights,
      dag: this.#dag,
      statuses: this.#watchedStatus,
      genesisBase: this.#genesisBase(),
      confirmBits: this.#confirmWork,
      onChange: (id, before, after) => this.#statusChanged(id, before, after),
    });
    this.#init();
  }

  /** Counts a status change (txid in hex) and records its event. */
  #statusChanged(id: string, before: TxStatus, after: TxStatus): void {
    this.#statusCounts[before]--;
    this.#statusCounts[after]++;
    // A transaction stored in this commit keeps one event, its first status updated.
    const at = this.#storedEvent.get(id);
    const first = at === undefined ? undefined : this.#events[at];
    if (first?.kind === "status") this.#events[at!] = { ...first, to: after };
    else this.#events.push({ kind: "status", txid: id, from: before, to: after });
  }

  #init(): void {
    const net = this.#s.getMeta.get("network") as Row | undefined;
    const gid = toHex(this.genesis.txid);
    if (net === undefined) {
      if (this.#db.isTransaction) throw new LedgerError("unexpected open transaction");
      this.#write(() => {
        this.#s.putMeta.run("network", toHex(this.genesis.network));
        this.#s.putMeta.run("genesis", gid);
        this.#insert(this.genesis.txid, encodeTx(this.genesis.tx), this.genesis.tx, [], {
          height: 0,
          status: this.#genesisBase() >= this.#threshold ? "confirmed" : "pending",
          weight: this.#genesisBase(),
        });
      });
    } else {
      const stored = (this.#s.getMeta.get("genesis") as Row | undefined)?.value;
      if (stored !== gid) {
        throw new LedgerError(
          `The ledger file ${this.path} belongs to network ${net.value} (genesis ${stored}), ` +
            `not to ${toHex(this.genesis.network)}; use its --genesis or another --data.`,
        );
      }
    }
    this.#reloadCounters();
    this.#loadIds();
    if (this.#s.getMeta.get("recompute") !== undefined && !this.#db.isTransaction) {
      this.#write(() => this.#recomputeAll());
    }
    this.#rebuildWeights();
    this.#events = [];
    this.#storedEvent.clear();
  }

  /**
   * Subscribes to the event stream: after every commit, `listener` gets that commit's
   * outcomes in order (offered and adopted transactions, confirmations, status changes).
   * Returns the function that unsubscribes.
   */
  subscribe(listener: LedgerListener): () => void {
    this.#listeners.push(listener);
    return () => {
      const i = this.#listeners.indexOf(listener);
      if (i >= 0) this.#listeners.splice(i, 1);
    };
  }

  /** 2^work of the genesis confirmation: weight the genesis has outside the DAG (§13). */
  #genesisBase(): bigint {
    return confirmationWeight(this.genesis.work);
  }

  /**
   * After migration 3 (v1 confirmations dropped): every status and weight from the pure rule,
   * once, over all transactions.
   */
  #recomputeAll(): void {
    recomputeFromRule(this.#s, toHex(this.genesis.txid), this.#genesisBase(), this.#confirmWork);
    this.#reloadCounters();
  }

  /**
   * A writer fills its id filter (confirmations, sized for twice those stored) and its txid
   * index from the database; a read-only Ledger builds the index at its first lookup.
   */
  #loadIds(): void {
    if (this.#ids === null) return;
    const ids = new IdFilter(Math.max(this.#idCapacity, 2 * this.#confCount));
    for (const r of this.#s.digestConfs.iterate() as Iterable<Row>) ids.add(r.id as Uint8Array);
    this.#ids = ids;
    this.#txids ??= this.#buildTxidIndex();
  }

  /** Records a newly stored confirmation id; a filter past its capacity is rebuilt larger. */
  #addId(id: Uint8Array): void {
    if (this.#ids === null) return;
    this.#ids.add(id);
    if (this.#ids.full) this.#loadIds();
  }

  /** False when the confirmation id is surely not stored; true when it may be. */
  #mightHave(id: Uint8Array): boolean {
    return this.#ids === null || this.#ids.mightHave(id);
  }

  /** The txid index of every stored transaction, from one scan of the txs table. */
  #buildTxidIndex(): TxidIndex {
    const index = new TxidIndex(this.#count);
    let top = 0;
    for (const r of this.#s.allTxids.iterate() as Iterable<Row>) {
      const seq = Number(r.seq);
      index.add(r.txid as Uint8Array, seq);
      if (seq > top) top = seq;
    }
    this.#txidsBuiltTo = top;
    return index;
  }

  /**
   * The row that `st` (a statement by seq whose columns include txid) gives for the stored
   * transaction `txid`, or undefined when it is not stored. Each candidate of the txid index
   * is checked against its row's txid. A read-only Ledger also looks among the rows another
   * process stored after its index was built.
   */
  #txRow(txid: Uint8Array, st: StatementSync): Row | undefined {
    this.#txids ??= this.#buildTxidIndex();
    for (const seq of this.#txids.candidates(txid)) {
      const r = st.get(seq) as Row | undefined;
      if (r !== undefined && bytesEqual(r.txid as Uint8Array, txid)) return r;
    }
    if (!this.#readOnly || txid.length !== 32) return undefined;
    const later = this.#s.txAfter.get(this.#txidsBuiltTo, txid) as Row | undefined;
    return later === undefined ? undefined : st.get(later.seq as number) as Row | undefined;
  }

  /** True when a transaction with this txid is stored. */
  #hasTxRow(id: Uint8Array): boolean {
    return this.#txRow(id, this.#s.txidAt) !== undefined;
  }

  /** The storage order (`seq`) of a stored transaction, or undefined when it is not stored. */
  seqOf(txid: Uint8Array): number | undefined {
    const r = this.#txRow(txid, this.#s.txidAt);
    return r === undefined ? undefined : Number(r.seq);
  }

  #hasConfRow(id: Uint8Array): boolean {
    return this.#mightHave(id) && this.#s.hasConf.get(id) !== undefined;
  }

  /** Rebuilds the in-memory weight index on open (see `rebuildWeightIndex`). */
  #rebuildWeights(): void {
    rebuildWeightIndex(this.#s, this.#weights, this.#watchedStatus, this.#dag);
  }

  /** The network id (first 8 bytes of the genesis txid). */
  get network(): Uint8Array {
    return this.genesis.network;
  }

  /** Number of stored transactions (orphans excluded). */
  get count(): number {
    return this.#count;
  }

  /** Number of stored confirmations. */
  get confirmationCount(): number {
    return this.#confCount;
  }

  /** Runs `fn` in one database transaction (nested calls join the outer one). */
  #write<T>(fn: () => T): T {
    if (this.#closed) throw new LedgerError(`The ledger ${this.path} is closed`);
    if (this.#inTx) return fn();
    this.#inTx = true;
    this.#db.exec("BEGIN IMMEDIATE");
    let result: T;
    try {
      result = fn();
      if (this.#digestChanged) this.#s.setMeta.run("muhash", toHex(this.#muhash.toBytes()));
      this.#db.exec("COMMIT");
      this.#digestChanged = false;
    } catch (e) {
      try {
        this.#db.exec("ROLLBACK");
      } catch { /* the rollback error would hide the cause */ }
      this.#events = [];
      this.#storedEvent.clear();
      this.#inTx = false;
      this.#reloadCounters();
      // The txid index forgets what the rolled-back write stored (seqs past the file's last).
      this.#txids?.dropAbove(this.#seq);
      this.#reloadWeightsAfterRollback();
      if (e instanceof LedgerError || e instanceof RuleError) throw e;
      throw new LedgerError(`Cannot write to ${this.path}: ${(e as Error).message}`, { cause: e });
    }
    this.#inTx = false;
    const events = this.#events;
    this.#events = [];
    this.#storedEvent.clear();
    if (events.length > 0) { for (const fn of [...this.#listeners]) fn(events); }
    return result;
  }

  #reloadWeightsAfterRollback(): void {
    // The in-memory index may hold effects of the rolled-back commit: rebuild it.
    this.#weights.clear();
    this.#watchedStatus.clear();
    this.#recentParents.clear();
    try {
      this.#rebuildWeights();
    } catch { /* the database is unusable; the next write reports it */ }
  }

  /**
   * Reads counts, last seq and the summary digest back from the database. The digest is kept
   * in `meta` by every commit that changes it; a file without it (just migrated) gets it
   * computed once from every item, and stored with the next commit.
   */
  #reloadCounters(): void {
    const c = this.#s.count.get() as Row;
    this.#confCount = Number(c.c);
    this.#seq = Number(c.seq ?? 0);
    this.#statusCounts = { pending: 0, confirmed: 0, conflicted: 0, orphan: 0 };
    // The transaction count is the sum by status: one scan of txs, not two (no index is
    // smaller than the table since schema 5).
    this.#count = 0;
    for (const r of this.#s.statusCounts.all() as Row[]) {
      this.#statusCounts[r.status as TxStatus] = Number(r.n);
      this.#count += Number(r.n);
    }
    const stored = (this.#s.getMeta.get("muhash") as Row | undefined)?.value;
    this.#digestChanged = false;
    this.#digest = null;
    if (typeof stored === "string" && /^[0-9a-f]{1536}$/.test(stored)) {
      try {
        this.#muhash = MuHash3072.fromBytes(fromHex(stored));
        return;
      } catch { /* not a valid state: recomputed below */ }
    }
    this.#muhash = new MuHash3072();
    for (const r of this.#s.allTxids.iterate() as Iterable<Row>) {
      this.#muhash.insert(itemElement(ITEM_TX, r.txid as Uint8Array));
    }
    for (const r of this.#s.digestConfs.iterate() as Iterable<Row>) {
      this.#muhash.insert(itemElement(ITEM_CONF, r.id as Uint8Array));
    }
    this.#digestChanged = true;
  }

  /** Offers one transaction (decoded, or raw bytes from the network). One commit. */
  addTx(tx: Tx | Uint8Array | EncodedTx): AddResult {
    return this.#write(() => this.#add(tx, this.#verify));
  }

  /** Offers many transactions in one commit (sync batches). */
  addTxs(
    txs: readonly (Tx | Uint8Array | EncodedTx)[],
    sources?: readonly string[],
  ): AddResult[] {
    return this.#write(() => txs.map((t, i) => this.#add(t, this.#verify, false, sources?.[i])));
  }

  /**
   * Stage 1 of a pipelined ingest: decodes a batch, computes each sighash message, and hands
   * the signatures to `verifier`, which checks them on its workers (the dominant cost) or
   * leaves them to this thread's commit. It reads no ledger state, so the next batch can be
   * verified while this thread commits the previous one. Same results as `addTxs` once
   * committed.
   */
  async prepareTxs(
    txs: readonly (Tx | Uint8Array | EncodedTx)[],
    verifier: Pick<Verifier, "verifyTxs">,
    hint?: BatchHint,
  ): Promise<PreparedTxs> {
    return await prepareBatch(txs, verifier, hint);
  }

  /**
   * Stage 2: applies a prepared batch in one commit with the usual rule checks, in order. The
   * signature rule takes the workers' verdicts; a signature they did not see (an orphan
   * retried on the way) is verified here.
   */
  commitTxs(prepared: PreparedTxs, sources?: readonly string[]): AddResult[] {
    return this.#write(() => {
      // The workers' digest elements go in as one product; each one whose transaction is
      // not stored now (a duplicate, an orphan, a rejection) comes out again.
      if (prepared.product !== undefined) {
        this.#muhash.insertHashed(prepared.product);
        this.#digest = null;
        this.#digestChanged = true;
      }
      const results = prepared.items.map((t, i) => this.#add(t, this.#verify, false, sources?.[i]));
      prepared.items.forEach((t, i) => {
        if (inProduct(t) && results[i].kind !== "accepted") {
          this.#muhash.remove(itemElement(ITEM_TX, (t as Checked).entry.txid));
        }
      });
      return results;
    });
  }

  /**
   * Offers one transaction inside the open database transaction and records its outcome in
   * the event stream (`adopted`: an orphan let in by its parent's arrival).
   */
  #add(
    input: Tx | Uint8Array | EncodedTx | Checked,
    verify: VerifyFn,
    adopted = false,
    source?: string,
  ): AddResult {
    const r = this.#offer(input, verify, adopted, source);
    // "accepted" is recorded by #offer itself, before the orphans it lets in.
    if (r.kind !== "accepted") this.#events.push({ ...r, adopted } as TxEvent);
    return r;
  }

  #offer(
    input: Tx | Uint8Array | EncodedTx | Checked,
    verify: VerifyFn,
    adopted: boolean,
    source?: string,
  ): AddResult {
    let entry: EncodedTx;
    let message: Uint8Array | undefined;
    let ownerHashes: readonly Uint8Array[] | undefined;
    let inDigest = false;
    try {
      if (!(input instanceof Uint8Array) && "signatures" in input) {
        ({ entry, message, ownerHashes } = input);
        inDigest = input.inProduct === true;
      } else entry = toEncoded(input);
    } catch (e) {
      if (e instanceof WireError || e instanceof RangeError) {
        return { kind: "rejected", txid: "", code: "malformed", message: e.message };
      }
      throw e;
    }
    const { raw, tx, txid: idBytes, id } = entry;
    if (this.#hasTxRow(idBytes)) return { kind: "duplicate", txid: id };
    const now = this.#clock();
    // One query per parent gives its outputs (for validation) and its status and height.
    const parents: { id: Uint8Array; row: ParentRow | undefined }[] = [];
    const parentOf = (pid: Uint8Array): ParentRow | undefined => {
      for (const p of parents) if (bytesEqual(p.id, pid)) return p.row;
      const row = this.#parent(pid);
      parents.push({ id: pid, row });
      return row;
    };
    const lookup: ParentLookup = (pid) => parentOf(pid)?.outputs;
    const checked = input instanceof Uint8Array || !("signatures" in input) ? undefined : input;
    try {
      checkTxSanity(tx, now, checked?.signatures);
      const missing = missingParents(tx, lookup);
      if (missing.length > 0) {
        if (this.orphans.has(id)) return { kind: "duplicate", txid: id };
        this.orphans.add(id, raw, missing, now, source);
        return { kind: "orphan", txid: id, missing };
      }
      const verifyFn = checked ? checkedVerify(tx, checked, verify) : verify;
      checkTxInputs(tx, lookup, verifyFn, message, ownerHashes);
    } catch (e) {
      if (e instanceof RuleError) {
        return { kind: "rejected", txid: id, code: e.code, message: e.message };
      }
      throw e;
    }
    // The status rule of core/state.ts for the new transaction (its parents are settled). An
    // outpoint that already has a spender is a conflict: old co-spenders get exact weights
    // again (re-watched) and are re-evaluated.
    let height = 0;
    const parentRows: ParentRow[] = [];
    const parentSeqs: number[] = [];
    const parentStatus: TxStatus[] = [];
    // Per input, the address hash of the output it spends (for the status event).
    const spent: Uint8Array[] = [];
    const rivals = new Set<number>();
    for (const inp of tx.inputs) {
      const p = parentOf(inp.txid)!;
      parentRows.push(p);
      parentSeqs.push(p.seq);
      parentStatus.push(p.status);
      spent.push(p.outputs[inp.index].address);
      if (p.height >= height) height = p.height + 1;
      if (p.spenders !== undefined) {
        for (const r of p.spenders[inp.index] ?? NO_SPENDERS) rivals.add(r);
      } else {
        for (const r of this.#s.spendersOf.all(p.seq, inp.index) as Row[]) rivals.add(Number(r.tx));
      }
    }
    for (const r of rivals) this.#walk.ensureWatched(r);
    const self: OrderKey = { txid: id, weight: 0n, best: null, height };
    const status = statusOf(
      self,
      parentStatus,
      [...rivals].map((r) => this.#walk.keyOf(r)),
      this.#confirmWork,
    );
    const seq = this.#insert(idBytes, raw, tx, parentSeqs, { height, status, weight: 0n }, {
      inDigest,
      id,
      spent,
    });
    tx.inputs.forEach((inp, i) => {
      const known = parentRows[i].spenders;
      if (known !== undefined) (known[inp.index] ??= []).push(seq);
    });
    if (rivals.size > 0) {
      this.#weights.markContested(seq, this.#dag);
      for (const r of rivals) this.#weights.markContested(r, this.#dag);
      this.#walk.refresh([seq]);
    }
    this.#events.push({ kind: "accepted", txid: id, entry, adopted });
    // Orphans, and confirmations, that waited for this transaction get another try.
    for (const child of this.orphans.takeChildren(id)) this.#add(child.raw, verify, true);
    this.#retryWaiting(id);
    return { kind: "accepted", txid: id };
  }

  #parent(txid: Uint8Array): ParentRow | undefined {
    const recent = this.#recentParents.get(toHex(txid));
    if (recent !== undefined) {
      const status = this.#watchedStatus.get(recent.seq) ??
        (this.#s.headBySeq.get(recent.seq) as Row).status as TxStatus;
      return { ...recent, status };
    }
    const r = this.#txRow(txid, this.#s.parentAt);
    if (r === undefined) return undefined;
    return {
      seq: Number(r.seq),
      outputs: decodeOutputs(r.raw as Uint8Array),
      status: r.status as TxStatus,
      height: Number(r.height),
    };
  }

  /** Stores a validated transaction; returns its seq. `parentSeqs` follow its inputs. */
  #insert(
    idBytes: Uint8Array,
    raw: Uint8Array,
    tx: Tx,
    parentSeqs: readonly number[],
    st: { height: number; status: TxStatus; weight: bigint },
    opts: { inDigest?: boolean; id?: string; spent?: readonly Uint8Array[] } = {},
  ): number {
    const seq = ++this.#seq;
    this.#s.insTx.run(
      seq,
      idBytes,
      raw,
      st.height,
      tx.timestamp,
      st.weight.toString(),
      null,
      st.status,
    );
    const values: (Uint8Array | number | bigint)[] = [];
    for (let i = 0; i < tx.outputs.length; i++) {
      values.push(tx.outputs[i].address, seq, i, tx.outputs[i].amount);
    }
    this.#insertOutputs(tx.outputs.length).run(...values);
    for (let i = 0; i < tx.inputs.length; i++) {
      this.#s.insSpend.run(parentSeqs[i], tx.inputs[i].index, seq);
    }
    this.#txids?.add(idBytes, seq);
    this.#count++;
    this.#statusCounts[st.status]++;
    // inDigest: the commit already added the workers' element for it (commitTxs).
    if (opts.inDigest !== true) this.#muhash.insert(itemElement(ITEM_TX, idBytes));
    this.#digest = null;
    this.#digestChanged = true;
    const hex = opts.id ?? toHex(idBytes);
    this.#storedEvent.set(hex, this.#events.length);
    this.#events.push({
      kind: "status",
      txid: hex,
      from: null,
      to: st.status,
      tx,
      spent: opts.spent,
    });
    this.#weights.watch(seq, {
      weight: st.weight,
      best: null,
      contested: false,
      parents: parentSeqs.length === 1 ? parentSeqs : [...new Set(parentSeqs)],
      id: hex,
    });
    this.#weights.addTx(seq, parentSeqs);
    this.#watchedStatus.set(seq, st.status);
    this.#recentParents.set(hex, { seq, outputs: tx.outputs, height: st.height, spenders: [] });
    if (this.#recentParents.size > RECENT_PARENTS) {
      this.#recentParents.delete(this.#recentParents.keys().next().value!);
    }
    return seq;
  }

  /** One INSERT for all `n` outputs of a transaction (one statement call, not n). */
  #insertOutputs(n: number): StatementSync {
    return this.#insOuts[n] ??= this.#db.prepare(
      "INSERT INTO outputs (hash, tx, idx, amount) VALUES " +
        Array(n).fill("(?, ?, ?, ?)").join(", "),
    );
  }

  /**
   * Offers a confirmation (decoded, or its canonical encoding). Stored when its work checks
   * and its transaction and refs are stored; otherwise it waits, bounded (PROTOCOL.md §6).
   */
  addConfirmation(c: Confirmation | Uint8Array): ConfResult {
    return this.#write(() => this.#addConf(c));
  }

  /** Offers many confirmations in one commit (`_source`: the sender, for net's accounting; unused). */
  addConfirmations(
    list: readonly (Confirmation | Uint8Array)[],
    _source?: string,
  ): ConfResult[] {
    return this.#write(() => list.map((c) => this.#addConf(c)));
  }

  /** Offers one confirmation and records its outcome in the event stream. */
  #addConf(input: Confirmation | Uint8Array): ConfResult {
    const r = this.#offerConf(input);
    this.#events.push(r);
    return r;
  }

  #offerConf(input: Confirmation | Uint8Array): ConfResult {
    let c: Confirmation;
    try {
      c = input instanceof Uint8Array ? decodeConfirmation(input) : input;
      checkRefs(c.refs); // one encoding per set: a decoded one is checked already
    } catch (e) {
      if (e instanceof WireError || e instanceof RangeError) {
        return { kind: "invalid", id: "", code: "malformed", message: e.message };
      }
      throw e;
    }
    let checked;
    try {
      checked = checkConfirmation(c, this.#minConfBits);
    } catch (e) {
      if (e instanceof RuleError) {
        return { kind: "invalid", id: "", code: e.code, message: e.message };
      }
      throw e;
    }
    const idBytes = checked.id;
    const id = toHex(idBytes);
    if (this.#hasConfRow(idBytes)) return { kind: "known", id };
    const txRow = this.#txRow(c.txid, this.#s.txidAt);
    const missing: string[] = [];
    if (txRow === undefined) missing.push(toHex(c.txid));
    const refSeqs: number[] = [];
    for (const r of c.refs) {
      const row = this.#mightHave(r) ? this.#s.confSeq.get(r) as Row | undefined : undefined;
      if (row === undefined) missing.push(toHex(r));
      else refSeqs.push(Number(row.seq));
    }
    if (missing.length > 0 || txRow === undefined) {
      if (this.waitingConfs.has(id)) return { kind: "known", id };
      this.waitingConfs.add(id, encodeConfirmation(c), missing, this.#clock());
      return { kind: "waiting", id, missing };
    }
    const txSeq = Number(txRow.seq);
    const seq = ++this.#seq;
    const refs = new Uint8Array(32 * c.refs.length);
    c.refs.forEach((r, i) => refs.set(r, 32 * i));
    this.#s.insConf.run(seq, idBytes, txSeq, c.bits, nonceBytes(c.nonce), refs);
    this.#addId(idBytes);
    for (const r of refSeqs) this.#s.insRef.run(r, seq);
    this.#confCount++;
    const now = this.#clock();
    this.#recent.push({ t: now, w: confirmationWeight(c.bits) });
    while (this.#recent.length > 0 && now - this.#recent[0].t > RATE_WINDOW_MS) {
      this.#recent.shift();
    }
    this.#muhash.insert(itemElement(ITEM_CONF, idBytes));
    this.#digest = null;
    this.#digestChanged = true;
    const approved = this.#weights.addConf(seq, idBytes, txSeq, refSeqs, c.bits);
    const seeds: number[] = [];
    // When the confirmation approves no contested transaction, no rival's order changes, so no
    // transaction's liveness does: the fast path below is then exact. Otherwise every status
    // goes through the walk, which may make a parent a loser in the same commit.
    const anyContested = [...approved].some((t) => this.#weights.watched.get(t)!.contested);
    // A confirmation's approved set mostly shares one weight and one best hash: encode each
    // distinct value once.
    let lastBest: string | null = null, bestBytes: Uint8Array | null = null;
    let lastWeight = -1n, weightText = "";
    const encode = (w: Watched) => {
      if (w.best !== lastBest) [lastBest, bestBytes] = [w.best, fromHexOrNull(w.best)];
      if (w.weight !== lastWeight) [lastWeight, weightText] = [w.weight, w.weight.toString()];
      return [weightText, bestBytes] as const;
    };
    // Settled rows are written after the loop, grouped by (weight, best hash), several per
    // statement; nothing in the loop reads them back.
    const settled = new Map<string, { weight: string; best: Uint8Array | null; seqs: number[] }>();
    for (const t of approved) {
      const w = this.#weights.watched.get(t)!;
      const status = this.#watchedStatus.get(t);
      const settle = w.weight >= this.#threshold && !w.contested;
      if (settle && status === "pending" && !anyContested) {
        // Pending is live, so its parents are live and stay so (no rival gained weight);
        // nothing spends its outpoints but it; and now its weight reaches the threshold:
        // statusOf (core/state.ts) says confirmed, and no other status depends on the change
        // (it stays live). Written with its weight.
        const [weightText, best] = encode(w);
        const key = `${weightText}:${lastBest}`;
        let group = settled.get(key);
        if (group === undefined) settled.set(key, group = { weight: weightText, best, seqs: [] });
        group.seqs.push(t);
        const id = w.id ?? toHex((this.#s.headBySeq.get(t) as Row).txid as Uint8Array);
        this.#statusChanged(id, "pending", "confirmed");
      } else {
        const [weightText, best] = encode(w);
        this.#s.setWeight.run(weightText, best, settle ? 0 : 1, t);
      }
      if (
        w.contested ||
        (status === "pending" && w.weight >= this.#threshold && (!settle || anyContested))
      ) seeds.push(t);
      if (settle) {
        // Its weight only grows and nothing contests it: a lower bound is enough from now on.
        this.#weights.unwatch(t);
        this.#watchedStatus.delete(t);
      }
    }
    for (const g of settled.values()) {
      let i = 0;
      for (; i + SETTLE_CHUNK <= g.seqs.length; i += SETTLE_CHUNK) {
        this.#s.settleMany.run(g.weight, g.best, ...g.seqs.slice(i, i + SETTLE_CHUNK));
      }
      for (; i < g.seqs.length; i++) this.#s.settleConfirmed.run(g.weight, g.best, g.seqs[i]);
    }
    if (seeds.length > 0) this.#walk.refresh(seeds);
    this.#retryWaiting(id);
    return { kind: "stored", id, txid: toHex(c.txid), bits: c.bits, conf: c };
  }

  /** Confirmations that waited for the item `id` get another try. */
  #retryWaiting(id: string): void {
    for (const w of this.waitingConfs.takeChildren(id)) this.#addConf(w.raw);
  }

  /** True when the txid is stored. */
  hasTx(txid: Uint8Array | string): boolean {
    const b = typeof txid === "string" ? fromHex(txid) : txid;
    return this.#hasTxRow(b);
  }

  /** True when a transaction or confirmation with this id is stored. */
  hasItem(id: Uint8Array | string): boolean {
    const b = typeof id === "string" ? fromHex(id) : id;
    return this.#hasTxRow(b) || this.#hasConfRow(b);
  }

  /** The encoding of a stored transaction (no decoding). */
  getRaw(txid: Uint8Array): { raw: Uint8Array } | undefined {
    const r = this.#txRow(txid, this.#s.txAt);
    return r === undefined ? undefined : { raw: r.raw as Uint8Array };
  }

  /** A stored confirmation by id. */
  getConfirmation(id: Uint8Array): Confirmation | undefined {
    return readConfirmationRow(this.#s, id);
  }

  /** Every stored confirmation with its id (the pow hash), in storage order (for `export`). */
  confirmations(): Generator<{ id: Uint8Array; conf: Confirmation }> {
    return readAllConfirmations(this.#s);
  }

  /** A stored item (transaction or confirmation) by id, for sync replies. */
  getItem(id: Uint8Array): StoredItem | undefined {
    const tx = this.getRaw(id);
    if (tx) return { kind: "tx", raw: tx.raw };
    if (!this.#mightHave(id)) return undefined;
    const conf = this.getConfirmation(id);
    return conf ? { kind: "conf", conf } : undefined;
  }

  /**
   * The conflict rule's order key (docs/PROTOCOL.md §8: weight, best hash, height, txid) of a
   * stored transaction the ledger watches, exact; undefined when it is not stored or not
   * watched (settled past the threshold and uncontested, so in no conflict). Every spender of
   * a contested outpoint is watched. For explaining a conflict's outcome (`x`, reversals).
   */
  orderKeyOf(txid: string | Uint8Array): OrderKey | undefined {
    const seq = this.seqOf(typeof txid === "string" ? fromHex(txid) : txid);
    if (seq === undefined || !this.#weights.watched.has(seq)) return undefined;
    const { status: _status, ...key } = this.#walk.keyOf(seq);
    return key;
  }

  /**
   * Sync's view of an item: its kind (0 transaction, 1 confirmation, as in inventories)
   * when stored, undefined when not.
   */
  workOf(id: Uint8Array): number | undefined {
    if (this.#hasTxRow(id)) return ITEM_TX;
    return this.#hasConfRow(id) ? ITEM_CONF : undefined;
  }

  /**
   * The txids (hex) of every stored transaction that pays one of `hashes` (20-byte address
   * hashes) or spends an output paying one: a wallet's transactions. Two index range reads per
   * hash (outputs by owner, then their spends).
   */
  txidsTouching(hashes: Iterable<Uint8Array>): Set<string> {
    const out = new Set<string>();
    for (const h of hashes) {
      for (const r of this.#s.paysTo.all(h) as Row[]) out.add(toHex(r.txid as Uint8Array));
      for (const r of this.#s.spendsFrom.all(h) as Row[]) out.add(toHex(r.txid as Uint8Array));
    }
    return out;
  }

  /**
   * A stored transaction with its state, or undefined. Its weight is the stored one (exact
   * while watched, else a lower bound); with `exactWeight`, a confidence query, an unwatched
   * one's exact weight is summed over its future cone, up to CONE_BUDGET confirmations.
   */
  getTx(
    txid: Uint8Array | string,
    opts: { readonly exactWeight?: boolean } = {},
  ): TxRecord | undefined {
    const b = typeof txid === "string" ? fromHex(txid) : txid;
    const r = this.#txRow(b, this.#s.txAt);
    if (r === undefined) return undefined;
    const rec = this.#record(r);
    if (rec.weightExact || !opts.exactWeight) return rec;
    // A confidence query: the exact weight by a bounded walk of the future cone (§11).
    const base = rec.seq === 1 ? this.#genesisBase() : 0n;
    const exact = this.#weights.coneWeight(rec.seq, base, this.#dag, CONE_BUDGET);
    return exact === null
      ? rec
      : { ...rec, weight: exact.weight, weightExact: true, work: weightBits(exact.weight) };
  }

  #record(r: Row): TxRecord {
    return txRecord(r, this.#weights);
  }

  /**
   * Confirmed and pending balance of an address (unspent outputs of live transactions).
   * Throws TypeError for an invalid address.
   */
  balance(address: string): { confirmed: bigint; pending: bigint } {
    return balanceOf(this.#s, address);
  }

  /** Unspent outputs of an address, confirmed first, larger first. */
  unspent(address: string): Coin[] {
    return unspentOf(this.#s, address);
  }

  /** Balances of every address with live unspent outputs. */
  balances(): Map<string, bigint> {
    return allBalances(this.#s);
  }

  /** Most recent transactions first. */
  history(limit = 20, offset = 0): TxRecord[] {
    return (this.#s.history.all(limit, offset) as Row[]).map((r) => this.#record(r));
  }

  /** Every stored transaction in arrival order. */
  *all(): Generator<TxRecord> {
    for (const r of this.#s.all.iterate() as Iterable<Row>) yield this.#record(r);
  }

  /**
   * The LAN's recent hash rate (hashes/s) as this ledger saw it: the weight of the
   * confirmations stored in the last minute, divided by that minute (0 before any). It turns a
   * weight into "seconds of this LAN's recent hash rate" (docs/PROTOCOL.md §14).
   */
  recentHashRate(): number {
    const now = this.#clock();
    let w = 0n;
    for (const r of this.#recent) if (now - r.t <= RATE_WINDOW_MS) w += r.w;
    return Number(w) / (RATE_WINDOW_MS / 1000);
  }

  /** Status counts. */
  statusCounts(): Record<TxStatus, number> {
    return { ...this.#statusCounts, orphan: this.orphans.size };
  }

  /**
   * A mining template (PROTOCOL.md §12): the least-weighted live watched transaction (ties:
   * the newer), else the newest live one; and up to `maxRefs` tips, newest first, that
   * approve no transaction that is not live. Null only when nothing is live (never, with a
   * genesis).
   */
  mineTemplate(maxRefs = MAX_REFS): MineTemplate | null {
    return mineTemplateOf(this.#s, this.#weights, this.#watchedStatus, maxRefs);
  }

  /**
   * Sync inventory: up to `limit` stored items after the item `after` (all zeros = from the
   * start), in storage order, which is topological (a tx after its parents, a confirmation
   * after its tx and refs). `work` carries the kind: 0 transaction, 1 confirmation.
   */
  inventory(after: Uint8Array, limit: number): { txid: Uint8Array; work: number }[] {
    return inventoryPage(this.#s, after, limit, (id) => this.seqOf(id));
  }

  /**
   * Anti-entropy summary: item count (transactions + confirmations) and the digest of the item
   * set (docs/PROTOCOL.md §10.3). Equal sets give equal summaries in any arrival order.
   */
  summary(): { count: number; digest: Uint8Array } {
    this.#digest ??= this.#muhash.finalize();
    return { count: this.#count + this.#confCount, digest: this.#digest.slice() };
  }

  /** The supply invariant: live unspent outputs add up to the genesis supply. */
  supply(): { genesis: bigint; unspent: bigint; ok: boolean } {
    let unspent = 0n;
    for (const v of this.balances().values()) unspent += v;
    return { genesis: this.genesis.supply, unspent, ok: unspent === this.genesis.supply };
  }

  /** Runs PRAGMA integrity_check; "ok" when healthy. */
  integrityCheck(): string {
    const rows = this.#db.prepare("PRAGMA integrity_check").all() as Row[];
    return rows.map((r) => String(r.integrity_check)).join("; ");
  }

  /** Checkpoints the WAL and closes the database. Safe to call twice. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      if (this.path !== ":memory:") this.#db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
    } catch {
      // read-only or busy: the WAL is replayed on next open, nothing is lost
    }
    this.#db.close();
  }
}

function fromHexOrNull(hex: string | null): Uint8Array | null {
  return hex === null ? null : fromHex(hex);
}

function nonceBytes(nonce: bigint): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, nonce);
  return b;
}

/** True when a prepared item's digest element is in its batch's product. */
function inProduct(t: Tx | Uint8Array | EncodedTx | Checked): boolean {
  return !(t instanceof Uint8Array) && "signatures" in t && t.inProduct === true;
}
