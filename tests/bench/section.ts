/** One section of docs/BENCHMARKS.md. */
export interface BenchSection {
  readonly title: string;
  readonly markdown: string;
}

/** Runs `fn` repeatedly for about `ms` milliseconds; returns operations per second. */
export function rate(fn: () => void, ms = 1000): number {
  for (let i = 0; i < 50; i++) fn();
  let n = 0;
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < ms) {
    for (let i = 0; i < 20; i++) fn();
    n += 20;
    t = performance.now();
  }
  return (n * 1000) / (t - t0);
}

/** Formats a rate with thousands separators. */
export function fmtRate(v: number): string {
  return Math.round(v).toLocaleString("en-US");
}
