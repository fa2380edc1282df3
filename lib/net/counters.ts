/**
 * Network counters, shown by the `p` and `m` commands and the JSON log.
 * @module
 */

/** Counters of one node's traffic. All counts start at zero. */
export interface NetCounters {
  datagramsIn: number;
  datagramsOut: number;
  bytesIn: number;
  bytesOut: number;
  sendErrors: number;
  ownIgnored: number;
  rateLimited: number;
  otherNetwork: number;
  /** Malformed datagrams by decoder reason (size, magic, version, type, count, decode, trailing). */
  malformed: Record<string, number>;
  txReceived: number;
  txAccepted: number;
  txDuplicate: number;
  txOrphan: number;
  /** Rejected transactions by rule code. */
  txRejected: Record<string, number>;
  confReceived: number;
  confImproved: number;
  confStale: number;
  confUnknown: number;
  relayed: number;
  /** Relays dropped because enough copies were heard during their delay (suppression). */
  relaySuppressed: number;
  /** Summaries of ours skipped because enough covering ones were heard (suppression). */
  summariesSuppressed: number;
  /** Summaries of ours skipped because a sync session had just completed. */
  summariesQuiet: number;
  syncSessions: number;
  /** Sessions that walked the recent inventory only (from an anchor txid, lib/net/recent.ts). */
  syncRecent: number;
  syncCompleted: number;
  syncAbandoned: number;
  syncRequested: number;
  /** Datagrams dropped unread because their source is ignored for misbehaviour. */
  banned: number;
  /** Replies not sent: over the 3× budget of a source that has not answered a cookie. */
  replyRefused: number;
  /** Transactions dropped as found in the recent-rejects filter (no verification). */
  txRecentlyRejected: number;
  /**
   * Datagrams refused by the membership-key layer (lib/net/membership.ts): unsealed or
   * forged, under another key, stale or replayed; or, on a node without a key, sealed ones.
   */
  authFailed: number;
}

/** Fresh counters. */
export function newCounters(): NetCounters {
  return {
    datagramsIn: 0,
    datagramsOut: 0,
    bytesIn: 0,
    bytesOut: 0,
    sendErrors: 0,
    ownIgnored: 0,
    rateLimited: 0,
    otherNetwork: 0,
    malformed: {},
    txReceived: 0,
    txAccepted: 0,
    txDuplicate: 0,
    txOrphan: 0,
    txRejected: {},
    confReceived: 0,
    confImproved: 0,
    confStale: 0,
    confUnknown: 0,
    relayed: 0,
    relaySuppressed: 0,
    summariesSuppressed: 0,
    summariesQuiet: 0,
    syncSessions: 0,
    syncRecent: 0,
    syncCompleted: 0,
    syncAbandoned: 0,
    syncRequested: 0,
    banned: 0,
    replyRefused: 0,
    txRecentlyRejected: 0,
    authFailed: 0,
  };
}

/** Increments a keyed counter. */
export function bump(map: Record<string, number>, key: string): void {
  map[key] = (map[key] ?? 0) + 1;
}
