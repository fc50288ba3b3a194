import { describe, expect, it } from 'vitest';
import { coarseAge, formatInterval, stepInterval } from './format.js';

describe('dashboard formats', () => {
  it('shows ages coarsely, like k9s', () => {
    expect([0, 45_000, 59_999, 60_000, 12 * 60_000 + 5_000, 3 * 3_600_000, 47 * 3_600_000, 50 * 3_600_000].map(coarseAge)).toEqual([
      '0s', '45s', '59s', '1m', '12m', '3h', '47h', '2d',
    ]);
  });

  it('steps the interval through 1s 2s 5s 10s 15s 30s 1m 5m, from any value, and stops at the ends', () => {
    const up: number[] = [];
    for (let ms = 500; up.length < 9; ) up.push((ms = stepInterval(ms, 1)));
    expect(up.map(formatInterval)).toEqual(['1s', '2s', '5s', '10s', '15s', '30s', '1m', '5m', '5m']);
    expect(formatInterval(stepInterval(7_000, -1))).toBe('5s');
    expect(formatInterval(stepInterval(1_000, -1))).toBe('1s');
    expect(formatInterval(90_000)).toBe('1m30s');
    expect(formatInterval(200)).toBe('200ms');
  });
});
