/**
 * A min-heap of transactions (by seq) keyed by height, so that a status walk settles parents
 * before children (docs/PROTOCOL.md §11).
 * @module
 */

/** Min-heap of (height, seq); a seq already queued is not queued twice. */
export class HeightQueue {
  #items: { h: number; id: number }[] = [];
  #queued = new Set<number>();

  /** Queues `id` at height `h` unless it is already queued. */
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

  /** The queued seq of least height, or undefined when empty. */
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
