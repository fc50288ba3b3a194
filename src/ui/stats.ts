import type { ProbeSample } from '../store/types.js';

/**
 * The p-th percentile (0–100) of values sorted ascending, interpolating linearly between the two
 * closest ranks (numpy's default, Excel's PERCENTILE.INC): the median of 1 2 3 4 is 2.5, p0 is the
 * minimum and p100 the maximum. NaN for an empty list.
 */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = (Math.min(100, Math.max(0, p)) / 100) * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (rank - lo);
}

export interface LatencyStats {
  /** Successful probes the figures are taken over. */
  count: number;
  min: number;
  median: number;
  p95: number;
}

/** Latency min / median / p95 over the successful probes of a history ring; null when none succeeded. */
export function latencyStats(history: readonly ProbeSample[]): LatencyStats | null {
  const ok = history.filter((s) => s.outcome === 'ok').map((s) => s.latencyMs);
  if (ok.length === 0) return null;
  ok.sort((a, b) => a - b);
  return { count: ok.length, min: ok[0]!, median: percentile(ok, 50), p95: percentile(ok, 95) };
}
