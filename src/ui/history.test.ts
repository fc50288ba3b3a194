import { describe, expect, it } from 'vitest';
import type { ProbeSample } from '../store/types.js';
import { historyCell, historyGlyph, latencyLevel } from './history.js';
import { makeTheme } from './theme.js';

const ok = (latencyMs: number): ProbeSample => ({ at: 0, outcome: 'ok', latencyMs });
const failed: ProbeSample = { at: 0, outcome: 'failure', kind: 'timeout', latencyMs: 5000 };
const loading: ProbeSample = { at: 0, outcome: 'loading', latencyMs: 3 };

describe('history cells', () => {
  it('scales bars by latency on a log scale, half a decade a step', () => {
    expect([0.2, 1, 3, 4, 10, 40, 100, 400, 999, 1000, 3000, 4000, 60_000].map(latencyLevel)).toEqual([0, 0, 0, 1, 2, 3, 4, 5, 5, 6, 6, 7, 7]);
    expect([1, 5, 20, 50, 200, 500, 2000, 5000].map((ms) => historyGlyph(ok(ms), true)).join('')).toBe('▁▂▃▄▅▆▇█');
  });

  it('in ASCII: three latency tiers, x and ~', () => {
    expect([ok(99), ok(100), ok(999), ok(1000), failed, loading].map((s) => historyGlyph(s, false)).join('')).toBe('.::|x~');
  });

  it('is exactly as wide as asked, newest on the right, padded on the left', () => {
    const theme = makeTheme({ color: false, unicode: true });
    const text = (cells: ReturnType<typeof historyCell>): string => cells.map((c) => c.text).join('');
    expect(text(historyCell([ok(1), failed], 5, theme))).toBe('   ▁✖');
    expect(text(historyCell([ok(1), ok(50), failed, loading, ok(2)], 3, theme))).toBe('✖◌▁');
    expect(historyCell([], 0, theme)).toEqual([]);
  });

  it('colours failures red, loading yellow, successes green, one segment per run; none without colour', () => {
    const cells = historyCell([ok(1), ok(2), failed, loading, ok(2)], 6, makeTheme({ color: true, unicode: true }));
    expect(cells).toEqual([{ text: ' ' }, { text: '▁▁', colour: 'green' }, { text: '✖', colour: 'red' }, { text: '◌', colour: 'yellow' }, { text: '▁', colour: 'green' }]);
    const plain = historyCell([ok(1), failed], 2, makeTheme({ color: false, unicode: true }));
    expect(plain.every((c) => c.colour === undefined)).toBe(true);
  });
});
