/**
 * The conflict inspector: one transaction's inputs, outputs, status and why, and for each
 * contested outpoint its spenders side by side with their work and weight, the sentence that
 * says why the winner won, and their weights over time (sampled while the inspector is open).
 * @module
 */
import { useEffect, useState } from "preact/hooks";
import { api, ApiError, short, type TxDetailJson, units } from "./api.ts";
import { LineChart } from "./chart.tsx";
import { Status } from "./wallet.tsx";

/** Most weight samples kept per transaction. */
const MAX_SAMPLES = 300;

export function Inspector(
  { txid, onPick, onClose }: {
    txid: string;
    onPick: (t: string) => void;
    onClose: () => void;
  },
) {
  const [d, setD] = useState<TxDetailJson | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [samples, setSamples] = useState<
    { t: number; w: Record<string, number> }[]
  >([]);
  useEffect(() => {
    let live = true;
    setD(null);
    setSamples([]);
    const load = async () => {
      try {
        const r = await api<TxDetailJson>(`tx/${txid}`);
        if (!live) return;
        setD(r);
        setError(null);
        const w: Record<string, number> = {
          [r.txid]: Math.log2(Number(r.weight)),
        };
        for (const c of r.conflicts) {
          for (const s of c.spenders) w[s.txid] = Math.log2(Number(s.weight));
        }
        setSamples((
          old,
        ) => [...old.slice(-MAX_SAMPLES + 1), { t: Date.now() / 1000, w }]);
      } catch (e) {
        if (live) setError(e instanceof ApiError ? e.message : String(e));
      }
    };
    load();
    const timer = setInterval(load, 2000);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [txid]);
  if (error) {
    return (
      <aside class="card inspector" data-testid="inspector">
        <p class="error">{error}</p>
      </aside>
    );
  }
  if (!d) {
    return (
      <aside class="card inspector" data-testid="inspector">
        Loading {short(txid)}…
      </aside>
    );
  }
  const ids = Object.keys(samples.at(-1)?.w ?? {});
  return (
    <aside class="card inspector" data-testid="inspector">
      <button
        type="button"
        class="close secondary"
        onClick={onClose}
        title="Close"
      >
        ×
      </button>
      <h2>
        Transaction <code data-testid="inspector-txid">{short(d.txid)}</code>
      </h2>
      <p class="mono small">{d.txid}</p>
      <p>
        <Status s={d.status} /> work <b>{d.work}</b> bits, weight{" "}
        <b data-testid="inspector-weight">{units(d.weight)}</b>,{" "}
        {new Date(d.timestamp).toLocaleString()}
      </p>
      <p class="explain" data-testid="inspector-explanation">{d.explanation}</p>
      <div class="cols">
        <div>
          <h3>Inputs</h3>
          {d.inputs.length === 0 && <p class="muted">None (genesis)</p>}
          <ul class="plain">
            {d.inputs.map((i) => (
              <li key={`${i.txid}:${i.index}`}>
                <a
                  href="#"
                  onClick={(e) => (e.preventDefault(), onPick(i.txid))}
                >
                  <code>{short(i.txid)}:{i.index}</code>
                </a>
                {i.amount && (
                  <>
                    {units(i.amount)} from <code class="small">{i.address}</code>
                  </>
                )}
              </li>
            ))}
          </ul>
        </div>
        <div>
          <h3>Outputs</h3>
          <ul class="plain">
            {d.outputs.map((o, k) => (
              <li key={k}>
                {units(o.amount)} to <code class="small">{o.address}</code>
              </li>
            ))}
          </ul>
        </div>
      </div>
      {d.conflicts.length === 0 && <p class="muted">No other transaction spends these inputs.</p>}
      {d.conflicts.map((c) => (
        <div
          class="conflict"
          key={`${c.outpoint.txid}:${c.outpoint.index}`}
          data-testid="conflict"
        >
          <h3>
            Conflict over outpoint <code>{short(c.outpoint.txid)}:{c.outpoint.index}</code>
          </h3>
          <div class="spenders">
            {c.spenders.map((s) => (
              <div
                class={`spender ${s.winner ? "winner" : "loser"}`}
                key={s.txid}
                data-testid="spender"
              >
                <div class="tag">{s.winner ? "winner" : "loses"}</div>
                <a
                  href="#"
                  onClick={(e) => (e.preventDefault(), onPick(s.txid))}
                >
                  <code data-testid="spender-txid">{short(s.txid)}</code>
                </a>
                <div>
                  <Status s={s.status} />
                </div>
                <div>
                  work <b data-testid="spender-work">{s.work}</b> bits
                </div>
                <div>
                  weight <b data-testid="spender-weight">{s.weight}</b>
                </div>
                <div class="muted small">
                  {new Date(s.timestamp).toLocaleString()}
                </div>
              </div>
            ))}
          </div>
          <p class="reason" data-testid="conflict-reason">{c.reason}</p>
        </div>
      ))}
      {d.conflicts.length > 0 && samples.length > 1 && (
        <LineChart
          title="log2 weight over time (sampled while open)"
          xs={samples.map((s) => s.t)}
          series={ids.map((id) => ({
            label: short(id),
            values: samples.map((s) => s.w[id] ?? null),
          }))}
          width={520}
          height={200}
        />
      )}
    </aside>
  );
}
