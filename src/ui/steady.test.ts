import { describe, expect, it } from 'vitest';
import { createLatencyMemory, slowProbe, steadyLatency } from './steady.js';

describe('steadyLatency', () => {
  it('keeps the value on screen while the EMA stays within 25 % of it', () => {
    expect(steadyLatency(2, 2.4)).toBe(2);
    expect(steadyLatency(2, 1.6)).toBe(2);
    expect(steadyLatency(100, 124)).toBe(100);
  });
  it('follows the EMA once it moved further', () => {
    expect(steadyLatency(2, 2.6)).toBe(2.6);
    expect(steadyLatency(100, 70)).toBe(70);
  });
  it('shows a first value and a loss of latency at once', () => {
    expect(steadyLatency(undefined, 5)).toBe(5);
    expect(steadyLatency(null, 5)).toBe(5);
    expect(steadyLatency(5, null)).toBeNull();
  });
  it('remembers per backend', () => {
    const shown = createLatencyMemory();
    expect(shown('a', 10)).toBe(10);
    expect(shown('b', 50)).toBe(50);
    expect(shown('a', 11)).toBe(10);
    expect(shown('b', 30)).toBe(30);
    // Drift in small steps still shows once it adds up past the band.
    expect([11, 12, 12.4, 12.6].map((ms) => shown('a', ms))).toEqual([10, 10, 10, 12.6]);
  });
});

describe('slowProbe', () => {
  it('is true once a probe has run for a second', () => {
    expect(slowProbe(null, 5_000)).toBe(false);
    expect(slowProbe(4_500, 5_000)).toBe(false);
    expect(slowProbe(4_000, 5_000)).toBe(true);
  });
});
