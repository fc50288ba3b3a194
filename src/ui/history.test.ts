import { describe, expect, it } from 'vitest';
import type { ProbeSample } from '../store/types.js';
import { historyCell, historyGlyph, latencyLevel, stickyLevel } from './history.js';
import { makeTheme } from './theme.js';

const ok = (latencyMs: number): ProbeSample => ({ at: 0, outcome: 'ok', latencyMs });
const failed: ProbeSample = { at: 0, outcome: 'failure', kind: 'timeout', latencyMs: 5000 };
const loading: ProbeSample = { at: 0, outcome: 'loading', latencyMs: 3 };

describe('history cells', () => {
  it('scales bars by latency on a log scale from 10 ms, half a decade a step', () => {
    expect([0.2, 3, 9.9, 10, 31, 40, 99, 100, 400, 999, 1000, 3000, 4000, 9999, 10_000, 60_000].map(latencyLevel)).toEqual([
      0, 0, 0, 1, 1, 2, 2, 3, 4, 4, 5, 5, 6, 6, 7, 7,
    ]);
    expect([2, 20, 50, 200, 500, 2000, 5000, 20_000].map((ms) => historyGlyph(ok(ms), true)).join('')).toBe('▁▂▃▄▅▆▇█');
  });

  it('keeps the height of the bar before while the latency hovers near its range', () => {
    expect(stickyLevel(undefined, 12)).toBe(1);
    // Just over the 10 ms boundary after a fast probe: still the lowest bar; well over it: taller.
    expect(stickyLevel(0, 14)).toBe(0);
    expect(stickyLevel(0, 16)).toBe(1);
    // Just under it after a 20 ms probe: still ▂.
    expect(stickyLevel(1, 7)).toBe(1);
    expect(stickyLevel(1, 6)).toBe(0);
    // A jump is never smoothed away.
    expect(stickyLevel(0, 500)).toBe(latencyLevel(500));
  });

  it('draws a backend hovering at a boundary flat, and a bar never changes once drawn as it scrolls', () => {
    const theme = makeTheme({ color: false, unicode: true });
    const text = (cells: ReturnType<typeof historyCell>): string => cells.map((c) => c.text).join('');
    const ring = [9, 12, 8, 13, 9, 11, 9.5, 12].map(ok);
    expect(text(historyCell(ring, 8, theme))).toBe('▁▁▁▁▁▁▁▁');
    const next = [...ring.slice(1), ok(10.5)];
    expect(text(historyCell(next, 8, theme))).toBe('▁▁▁▁▁▁▁▁');
    // Starting just above the boundary, the row is drawn at ▂ and stays there.
    expect(text(historyCell([12, 9, 11, 8].map(ok), 4, theme))).toBe('▂▂▂▂');
  });

  it('in ASCII: three latency tiers, x and ~', () => {
    expect([ok(99), ok(100), ok(999), ok(1000), failed, loading].map((s) => historyGlyph(s, false)).join('')).toBe('.::|x~');
  });

  it('is exactly as wide as asked, newest on the right, padded on the left', () => {
    const theme = makeTheme({ color: false, unicode: true });
    const text = (cells: ReturnType<typeof historyCell>): string => cells.map((c) => c.text).join('');
    expect(text(historyCell([ok(1), failed], 5, theme))).toBe('   ▁✖');
    expect(text(historyCell([ok(1), ok(50), failed, loading, ok(2)], 3, theme))).toBe('✖◌▁');
    expect(text(historyCell([ok(1), ok(50)], 2, theme))).toBe('▁▃');
    expect(historyCell([], 0, theme)).toEqual([]);
  });

  it('colours failures red, loading yellow, successes green, one segment per run; none without colour', () => {
    const cells = historyCell([ok(1), ok(2), failed, loading, ok(2)], 6, makeTheme({ color: true, unicode: true }));
    expect(cells).toEqual([{ text: ' ' }, { text: '▁▁', colour: 'green' }, { text: '✖', colour: 'red' }, { text: '◌', colour: 'yellow' }, { text: '▁', colour: 'green' }]);
    const plain = historyCell([ok(1), failed], 2, makeTheme({ color: false, unicode: true }));
    expect(plain.every((c) => c.colour === undefined)).toBe(true);
  });
});
