/**
 * Mining and network: hash rate per worker over time (uPlot), confirmations found, peers,
 * counters and sync sessions. Polled every two seconds while the tab is open.
 * @module
 */
import { useEffect, useState } from "preact/hooks";
import { api, type MiningJson, type PeersJson, short, type SyncJson } from "./api.ts";
import { LineChart } from "./chart.tsx";

/** Samples kept for the hash-rate chart (10 minutes at one per 2 s). */
const MAX_SAMPLES = 300;

export function Network() {
  const [m, setM] = useState<MiningJson | null>(null);
  const [p, setP] = useState<PeersJson | null>(null);
  const [s, setS] = useState<SyncJson | null>(null);
  const [rates, setRates] = useState<
    { t: number; r: readonly number[]; found: number }[]
  >([]);
  useEffect(() => {
    let live = true;
    const load = async () => {
      try {
        const [mm, pp, ss] = await Promise.all([
          api<MiningJson>("mining"),
          api<PeersJson>("peers"),
          api<SyncJson>("sync"),
        ]);
        if (!live) return;
        setM(mm);
        setP(pp);
        setS(ss);
        setRates((
          old,
        ) => [...old.slice(-MAX_SAMPLES + 1), {
          t: Date.now() / 1000,
          r: mm.workerHashRates,
          found: mm.found,
        }]);
      } catch { /* shown as stale numbers; the next poll retries */ }
    };
    load();
    const timer = setInterval(load, 2000);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, []);
  const workers = m?.workers ?? 0;
  const c = p?.counters ?? {};
  const num = (
    k: string,
  ) => (typeof c[k] === "number" ? (c[k] as number).toLocaleString() : "–");
  return (
    <>
      <section class="card wide">
        <h2>Mining</h2>
        {m && (
          <p data-testid="mining-summary">
            {workers === 0
              ? "Mining is off (--miners 0)."
              : `${workers} workers, ${(m.hashRate / 1e6).toFixed(2)} MH/s`}; {m.found}{" "}
            confirmations found, {m.totalHashes.toLocaleString()} hashes; cap {m.capBits}{" "}
            bits; target{" "}
            {m.target ? `${short(m.target.txid)} for ${m.target.goalBits} bits` : "idle"}
          </p>
        )}
        {workers > 0 && rates.length > 0 && (
          <LineChart
            title="Hash rate per worker (H/s)"
            testid="hashrate-chart"
            xs={rates.map((x) => x.t)}
            series={Array.from({ length: workers }, (_, i) => ({
              label: `worker ${i}`,
              values: rates.map((x) => x.r[i] ?? null),
            }))}
            width={760}
          />
        )}
        {rates.length > 1 && (
          <LineChart
            title="Confirmations found"
            xs={rates.map((x) => x.t)}
            series={[{ label: "found", values: rates.map((x) => x.found) }]}
            width={760}
            height={160}
          />
        )}
      </section>
      <section class="card">
        <h2>Peers ({p?.peers.length ?? 0})</h2>
        <table class="list" data-testid="peers">
          <thead>
            <tr>
              <th>node</th>
              <th>address</th>
              <th>seen</th>
              <th>txs</th>
            </tr>
          </thead>
          <tbody>
            {p?.peers.map((x) => (
              <tr key={x.nodeId}>
                <td>
                  <code>{x.nodeId}</code>
                </td>
                <td>{x.address}{x.static ? " (static)" : ""}</td>
                <td>{Math.round((Date.now() - x.lastSeen) / 1000)} s ago</td>
                <td>{x.count ?? "?"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <section class="card">
        <h2>Counters and sync</h2>
        <table class="kv">
          <tr>
            <th>Datagrams in / out</th>
            <td>{num("datagramsIn")} / {num("datagramsOut")}</td>
          </tr>
          <tr>
            <th>Rate-limited</th>
            <td>{num("rateLimited")}</td>
          </tr>
          <tr>
            <th>Transactions received / accepted</th>
            <td>{num("txReceived")} / {num("txAccepted")}</td>
          </tr>
          <tr>
            <th>Confirmations received / improved</th>
            <td>{num("confReceived")} / {num("confImproved")}</td>
          </tr>
          <tr>
            <th>Sync sessions / completed / abandoned</th>
            <td>
              {s ? `${s.sessions} / ${s.completed} / ${s.abandoned}` : "–"}
            </td>
          </tr>
          <tr>
            <th>Sync now</th>
            <td>
              {s?.session
                ? `with ${s.session.peer}: ${s.session.fetched} of ${s.session.wanted}`
                : "idle"}
            </td>
          </tr>
          <tr>
            <th>Ledger summary</th>
            <td>
              <code class="small">
                {s ? `${s.summary.count} txs, ${s.summary.digest.slice(0, 16)}…` : "–"}
              </code>
            </td>
          </tr>
        </table>
        <button type="button" class="secondary" onClick={() => api("sync", {})}>
          Sync now
        </button>
      </section>
    </>
  );
}
