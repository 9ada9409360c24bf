// Column layout for tables: each column has a minimum and maximum width and a drop priority. Columns are
// dropped (lowest priority first) until the minimums fit the width, then spare cells are handed out in
// the listed growth order. Deterministic for a given width.

export interface ColSpec {
  key: string;
  header: string;
  min: number;
  max: number;
  right?: boolean;
  /** Lower is dropped first; Infinity never. */
  keep: number;
}

export interface Col extends ColSpec {
  width: number;
}

/** Lays out `specs` in `width` cells with one space between columns; `grow` lists keys in growth order. */
export function layout(specs: readonly ColSpec[], width: number, grow: readonly string[]): Col[] {
  let cols = specs.map((s) => ({ ...s, width: s.min }));
  const total = () => cols.reduce((n, c) => n + c.width, 0) + Math.max(0, cols.length - 1);
  while (total() > width) {
    let victim = -1;
    for (let i = 0; i < cols.length; i++) {
      if (Number.isFinite(cols[i].keep) && (victim < 0 || cols[i].keep < cols[victim].keep)) victim = i;
    }
    if (victim < 0) break;
    cols = cols.filter((_, i) => i !== victim);
  }
  let spare = width - total();
  for (const key of grow) {
    const c = cols.find((x) => x.key === key);
    if (!c || spare <= 0) continue;
    const add = Math.min(spare, c.max - c.width);
    c.width += add;
    spare -= add;
  }
  return cols;
}
