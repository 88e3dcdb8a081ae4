import type { DisclosureRule } from "../disclosure/rules.js";

/**
 * A count as a researcher sees it: a rounded number, `<k` (a small count), or "suppressed" (a
 * larger count hidden so that a small one cannot be worked out from the totals).
 */
export type Disclosed = number | `<${number}` | "suppressed";

/** Counts of k and above are shown rounded to the nearest 5, so differencing gains little. */
export function roundCount(n: number): number {
  return Math.round(n / 5) * 5;
}

/** 0 to k-1 all read `<k`: a zero told apart from a small count would say "nobody" exactly. */
export function discloseCount(n: number, rule: DisclosureRule): Disclosed {
  if (n < rule.minCount) return `<${rule.minCount}`;
  return roundCount(n);
}

export interface Table2D {
  rows: string[];
  columns: string[];
  /** cells[row][column] */
  cells: number[][];
}

export interface DisclosedTable {
  rows: string[];
  columns: string[];
  cells: Disclosed[][];
  rowTotals: Disclosed[];
  columnTotals: Disclosed[];
  total: Disclosed;
}

/**
 * Small-count suppression with complementary suppression for a table with margins. Each row is
 * a line (its cells and its total), each column likewise, and the margins form two more lines
 * with the grand total. Wherever a line holds exactly one hidden value, it could be recovered as
 * the line's total minus the rest, so the smallest other value in that line is hidden too;
 * repeated until no line has exactly one. Hidden values are never counted as known.
 */
export function suppressTable(t: Table2D, rule: DisclosureRule): DisclosedTable {
  const R = t.rows.length;
  const C = t.columns.length;
  const rowTotals = t.cells.map((r) => r.reduce((a, b) => a + b, 0));
  const columnTotals = t.columns.map((_, j) => t.cells.reduce((a, r) => a + (r[j] ?? 0), 0));
  const total = rowTotals.reduce((a, b) => a + b, 0);
  // Every value, addressed as [kind, i, j]: cells, row totals, column totals, grand total.
  type Key = string;
  const value = new Map<Key, number>();
  for (const [i, r] of t.cells.entries())
    for (const [j, v] of r.entries()) value.set(`c:${i}:${j}`, v);
  for (const [i, v] of rowTotals.entries()) value.set(`r:${i}`, v);
  for (const [j, v] of columnTotals.entries()) value.set(`k:${j}`, v);
  value.set("t", total);
  const small = (v: number) => v < rule.minCount;
  const hidden = new Set<Key>([...value].filter(([, v]) => small(v)).map(([key]) => key));
  const lines: Key[][] = [
    ...Array.from({ length: R }, (_, i) => [
      ...Array.from({ length: C }, (_, j) => `c:${i}:${j}`),
      `r:${i}`,
    ]),
    ...Array.from({ length: C }, (_, j) => [
      ...Array.from({ length: R }, (_, i) => `c:${i}:${j}`),
      `k:${j}`,
    ]),
    [...Array.from({ length: R }, (_, i) => `r:${i}`), "t"],
    [...Array.from({ length: C }, (_, j) => `k:${j}`), "t"],
  ];
  for (let changed = true; changed; ) {
    changed = false;
    for (const line of lines) {
      if (line.filter((k) => hidden.has(k)).length !== 1) continue;
      // Prefer a non-zero value: a zero hidden beside a small one still gives the small one away
      // only when everything else in the line is known, which hiding a non-zero value prevents.
      const candidates = line
        .filter((k) => !hidden.has(k))
        .sort((a, b) => {
          const va = value.get(a) ?? 0;
          const vb = value.get(b) ?? 0;
          return (va === 0 ? 1 : 0) - (vb === 0 ? 1 : 0) || va - vb;
        });
      const pick = candidates[0];
      if (pick) {
        hidden.add(pick);
        changed = true;
      }
    }
  }
  const show = (key: Key): Disclosed => {
    const v = value.get(key) ?? 0;
    if (!hidden.has(key)) return roundCount(v);
    return small(v) ? `<${rule.minCount}` : "suppressed";
  };
  return {
    rows: t.rows,
    columns: t.columns,
    cells: t.cells.map((r, i) => r.map((_, j) => show(`c:${i}:${j}`))),
    rowTotals: rowTotals.map((_, i) => show(`r:${i}`)),
    columnTotals: columnTotals.map((_, j) => show(`k:${j}`)),
    total: show("t"),
  };
}

/** A one-way breakdown is a one-row table: its line is the cells and the total. */
export function suppressBreakdown(
  labels: string[],
  counts: number[],
  rule: DisclosureRule,
): { cells: Array<{ label: string; persons: Disclosed }>; total: Disclosed } {
  const t = suppressTable({ rows: ["all"], columns: labels, cells: [counts] }, rule);
  return {
    cells: labels.map((label, j) => ({ label, persons: t.cells[0]?.[j] ?? "suppressed" })),
    total: t.total,
  };
}
