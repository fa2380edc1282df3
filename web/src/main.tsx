/**
 * The crackcoin web page: the token (from the one-time link or typed), four views (wallet,
 * explorer, inspector, mining and network) and the live event stream that refreshes them.
 * @module
 */
import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import {
  api,
  type BalanceJson,
  clearToken,
  configure,
  type InfoJson,
  loadToken,
  type NodeEventJson,
  saveToken,
  short,
  streamEvents,
  type TxSummaryJson,
  units,
} from "./api.ts";
import { Balance, History, Receive, Send } from "./wallet.tsx";
import "./style.css";
// Imported here, not in chart.tsx: esbuild links only the entry's CSS into the page.
import "uplot/dist/uPlot.min.css";

/**
 * A module loaded on first use: the explorer (Cytoscape.js) and the charts (uPlot) are most
 * of the bundle, and the wallet's first paint needs neither.
 */
function useModule<T>(load: () => Promise<T>): T | null {
  const [mod, setMod] = useState<T | null>(null);
  useEffect(() => {
    load().then(setMod);
  }, []);
  return mod;
}

const loading = <section class="card">Loading…</section>;

function Explorer(p: { onPick: (txid: string) => void; tick: number }) {
  const m = useModule(() => import("./explorer.tsx"));
  return m ? <m.Explorer {...p} /> : loading;
}

function Network() {
  const m = useModule(() => import("./network.tsx"));
  return m ? <m.Network /> : loading;
}

function Inspector(p: { txid: string; onPick: (t: string) => void; onClose: () => void }) {
  const m = useModule(() => import("./inspector.tsx"));
  return m ? <m.Inspector {...p} /> : <aside class="card inspector">Loading…</aside>;
}

type Tab = "wallet" | "explorer" | "network";

function Login({ onToken }: { onToken: (t: string) => void }) {
  const [t, setT] = useState("");
  return (
    <main class="login card">
      <h1>crackcoin</h1>
      <p>
        Open the link the node printed at start (<code>
          Web wallet: http://…/#token=…
        </code>), or paste the content of <code>DATA/.cookie</code>:
      </p>
      <form onSubmit={(e) => (e.preventDefault(), onToken(t.trim()))}>
        <input
          data-testid="token"
          value={t}
          onInput={(e) => setT((e.target as HTMLInputElement).value)}
        />
        <button type="submit">Open wallet</button>
      </form>
    </main>
  );
}

function App() {
  const [token, setToken] = useState<string | null>(loadToken());
  const [tab, setTab] = useState<Tab>("wallet");
  const [info, setInfo] = useState<InfoJson | null>(null);
  const [balance, setBalance] = useState<BalanceJson | null>(null);
  const [history, setHistory] = useState<readonly TxSummaryJson[]>([]);
  const [picked, setPicked] = useState<string | null>(null);
  const [toasts, setToasts] = useState<
    { id: number; text: string; kind: string }[]
  >([]);
  const [tick, setTick] = useState(0);
  if (token) configure(token, () => (clearToken(), setToken(null)));

  useEffect(() => {
    if (!token) return;
    let live = true;
    const refresh = async () => {
      try {
        const [i, b, h] = await Promise.all([
          api<InfoJson>("info"),
          api<BalanceJson>("balance"),
          api<{ transactions: TxSummaryJson[] }>("history?limit=50&wallet=1"),
        ]);
        if (!live) return;
        setInfo(i);
        setBalance(b);
        setHistory(h.transactions);
        setTick((t) => t + 1);
      } catch { /* the next refresh retries */ }
    };
    refresh();
    // `ledger` events refresh at once; the poll only covers a stream that is down.
    const timer = setInterval(refresh, 10_000);
    const stop = new AbortController();
    streamEvents((e: NodeEventJson) => {
      if (e.kind === "ledger") return void refresh();
      const text = e.kind === "received"
        ? `Payment received: ${units(e.amount)} in ${short(e.txid)} (pending)`
        : e.kind === "confirmed"
        ? `Transaction ${short(e.txid)} confirmed (${units(e.amount)})`
        : e.kind === "conflicted" || e.kind === "reversed"
        ? `Transaction ${short(e.txid)} ${e.kind}: it lost a double spend (${units(e.amount)})`
        : `Sent ${units(e.amount)} in ${short(e.txid)} (pending)`;
      const id = Math.random();
      setToasts((t) => [...t.slice(-3), { id, text, kind: e.kind }]);
      setTimeout(() => setToasts((t) => t.filter((x) => x.id !== id)), 8000);
      refresh();
    }, stop.signal);
    return () => {
      live = false;
      clearInterval(timer);
      stop.abort();
    };
  }, [token]);

  if (!token) return <Login onToken={(t) => (saveToken(t), setToken(t))} />;
  const pick = (t: string) => setPicked(t);
  return (
    <>
      <header>
        <h1>crackcoin</h1>
        <nav>
          {(["wallet", "explorer", "network"] as Tab[]).map((t) => (
            <button
              type="button"
              key={t}
              class={tab === t ? "tab active" : "tab"}
              onClick={() => setTab(t)}
              data-testid={`tab-${t}`}
            >
              {t === "wallet"
                ? "Wallet"
                : t === "explorer"
                ? "Ledger explorer"
                : "Mining & network"}
            </button>
          ))}
        </nav>
        {info && (
          <div class="status-line small" data-testid="header-info">
            <code data-testid="wallet-address">{info.address}</code> ·{" "}
            {info.ledger.count.toLocaleString()} txs · {info.peers} peers · network {info.network}
          </div>
        )}
      </header>
      <div class="layout">
        <main>
          {tab === "wallet" && (
            <div class="grid">
              <Balance b={balance} />
              <Send onSent={() => setTick((t) => t + 1)} />
              <Receive />
              <History txs={history} onPick={pick} />
            </div>
          )}
          {tab === "explorer" && <Explorer onPick={pick} tick={tick} />}
          {tab === "network" && (
            <div class="grid">
              <Network />
            </div>
          )}
        </main>
        {picked && (
          <Inspector
            txid={picked}
            onPick={pick}
            onClose={() => setPicked(null)}
          />
        )}
      </div>
      <div class="toasts" data-testid="toasts">
        {toasts.map((t) => <div key={t.id} class={`toast ${t.kind}`}>{t.text}</div>)}
      </div>
    </>
  );
}

render(<App />, document.getElementById("app")!);
