/**
 * The ledger: transactions, outputs, best confirmations and statuses in SQLite. Validation
 * uses lib/core; statuses are kept equal to `computeState` by incremental updates (§8 and
 * §11 of docs/PROTOCOL.md). Every applied change is one database transaction.
 * @module
 */
import type { DatabaseSync, StatementSync } from "node:sqlite";
import { decodeAddress, encodeAddress } from "../core/address.ts";
import { RuleError } from "../core/errors.ts";
import { WireError } from "../core/errors.ts";
import type { Genesis } from "../core/genesis.ts";
import { bytesEqual, fromHex, sha256, toHex } from "../core/hash.ts";
import { CONFIRM_WORK_BITS, confirmationWork } from "../core/pow.ts";
import { compareSpenders, isLive, type TxStatus } from "../core/state.ts";
import {
  decodeOutputs,
  decodeTx,
  type EncodedTx,
  encodedTxFromBytes,
  encodedTxFromTx,
  encodeTx,
  isEncodedTx,
  sighashMessage,
  type Tx,
  type TxOutput,
} from "../core/tx.ts";
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
import { QuotaPool } from "../core/quota_pool.ts";
import { loadDefaultGenesis } from "./genesis_file.ts";
import type { BatchHint, SignatureCheck, Verifier } from "./verifier.ts";

export type { AddResult, ConfResult, LedgerEvent, LedgerListener, StatusChange, TxEvent };

/** A stored transaction with its state. */
export interface TxRecord {
  readonly txid: string;
  readonly tx: Tx;
  readonly raw: Uint8Array;
  readonly work: number;
  readonly nonce: bigint | null;
  readonly status: TxStatus;
  readonly seq: number;
}

/** An unspent output of a live transaction. */
export interface Coin {
  readonly txid: string;
  readonly index: number;
  readonly amount: bigint;
  readonly address: string;
  readonly status: TxStatus;
}

/** Options of `openLedger`. */
export interface LedgerOptions {
  /** The network's genesis; the default network's when omitted. */
  genesis?: Genesis;
  /** Milliseconds since the epoch; injected for tests. */
  clock?: () => number;
  /** Signature check; node:crypto's by default. */
  verify?: VerifyFn;
  /** Work at which a winning transaction is confirmed; the protocol's constant by default. */
  confirmWork?: number;
  /** Open read-only (for `export` while a node runs). */
  readOnly?: boolean;
  /** Orphan pool bounds. */
  orphans?: ConstructorParameters<typeof OrphanPool>[0];
}

/** SQL condition: output `o` has no live spender. */
const UNSPENT = "NOT EXISTS (SELECT 1 FROM spends s JOIN txs st ON st.seq = s.tx " +
  "WHERE s.prev = o.tx AND s.prev_idx = o.idx AND st.status IN ('pending', 'confirmed'))";

/** Most confirmations for unknown txids kept until the tx arrives. */
const MAX_EARLY_CONFS = 4096;

type Row = Record<string, unknown>;

/** A batch that a Verifier checked (`Ledger.prepareTxs`), ready for `commitTxs`. */
export interface PreparedTxs {
  readonly items: readonly (Tx | Uint8Array | EncodedTx | Checked)[];
}

/** A decoded transaction with its sighash message and the workers' signature verdicts. */
interface Checked {
  readonly entry: EncodedTx;
  /** The sighash message every input signs. */
  readonly message: Uint8Array;
  /** One entry per input: does its signature verify over `message`? Empty: not checked yet. */
  readonly signatures: readonly boolean[];
}

interface ParentRow {
  readonly seq: number;
  readonly outputs: readonly TxOutput[];
  readonly status: TxStatus;
  readonly height: number;
}

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
  const db = await openDatabase(path, { readOnly: options.readOnly });
  try {
    return new Ledger(db, path, genesis, options);
  } catch (e) {
    db.close();
    throw e;
  }
}

