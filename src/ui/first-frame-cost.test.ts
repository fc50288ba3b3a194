/**
 * The first frame of a fleet with plain names never calls string-width or cli-truncate: dist/cli.js
 * loads them on their first call (src/bundle.mjs), and loading them (Intl.Segmenter, Unicode tables)
 * costs more than drawing the frame. The theme's glyphs are measured without them, as string-width would.
 */
import stringWidth from 'string-width';
import { describe, expect, it, vi } from 'vitest';
import { configOf, loading, ok, refused } from '../../test/helpers/fleet.js';
import { storeWith } from '../../test/helpers/render-app.js';
import { firstFrame } from './first-frame.js';
import { makeTheme } from './theme.js';
import { NARROW_SYMBOLS, textWidth } from './width.js';

const calls = vi.hoisted(() => ({ stringWidth: 0, cliTruncate: 0 }));
vi.mock('string-width', async (original) => {
  const real = ((await original()) as { default: (s: string) => number }).default;
  return { default: (s: string) => (calls.stringWidth++, real(s)) };
});
vi.mock('cli-truncate', async (original) => {
  const real = ((await original()) as { default: (...a: unknown[]) => string }).default;
  return { default: (...a: unknown[]) => (calls.cliTruncate++, real(...a)) };
});

describe('the first frame of plain names', () => {
  it('measures every line without string-width or cli-truncate, in colour and Unicode', () => {
    const { store } = storeWith(configOf(Array.from({ length: 30 }, (_, i) => `gpu-box-${i}`)), { 'gpu-box-1': [ok()], 'gpu-box-2': [refused], 'gpu-box-3': [loading] });
    calls.stringWidth = 0;
    calls.cliTruncate = 0;
    for (const unicode of [true, false]) {
      const frame = firstFrame({ snapshot: store.getSnapshot(), meta: { version: '1.2.3', source: '/etc/nexus/nexus.toml' }, theme: makeTheme({ color: true, unicode }), columns: 120, rows: 40 });
      expect(frame).toContain('gpu-box-29');
    }
    expect(calls).toEqual({ stringWidth: 0, cliTruncate: 0 });
  });

  it('counts the symbols it measures itself as string-width does, alone and among other text', () => {
    for (const c of NARROW_SYMBOLS) {
      for (const text of [c, `${c} 3 healthy`, `${c}${c}x`]) expect(textWidth(text), text).toBe(stringWidth(text));
    }
  });
});
