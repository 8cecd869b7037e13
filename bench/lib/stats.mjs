/** Nearest-rank percentile of `values` (unsorted ok): the smallest value with at least p% at or below it. */
export function percentile(values, p) {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1];
}

/** p50/p95/p99 in ms, to 0.1 ms; nulls when nothing was measured. */
export function summarize(values) {
  const r = (v) => (v === null ? null : Math.round(v * 10) / 10);
  return { p50: r(percentile(values, 50)), p95: r(percentile(values, 95)), p99: r(percentile(values, 99)) };
}

export const round1 = (v) => (Number.isFinite(v) ? Math.round(v * 10) / 10 : 0);
