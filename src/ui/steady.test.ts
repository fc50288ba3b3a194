import { describe, expect, it } from 'vitest';
import { createLatencyMemory, slowProbe, steadyLatency } from './steady.js';

describe('steadyLatency', () => {
  it('keeps the value on screen while the EMA stays within 1.5× of it, either way', () => {
    expect(steadyLatency(20, 29)).toBe(20);
    expect(steadyLatency(20, 30)).toBe(20);
    expect(steadyLatency(120, 80)).toBe(120);
    expect(steadyLatency(100, 140)).toBe(100);
  });
  it('keeps it while the EMA moved by less than 5 ms, whatever the factor (loopback noise)', () => {
    expect(steadyLatency(2, 6.9)).toBe(2);
    expect(steadyLatency(6, 1.2)).toBe(6);
    expect(steadyLatency(2, 7.1)).toBe(7.1);
  });
  it('follows the EMA once it moved further', () => {
    expect(steadyLatency(20, 31)).toBe(31);
    expect(steadyLatency(100, 60)).toBe(60);
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
    expect(shown('a', 14)).toBe(10);
    expect(shown('b', 30)).toBe(30);
    // Drift in small steps still shows once it adds up past the band.
    expect([11, 13, 14.9, 15.2, 12].map((ms) => shown('a', ms))).toEqual([10, 10, 10, 15.2, 15.2]);
  });
});

describe('slowProbe', () => {
  it('is true once a probe has run for a second', () => {
    expect(slowProbe(null, 5_000)).toBe(false);
    expect(slowProbe(4_500, 5_000)).toBe(false);
    expect(slowProbe(4_000, 5_000)).toBe(true);
  });
});
