import { describe, expect, it } from 'vitest';
import type { ProbeSample } from '../store/types.js';
import { latencyStats, percentile } from './stats.js';

describe('percentile', () => {
  it('interpolates between the closest ranks', () => {
    expect(percentile([1, 2, 3, 4], 50)).toBe(2.5);
    expect(percentile([1, 2, 3], 50)).toBe(2);
    expect(percentile([10, 20], 95)).toBeCloseTo(19.5);
    const hundred = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(hundred, 95)).toBeCloseTo(95.05);
  });

  it('gives the minimum at p0 and the maximum at p100, clamps p, and one value for a list of one', () => {
    expect(percentile([3, 5, 9], 0)).toBe(3);
    expect(percentile([3, 5, 9], 100)).toBe(9);
    expect(percentile([3, 5, 9], 250)).toBe(9);
    expect(percentile([3, 5, 9], -5)).toBe(3);
    expect(percentile([7], 95)).toBe(7);
  });

  it('is NaN for no values', () => {
    expect(percentile([], 50)).toBeNaN();
  });
});

describe('latencyStats', () => {
  const sample = (outcome: ProbeSample['outcome'], latencyMs: number): ProbeSample => ({ at: 0, outcome, latencyMs });

  it('takes min, median and p95 over the successes only, whatever their order', () => {
    const history = [sample('ok', 30), sample('failure', 5000), sample('ok', 10), sample('loading', 1), sample('ok', 20), sample('ok', 40)];
    expect(latencyStats(history)).toEqual({ count: 4, min: 10, median: 25, p95: 38.5 });
  });

  it('is null when nothing succeeded', () => {
    expect(latencyStats([])).toBeNull();
    expect(latencyStats([sample('failure', 1), sample('loading', 2)])).toBeNull();
  });
});
