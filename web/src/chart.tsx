/**
 * A uPlot line chart as a Preact component: `series` are named lines over shared x values
 * (seconds since the epoch). The chart is created once and fed new data on every render.
 * @module
 */
import { useEffect, useRef } from "preact/hooks";
import uPlot from "uplot";

const COLOURS = [
  "#2b7bb9",
  "#d9822b",
  "#3d9970",
  "#b10dc9",
  "#ff4136",
  "#85144b",
  "#39cccc",
];

/** 3 000 000 → "3M": axis labels that fit. */
function compact(v: number): string {
  const a = Math.abs(v);
  if (a >= 1e9) return `${+(v / 1e9).toFixed(1)}G`;
  if (a >= 1e6) return `${+(v / 1e6).toFixed(1)}M`;
  if (a >= 1e3) return `${+(v / 1e3).toFixed(1)}k`;
  return `${+v.toFixed(2)}`;
}

/** Props of {@link LineChart}. */
export interface LineChartProps {
  readonly title: string;
  readonly xs: readonly number[];
  readonly series: readonly {
    readonly label: string;
    readonly values: readonly (number | null)[];
  }[];
  readonly unit?: string;
  readonly width?: number;
  readonly height?: number;
  readonly testid?: string;
}

/** A line chart of a few series over time. */
export function LineChart(p: LineChartProps) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const shape = p.series.map((s) => s.label).join("\u0000");
  useEffect(() => {
    if (!box.current) return;
    const opts: uPlot.Options = {
      title: p.title,
      width: p.width ?? 560,
      height: p.height ?? 220,
      series: [
        {},
        ...p.series.map((s, i) => ({
          label: s.label,
          stroke: COLOURS[i % COLOURS.length],
          width: 2,
          value: (_u: uPlot, v: number | null) =>
            v === null ? "–" : `${v.toLocaleString()}${p.unit ?? ""}`,
        })),
      ],
      axes: [{}, {
        size: 60,
        values: (_u: uPlot, vals: number[]) => vals.map(compact),
      }],
    };
    plot.current = new uPlot(
      opts,
      [[...p.xs], ...p.series.map((s) => [...s.values])] as uPlot.AlignedData,
      box.current,
    );
    return () => {
      plot.current?.destroy();
      plot.current = null;
    };
  }, [shape, p.title]);
  useEffect(() => {
    plot.current?.setData(
      [[...p.xs], ...p.series.map((s) => [...s.values])] as uPlot.AlignedData,
    );
  });
  return <div class="chart" ref={box} data-testid={p.testid} />;
}
