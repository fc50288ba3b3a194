import { describe, expect, it } from 'vitest';
import { configOf } from '../../test/helpers/fleet.js';
import { storeWith } from '../../test/helpers/render-app.js';
import type { ProbeOutcome } from '../core/outcome.js';
import { layoutColumns, ROW_PREFIX } from './layout.js';
import { makeTheme } from './theme.js';

const theme = makeTheme({ color: false, unicode: true });
const failing = (message: string): ProbeOutcome => ({ outcome: 'failure', kind: 'connection', message });
const rowsWith = (message: string) => storeWith(configOf(['backend-one', 'two']), { 'backend-one': [failing(message)] }).store.getSnapshot().backends;
const widthOf = (cols: ReturnType<typeof layoutColumns>): Record<string, number> => Object.fromEntries(cols.map((c) => [c.id, c.width]));
const total = (cols: ReturnType<typeof layoutColumns>): number => ROW_PREFIX + cols.reduce((n, c) => n + c.width, 0) + 2 * (cols.length - 1);

describe('layoutColumns: HISTORY and LAST ERROR share the spare room', () => {
  it('fills the width exactly', () => {
    for (const width of [80, 100, 120, 200]) expect(total(layoutColumns(width, rowsWith('connection refused'), theme))).toBe(width);
  });

  it('lets the error take what it needs up to 32 columns before the history grows', () => {
    // "connection: connection refused" is 30 columns.
    const w = widthOf(layoutColumns(120, rowsWith('connection refused'), theme));
    expect(w.error).toBe(30);
    expect(w.history).toBe(120 - 87 - 18 + 10);
    // Tighter: the error takes all of the spare room, the history keeps its minimum of ten probes.
    expect(widthOf(layoutColumns(100, rowsWith('connection refused'), theme))).toMatchObject({ error: 25, history: 10 });
  });

  it('splits evenly beyond that, and never gives the error more than its longest text', () => {
    const long = widthOf(layoutColumns(200, rowsWith('x'.repeat(200)), theme));
    expect(Math.abs(long.error! - long.history!)).toBeLessThanOrEqual(12);
    const short = widthOf(layoutColumns(200, rowsWith('refused'), theme));
    expect(short.error).toBe(19); // "connection: refused"
  });

  it('keeps the history to the ring of 120 probes; the rest goes to the error', () => {
    const w = widthOf(layoutColumns(400, rowsWith('short'), theme));
    expect(w.history).toBe(120);
    expect(total(layoutColumns(400, rowsWith('short'), theme))).toBe(400);
  });
});
