/**
 * The ledger explorer: a live graph of transactions (nodes) and spends (edges, parent → spender)
 * drawn with Cytoscape.js. Conflicts are red dashed links and conflicted transactions red; green
 * dotted arrows are confirmation references (protocol v2: the work confirming one transaction
 * counts for the transactions it approves).
 * It shows a window (the last N, or one address) and never the whole DAG, so it stays fast on
 * a large ledger. A click opens the inspector.
 * @module
 */
import { useEffect, useRef, useState } from "preact/hooks";
import cytoscape from "cytoscape";
import { api, type GraphJson, short } from "./api.ts";

const COLOUR: Record<string, string> = {
  confirmed: "#3d9970",
  pending: "#e0a800",
  conflicted: "#d62728",
  orphan: "#999999",
};

const STYLE: cytoscape.StylesheetJson = [
  {
    selector: "node",
    style: {
      "background-color": (n: cytoscape.NodeSingular) => COLOUR[n.data("status")] ?? "#999",
      label: "data(label)",
      "font-size": 9,
      "font-family": "monospace",
      color: "#222",
      "text-valign": "bottom",
      "text-margin-y": 3,
      width: 18,
      height: 18,
    },
  },
  {
    selector: "node[?mine]",
    style: { "border-width": 3, "border-color": "#2b7bb9" },
  },
  {
    selector: "node:selected",
    style: { "border-width": 4, "border-color": "#111" },
  },
  {
    selector: "edge.spend",
    style: {
      width: 1.5,
      "line-color": "#9aa5b1",
      "target-arrow-color": "#9aa5b1",
      "target-arrow-shape": "triangle",
      "curve-style": "bezier",
      "arrow-scale": 0.8,
    },
  },
  {
    selector: "edge.approval",
    style: {
      width: 1,
      "line-color": "#2ca02c",
      "target-arrow-color": "#2ca02c",
      "target-arrow-shape": "vee",
      "line-style": "dotted",
      "curve-style": "bezier",
      "arrow-scale": 0.6,
    },
  },
  {
    selector: "edge.conflict",
    style: {
      width: 3,
      "line-color": "#d62728",
      "line-style": "dashed",
      "curve-style": "bezier",
    },
  },
];

function elementsOf(g: GraphJson): cytoscape.ElementDefinition[] {
  return [
    ...g.nodes.map((n) => ({
      group: "nodes" as const,
      data: {
        id: n.txid,
        label: short(n.txid).slice(0, 8),
        status: n.status,
        mine: n.walletAmount !== null,
      },
    })),
    ...g.edges.map((e) => ({
      group: "edges" as const,
      classes: "spend",
      // Drawn from the parent to the spender: coins flow down from the oldest transactions.
      data: { id: `s:${e.from}:${e.to}:${e.index}`, source: e.to, target: e.from },
    })),
    // Protocol v2: a confirmation of `from` references one of `to`, so its work counts for `to`.
    ...g.approvals.map((a) => ({
      group: "edges" as const,
      classes: "approval",
      data: { id: `a:${a.from}:${a.to}`, source: a.from, target: a.to },
    })),
    ...g.conflicts.map((c) => ({
      group: "edges" as const,
      classes: "conflict",
      data: { id: `c:${c.a}:${c.b}`, source: c.a, target: c.b },
    })),
  ];
}

/** The explorer tab. */
export function Explorer(
  { onPick, tick }: { onPick: (txid: string) => void; tick: number },
) {
  const box = useRef<HTMLDivElement>(null);
  const cy = useRef<cytoscape.Core | null>(null);
  const [limit, setLimit] = useState("100");
  const [address, setAddress] = useState("");
  const [filter, setFilter] = useState({ limit: 100, address: "" });
  const [info, setInfo] = useState("");
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    cy.current = cytoscape({
      container: box.current,
      style: STYLE,
      wheelSensitivity: 0.3,
      minZoom: 0.05,
      maxZoom: 4,
    });
    cy.current.on("tap", "node", (e) => onPick(e.target.id()));
    return () => cy.current?.destroy();
  }, []);
  useEffect(() => {
    let live = true;
    const load = async () => {
      const q = new URLSearchParams({ limit: String(filter.limit) });
      if (filter.address) q.set("address", filter.address);
      try {
        const g = await api<GraphJson>(`graph?${q}`);
        if (!live || !cy.current) return;
        setError(null);
        const c = cy.current;
        const next = elementsOf(g);
        const ids = new Set(next.map((e) => e.data.id!));
        let added = false;
        c.batch(() => {
          c.elements().forEach((el) => {
            if (!ids.has(el.id())) el.remove();
          });
          for (const el of next) {
            const cur = c.getElementById(el.data.id!);
            if (cur.nonempty()) cur.data(el.data);
            else {
              c.add(el);
              added = true;
            }
          }
        });
        if (added) {
          c.layout(
            {
              name: "breadthfirst",
              directed: true,
              spacingFactor: 0.9,
              animate: false,
            } as cytoscape.LayoutOptions,
          ).run();
        }
        const conflicted = g.nodes.filter((n) => n.status === "conflicted").length;
        setInfo(
          `${g.nodes.length} of ${g.total} transactions shown, ${g.edges.length} spends, ` +
            `${g.approvals.length} approvals, ${g.conflicts.length} conflicts, ` +
            `${conflicted} conflicted`,
        );
      } catch (e) {
        if (live) setError(String((e as Error).message ?? e));
      }
    };
    load();
    return () => {
      live = false;
    };
  }, [filter, tick]);
  const zoom = (f: number) => {
    const c = cy.current;
    if (c) {
      c.zoom({
        level: c.zoom() * f,
        renderedPosition: { x: c.width() / 2, y: c.height() / 2 },
      });
    }
  };
  return (
    <section class="card wide explorer">
      <h2>Ledger explorer</h2>
      <form
        class="row"
        onSubmit={(e) => {
          e.preventDefault();
          setFilter({
            limit: Math.max(1, Math.min(1000, Number(limit) || 100)),
            address: address.trim(),
          });
        }}
      >
        <label>
          Last{" "}
          <input
            class="narrow"
            value={limit}
            data-testid="graph-limit"
            onInput={(e) => setLimit((e.target as HTMLInputElement).value)}
          />{" "}
          transactions
        </label>
        <label>
          touching address{" "}
          <input
            value={address}
            placeholder="any"
            data-testid="graph-address"
            onInput={(e) => setAddress((e.target as HTMLInputElement).value)}
          />
        </label>
        <button type="submit">Filter</button>
        <span class="spacer" />
        <button
          type="button"
          class="secondary"
          onClick={() => zoom(1.25)}
          title="Zoom in"
        >
          +
        </button>
        <button
          type="button"
          class="secondary"
          onClick={() => zoom(0.8)}
          title="Zoom out"
        >
          −
        </button>
        <button
          type="button"
          class="secondary"
          onClick={() => cy.current?.fit(undefined, 20)}
        >
          Fit
        </button>
      </form>
      <div class="graph" ref={box} data-testid="graph" />
      <p class="muted small" data-testid="graph-info">
        {info} · <span class="dot confirmed" /> confirmed <span class="dot pending" /> pending{" "}
        <span class="dot conflicted" />{" "}
        conflicted; arrows lead from a transaction to those spending its outputs; red dashed lines
        join conflicting spends; blue rings are this wallet's.
      </p>
      {error && <p class="error">{error}</p>}
    </section>
  );
}