/** Min-heap of transactions (by seq) by height, so parents are settled before children. */
class HeightQueue {
  #items: { h: number; id: number }[] = [];
  #queued = new Set<number>();
  push(h: number, id: number): void {
    if (this.#queued.has(id)) return;
    this.#queued.add(id);
    const a = this.#items;
    a.push({ h, id });
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (a[p].h <= a[i].h) break;
      [a[p], a[i]] = [a[i], a[p]];
      i = p;
    }
  }
  pop(): number | undefined {
    const a = this.#items;
    if (a.length === 0) return undefined;
    const top = a[0];
    const last = a.pop()!;
    if (a.length > 0) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1, r = l + 1;
        let m = i;
        if (l < a.length && a[l].h < a[m].h) m = l;
        if (r < a.length && a[r].h < a[m].h) m = r;
        if (m === i) break;
        [a[m], a[i]] = [a[i], a[m]];
        i = m;
      }
    }
    this.#queued.delete(top.id);
    return top.id;
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
  readonly #db: DatabaseSync;
  readonly #clock: () => number;
  readonly #verify: VerifyFn;
  readonly #confirmWork: number;
  readonly #listeners: LedgerListener[] = [];
  readonly #s: Record<string, StatementSync>;
  readonly #insOuts: StatementSync[] = [];
  #seq = 0;
  #count = 0;
  #digest: Uint8Array = new Uint8Array(32);
  #digestChanged = false;
  /** Stored transactions by status, kept with every change (orphans: see `orphans`). */
  #statusCounts: Record<TxStatus, number> = { pending: 0, confirmed: 0, conflicted: 0, orphan: 0 };
  /** Outcomes of the open database transaction, published after its commit. */
  #events: LedgerEvent[] = [];
  /** Confirmations of unknown txids: least work evicted first, per-source quotas (§10.6). */
  #earlyConfs = new QuotaPool<bigint>({ maxCount: MAX_EARLY_CONFS });
  #inTx = false;
  #closed = false;

  constructor(db: DatabaseSync, path: string, genesis: Genesis, options: LedgerOptions) {
    this.#db = db;
    this.path = path;
    this.genesis = genesis;
    this.#clock = options.clock ?? Date.now;
    this.#verify = options.verify ?? verifyMessageNative;
    this.#confirmWork = options.confirmWork ?? CONFIRM_WORK_BITS;
    this.orphans = new OrphanPool(options.orphans);
    const p = (sql: string) => db.prepare(sql);
    this.#s = {
      getMeta: p("SELECT value FROM meta WHERE key = ?"),
      putMeta: p("INSERT INTO meta (key, value) VALUES (?, ?)"),
      setMeta: p(
        "INSERT INTO meta (key, value) VALUES (?, ?) " +
          "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
      ),
      has: p("SELECT 1 AS x FROM txs WHERE txid = ?"),
      getTx: p("SELECT txid, raw, work, nonce, status, seq FROM txs WHERE txid = ?"),
      getRaw: p("SELECT raw, nonce FROM txs WHERE txid = ?"),
      getWork: p("SELECT work FROM txs WHERE txid = ?"),
      head: p("SELECT seq, status, height, work FROM txs WHERE txid = ?"),
      headBySeq: p("SELECT txid, status, height, work FROM txs WHERE seq = ?"),
      parent: p("SELECT seq, status, height, raw FROM txs WHERE txid = ?"),
      insTx: p(
        "INSERT INTO txs (seq, txid, raw, height, timestamp, work, nonce, status) " +
          "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
      ),
      insSpend: p("INSERT INTO spends (prev, prev_idx, tx) VALUES (?, ?, ?)"),
      inputsOf: p(
        "SELECT s.prev, s.prev_idx, p.status FROM spends s JOIN txs p ON p.seq = s.prev " +
          "WHERE s.tx = ?",
      ),
      winner: p(
        "SELECT t.seq, t.txid, t.work FROM spends s JOIN txs t ON t.seq = s.tx " +
          "WHERE s.prev = ? AND s.prev_idx = ? ORDER BY t.work DESC, t.txid ASC LIMIT 1",
      ),
      coSpenders: p(
        "SELECT DISTINCT s2.tx AS seq, t.height FROM spends s1 JOIN spends s2 " +
          "ON s2.prev = s1.prev AND s2.prev_idx = s1.prev_idx " +
          "JOIN txs t ON t.seq = s2.tx WHERE s1.tx = ?",
      ),
      contested: p(
        "SELECT 1 AS x FROM spends s1 JOIN spends s2 ON s2.prev = s1.prev " +
          "AND s2.prev_idx = s1.prev_idx AND s2.tx <> s1.tx WHERE s1.tx = ? LIMIT 1",
      ),
      children: p(
        "SELECT DISTINCT s.tx AS seq, t.height FROM spends s JOIN txs t ON t.seq = s.tx " +
          "WHERE s.prev = ?",
      ),
      setStatus: p("UPDATE txs SET status = ? WHERE seq = ?"),
      setWork: p("UPDATE txs SET work = ?, nonce = ? WHERE seq = ?"),
      balance: p(
        "SELECT t.status AS status, SUM(o.amount) AS total FROM outputs o " +
          "JOIN txs t ON t.seq = o.tx WHERE o.hash = ? " +
          `AND t.status IN ('pending', 'confirmed') AND ${UNSPENT} GROUP BY t.status`,
      ),
      unspent: p(
        "SELECT t.txid, o.idx, o.amount, t.status FROM outputs o " +
          "JOIN txs t ON t.seq = o.tx WHERE o.hash = ? " +
          `AND t.status IN ('pending', 'confirmed') AND ${UNSPENT} ` +
          // Confirmed before pending, larger first, then by outpoint: the same coins on any
          // node holding the same ledger, whatever the arrival order.
          "ORDER BY t.status = 'confirmed' DESC, o.amount DESC, t.txid, o.idx",
      ),
      allUnspent: p(
        "SELECT o.hash, SUM(o.amount) AS total FROM outputs o JOIN txs t ON t.seq = o.tx " +
          `WHERE t.status IN ('pending', 'confirmed') AND ${UNSPENT} GROUP BY o.hash`,
      ),
      history: p(
        "SELECT txid, raw, work, nonce, status, seq FROM txs ORDER BY seq DESC LIMIT ? OFFSET ?",
      ),
      all: p("SELECT txid, raw, work, nonce, status, seq FROM txs ORDER BY seq"),
      least: p(
        "SELECT txid, work FROM txs WHERE status IN ('pending', 'confirmed') AND work < ? " +
          "ORDER BY work ASC, seq ASC LIMIT 1",
      ),
      inventory: p(
        "SELECT txid, work FROM txs WHERE seq > coalesce((SELECT seq FROM txs WHERE txid = ?), 0) " +
          "ORDER BY seq LIMIT ?",
      ),
      digestRows: p("SELECT txid, work FROM txs"),
      count: p("SELECT count(*) AS n, max(seq) AS seq FROM txs"),
      statusCounts: p("SELECT status, count(*) AS n FROM txs GROUP BY status"),
    };
    this.#init();
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
          status: this.genesis.work >= this.#confirmWork ? "confirmed" : "pending",
          work: this.genesis.work,
          nonce: this.genesis.nonce,
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
    this.#events = [];
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

  /** The network id (first 8 bytes of the genesis txid). */
  get network(): Uint8Array {
    return this.genesis.network;
  }

  /** Number of stored transactions (orphans excluded). */
  get count(): number {
    return this.#count;
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
      if (this.#digestChanged) this.#s.setMeta.run("digest", toHex(this.#digest));
      this.#db.exec("COMMIT");
      this.#digestChanged = false;
    } catch (e) {
      try {
        this.#db.exec("ROLLBACK");
      } catch { /* the rollback error would hide the cause */ }
      this.#events = [];
      this.#inTx = false;
      this.#reloadCounters();
      if (e instanceof LedgerError || e instanceof RuleError) throw e;
      throw new LedgerError(`Cannot write to ${this.path}: ${(e as Error).message}`, { cause: e });
    }
    this.#inTx = false;
    const events = this.#events;
    this.#events = [];
    if (events.length > 0) { for (const fn of [...this.#listeners]) fn(events); }
    return result;
  }

  /**
   * Reads count, last seq and the summary digest back from the database. The digest is kept
   * in `meta` by every commit that changes it; a file without it (written before it was kept
   * there) gets it computed once from every row, and stored with the next commit.
   */
  #reloadCounters(): void {
    const c = this.#s.count.get() as Row;
    this.#count = Number(c.n);
    this.#seq = Number(c.seq ?? 0);
    this.#statusCounts = { pending: 0, confirmed: 0, conflicted: 0, orphan: 0 };
    for (const r of this.#s.statusCounts.all() as Row[]) {
      this.#statusCounts[r.status as TxStatus] = Number(r.n);
    }
    const stored = (this.#s.getMeta.get("digest") as Row | undefined)?.value;
    this.#digestChanged = false;
    if (typeof stored === "string" && /^[0-9a-f]{64}$/.test(stored)) {
      this.#digest = fromHex(stored);
      return;
    }
    this.#digest = new Uint8Array(32);
    for (const r of this.#s.digestRows.iterate() as Iterable<Row>) {
      xorInto(this.#digest, entryHash(r.txid as Uint8Array, Number(r.work)));
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
    verifier: Pick<Verifier, "verify">,
    hint?: BatchHint,
  ): Promise<PreparedTxs> {
    const checks: SignatureCheck[] = [];
    const decoded = txs.map((t) => {
      try {
        const entry = toEncoded(t);
        const message = sighashMessage(entry.tx);
        const first = checks.length;
        for (const i of entry.tx.inputs) {
          checks.push({ signature: i.signature, message, publicKey: i.publicKey });
        }
        return { entry, message, first };
      } catch {
        return null; // malformed: #add reports it
      }
    });
    const ok = await verifier.verify(checks, hint);
    const items = decoded.map((d, k): Tx | Uint8Array | EncodedTx | Checked =>
      d === null ? txs[k] : {
        entry: d.entry,
        message: d.message,
        signatures: ok?.slice(d.first, d.first + d.entry.tx.inputs.length) ?? [],
      }
    );
    return { items };
  }

  /**
   * Stage 2: applies a prepared batch in one commit with the usual rule checks, in order. The
   * signature rule takes the workers' verdicts; a signature they did not see (an orphan
   * retried on the way) is verified here.
   */
  commitTxs(prepared: PreparedTxs, sources?: readonly string[]): AddResult[] {
    return this.#write(() =>
      prepared.items.map((t, i) => this.#add(t, this.#verify, false, sources?.[i]))
    );
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
    try {
      if (!(input instanceof Uint8Array) && "signatures" in input) {
        ({ entry, message } = input);
      } else entry = toEncoded(input);
    } catch (e) {
      if (e instanceof WireError || e instanceof RangeError) {
        return { kind: "rejected", txid: "", code: "malformed", message: e.message };
      }
      throw e;
    }
    const { raw, tx, txid: idBytes, id } = entry;
    if (this.#s.has.get(idBytes) !== undefined) return { kind: "duplicate", txid: id };
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
    try {
      checkTxSanity(tx, now);
      const missing = missingParents(tx, lookup);
      if (missing.length > 0) {
        if (this.orphans.has(id)) return { kind: "duplicate", txid: id };
        this.orphans.add(id, raw, missing, now, source);
        return { kind: "orphan", txid: id, missing };
      }
      const checked = input instanceof Uint8Array || !("signatures" in input) ? undefined : input;
      checkTxInputs(tx, lookup, checked ? checkedVerify(tx, checked, verify) : verify, message);
    } catch (e) {
      if (e instanceof RuleError) {
        return { kind: "rejected", txid: id, code: e.code, message: e.message };
      }
      throw e;
    }
    // A confirmation may have arrived before its transaction.
    const early = this.#earlyConfs.take(id)?.value;
    const work = early === undefined ? 0 : confirmationWork(idBytes, early);
    // The status rule of core/state.ts for the new transaction. Its parents are settled; an
    // outpoint that already has a spender is a conflict, which may change that spender too.
    let height = 0, live = true, parentsConfirmed = true, contested = false;
    const parentSeqs: number[] = [];
    for (const inp of tx.inputs) {
      const p = parentOf(inp.txid)!;
      parentSeqs.push(p.seq);
      if (p.height >= height) height = p.height + 1;
      if (!isLive(p.status)) live = false;
      if (p.status !== "confirmed") parentsConfirmed = false;
      const w = this.#s.winner.get(p.seq, inp.index) as Row | undefined;
      if (w !== undefined) {
        contested = true;
        const rival = { txid: toHex(w.txid as Uint8Array), work: Number(w.work) };
        if (compareSpenders({ txid: id, work }, rival) > 0) live = false;
      }
    }
    const status: TxStatus = !live
      ? "conflicted"
      : work >= this.#confirmWork && parentsConfirmed
      ? "confirmed"
      : "pending";
    const seq = this.#insert(idBytes, raw, tx, parentSeqs, {
      height,
      status,
      work,
      nonce: early ?? null,
    });
    if (contested) this.#refresh([seq]);
    this.#events.push({ kind: "accepted", txid: id, entry, adopted });
    // Orphans that waited for this transaction get another try.
    for (const child of this.orphans.takeChildren(id)) this.#add(child.raw, verify, true);
    return { kind: "accepted", txid: id };
  }

  #parent(txid: Uint8Array): ParentRow | undefined {
    const r = this.#s.parent.get(txid) as Row | undefined;
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
    st: { height: number; status: TxStatus; work: number; nonce: bigint | null },
  ): number {
    const seq = ++this.#seq;
    this.#s.insTx.run(
      seq,
      idBytes,
      raw,
      st.height,
      tx.timestamp,
      st.work,
      st.nonce === null ? null : nonceBytes(st.nonce),
      st.status,
    );
    const values: (Uint8Array | number | bigint)[] = [];
    tx.outputs.forEach((o, i) => values.push(o.address, seq, i, o.amount));
    this.#insertOutputs(tx.outputs.length).run(...values);
    tx.inputs.forEach((inp, i) => this.#s.insSpend.run(parentSeqs[i], inp.index, seq));
    this.#count++;
    this.#statusCounts[st.status]++;
    xorInto(this.#digest, entryHash(idBytes, st.work));
    this.#digestChanged = true;
    this.#events.push({ kind: "status", txid: toHex(idBytes), from: null, to: st.status, tx });
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
   * Offers a confirmation. It is kept only with strictly more work than the best one
   * (PROTOCOL.md §6). Confirmations of unknown txids wait, bounded, for the tx.
   */
  addConfirmation(txid: Uint8Array, nonce: bigint): ConfResult {
    return this.#write(() => this.#addConf(txid, nonce));
  }

  /** Offers many confirmations in one commit. */
  addConfirmations(
    list: readonly { txid: Uint8Array; nonce: bigint }[],
    source?: string,
  ): ConfResult[] {
    return this.#write(() => list.map((c) => this.#addConf(c.txid, c.nonce, source)));
  }

  /** Offers one confirmation and records its outcome in the event stream. */
  #addConf(txid: Uint8Array, nonce: bigint, source?: string): ConfResult {
    const r = this.#offerConf(txid, nonce, source);
    this.#events.push(r);
    return r;
  }

  #offerConf(txid: Uint8Array, nonce: bigint, source?: string): ConfResult {
    const id = toHex(txid);
    const work = confirmationWork(txid, nonce);
    const head = this.#s.head.get(txid) as Row | undefined;
    if (head === undefined) {
      // Kept when it has more work than the one held; a source without a name is its own.
      this.#earlyConfs.add(id, nonce, { source: source ?? `tx:${id}`, score: work, now: 0 });
      return { kind: "unknown", txid: id, work };
    }
    const old = Number(head.work);
    if (work <= old) return { kind: "not-better", txid: id, work };
    const seq = Number(head.seq);
    this.#s.setWork.run(work, nonceBytes(nonce), seq);
    xorInto(this.#digest, entryHash(txid, old));
    xorInto(this.#digest, entryHash(txid, work));
    this.#digestChanged = true;
    // More work changes a status only when it reaches the confirmation threshold, or when
    // another transaction spends one of the same outputs (the winner may change). Otherwise
    // this transaction keeps its status, and so do its descendants.
    const crosses = old < this.#confirmWork && work >= this.#confirmWork;
    if (crosses || this.#s.contested.get(seq) !== undefined) this.#refresh([seq]);
    return { kind: "improved", txid: id, work };
  }

  /**
   * Recomputes statuses from `seeds` outward: the seeds' co-spenders (a winner may change)
   * and then, in height order, the children of every transaction whose status changed.
   */
  #refresh(seeds: readonly number[]): void {
    const q = new HeightQueue();
    for (const seq of seeds) {
      for (const r of this.#s.coSpenders.all(seq) as Row[]) {
        q.push(Number(r.height), Number(r.seq));
      }
      const head = this.#s.headBySeq.get(seq) as Row;
      q.push(Number(head.height), seq);
    }
    for (let seq = q.pop(); seq !== undefined; seq = q.pop()) {
      const head = this.#s.headBySeq.get(seq) as Row;
      const before = head.status as TxStatus;
      const after = this.#statusOf(seq, Number(head.work));
      if (after === before) continue;
      this.#s.setStatus.run(after, seq);
      this.#statusCounts[before]--;
      this.#statusCounts[after]++;
      const id = toHex(head.txid as Uint8Array);
      const last = this.#events.findLast((c) => c.kind === "status" && c.txid === id);
      if (last?.kind === "status" && last.from === null) {
        this.#events[this.#events.lastIndexOf(last)] = { ...last, to: after };
      } else this.#events.push({ kind: "status", txid: id, from: before, to: after });
      for (const r of this.#s.children.all(seq) as Row[]) {
        q.push(Number(r.height), Number(r.seq));
      }
    }
  }

  /** The status rule of core/state.ts, evaluated for one stored transaction. */
  #statusOf(seq: number, work: number): TxStatus {
    let live = true;
    let parentsConfirmed = true;
    for (const r of this.#s.inputsOf.all(seq) as Row[]) {
      const ps = r.status as TxStatus;
      if (!isLive(ps)) live = false;
      if (ps !== "confirmed") parentsConfirmed = false;
      const w = this.#s.winner.get(r.prev as number, r.prev_idx as number) as Row;
      if (Number(w.seq) !== seq) live = false;
    }
    if (!live) return "conflicted";
    return work >= this.#confirmWork && parentsConfirmed ? "confirmed" : "pending";
  }

  /** True when the txid is stored. */
  hasTx(txid: Uint8Array | string): boolean {
    const b = typeof txid === "string" ? fromHex(txid) : txid;
    return this.#s.has.get(b) !== undefined;
  }

  /** The encoding and best confirmation nonce of a stored transaction (no decoding). */
  getRaw(txid: Uint8Array): { raw: Uint8Array; nonce: bigint | null } | undefined {
    const r = this.#s.getRaw.get(txid) as Row | undefined;
    return r === undefined ? undefined : { raw: r.raw as Uint8Array, nonce: nonceOf(r) };
  }

  /** The best work of a stored transaction, or undefined when it is not stored. */
  workOf(txid: Uint8Array): number | undefined {
    const r = this.#s.getWork.get(txid) as Row | undefined;
    return r === undefined ? undefined : Number(r.work);
  }

  /** A stored transaction with its state, or undefined. */
  getTx(txid: Uint8Array | string): TxRecord | undefined {
    const b = typeof txid === "string" ? fromHex(txid) : txid;
    const r = this.#s.getTx.get(b) as Row | undefined;
    return r === undefined ? undefined : toRecord(r);
  }

  /**
   * Confirmed and pending balance of an address (unspent outputs of live transactions).
   * Throws TypeError for an invalid address.
   */
  balance(address: string): { confirmed: bigint; pending: bigint } {
    let confirmed = 0n, pending = 0n;
    for (const r of this.#s.balance.all(decodeAddress(address)) as Row[]) {
      if (r.status === "confirmed") confirmed = BigInt(r.total as number);
      else pending = BigInt(r.total as number);
    }
    return { confirmed, pending };
  }

  /** Unspent outputs of an address, confirmed first, larger first. */
  unspent(address: string): Coin[] {
    return (this.#s.unspent.all(decodeAddress(address)) as Row[]).map((r) => ({
      txid: toHex(r.txid as Uint8Array),
      index: Number(r.idx),
      amount: BigInt(r.amount as number),
      address,
      status: r.status as TxStatus,
    }));
  }

  /** Balances of every address with live unspent outputs. */
  balances(): Map<string, bigint> {
    const m = new Map<string, bigint>();
    for (const r of this.#s.allUnspent.all() as Row[]) {
      m.set(encodeAddress(r.hash as Uint8Array), BigInt(r.total as number));
    }
    return m;
  }

  /** Most recent transactions first. */
  history(limit = 20, offset = 0): TxRecord[] {
    return (this.#s.history.all(limit, offset) as Row[]).map(toRecord);
  }

  /** Every stored transaction in arrival order. */
  *all(): Generator<TxRecord> {
    for (const r of this.#s.all.iterate() as Iterable<Row>) yield toRecord(r);
  }

  /** Status counts. */
  statusCounts(): Record<TxStatus, number> {
    return { ...this.#statusCounts, orphan: this.orphans.size };
  }

  /**
   * The live transaction with the least work below `capBits` (ties: lower txid), for miners.
   * Losers of a conflict are never returned, so mining hardens winners (PROTOCOL.md §12).
   */
  leastConfirmed(capBits: number): { txid: Uint8Array; work: number } | null {
    const r = this.#s.least.get(capBits) as Row | undefined;
    return r === undefined ? null : { txid: r.txid as Uint8Array, work: Number(r.work) };
  }

  /**
   * Sync inventory: up to `limit` (txid, work) pairs stored after the tx `after` (all zeros =
   * from the start), in storage order. Storage order is topological (a tx is stored only after
   * its parents), so a node that fetches in this order receives no orphans.
   */
  inventory(after: Uint8Array, limit: number): { txid: Uint8Array; work: number }[] {
    return (this.#s.inventory.all(after, limit) as Row[]).map((r) => ({
      txid: r.txid as Uint8Array,
      work: Number(r.work),
    }));
  }

  /**
   * Anti-entropy summary: count and the XOR of SHA-256(txid ‖ work u16) over stored
   * transactions. Equal sets with equal work give equal summaries in any arrival order.
   */
  summary(): { count: number; digest: Uint8Array } {
    return { count: this.#count, digest: this.#digest.slice() };
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

function nonceOf(r: Row): bigint | null {
  const nb = r.nonce as Uint8Array | null;
  return nb === null ? null : new DataView(nb.buffer, nb.byteOffset, 8).getBigUint64(0);
}

function toRecord(r: Row): TxRecord {
  const raw = r.raw as Uint8Array;
  return {
    txid: toHex(r.txid as Uint8Array),
    tx: decodeTx(raw),
    raw,
    work: Number(r.work),
    nonce: nonceOf(r),
    status: r.status as TxStatus,
    seq: Number(r.seq),
  };
}

/**
 * A signature check that answers with a worker's verdicts for the inputs of `tx` (matched by
 * identity, so only those exact bytes get the verdict) and falls back to `verify` otherwise.
 */
/** The input as an EncodedTx: as given, decoded once, or encoded once. */
function toEncoded(t: Tx | Uint8Array | EncodedTx): EncodedTx {
  if (t instanceof Uint8Array) return encodedTxFromBytes(t);
  if (isEncodedTx(t)) return t as EncodedTx;
  return encodedTxFromTx("raw" in t ? (t as EncodedTx).tx : t as Tx);
}

function checkedVerify(tx: Tx, checked: Checked, verify: VerifyFn): VerifyFn {
  return (signature, message, publicKey) => {
    if (message === checked.message) {
      const i = tx.inputs.findIndex((inp) =>
        inp.signature === signature && inp.publicKey === publicKey
      );
      if (i >= 0 && i < checked.signatures.length) return checked.signatures[i];
    }
    return verify(signature, message, publicKey);
  };
}

function nonceBytes(nonce: bigint): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, nonce);
  return b;
}

function entryHash(txid: Uint8Array, work: number): Uint8Array {
  const m = new Uint8Array(34);
  m.set(txid);
  m[32] = work >> 8;
  m[33] = work & 0xff;
  return sha256(m);
}

function xorInto(acc: Uint8Array, h: Uint8Array): void {
  for (let i = 0; i < 32; i++) acc[i] ^= h[i];
}
