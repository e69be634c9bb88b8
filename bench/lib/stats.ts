/**
 * Small numeric helpers for the benchmark: medians and fixed-width tables.
 */

export function median(values: number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function mean(values: number[]): number {
  return values.length ? values.reduce((a, b) => a + b, 0) / values.length : Number.NaN;
}

/** Seconds with two decimals (or `—` when there is no figure). */
export function secs(value: number | undefined, digits = 2): string {
  return value === undefined || Number.isNaN(value) ? '—' : value.toFixed(digits);
}

/** Milliseconds, rounded. */
export function ms(value: number | undefined): string {
  return value === undefined || Number.isNaN(value) ? '—' : String(Math.round(value));
}

/** Renders rows as a left-aligned first column and right-aligned others. */
export function table(header: string[], rows: string[][]): string {
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) =>
    r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}
