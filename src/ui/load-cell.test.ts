import { describe, expect, it } from 'vitest';
import { NO_FIGURES, type LoadView } from '../core/load.js';
import { loadText } from '../output/load-text.js';
import { loadCell, loadCellWidths, loadRank } from './load-cell.js';
import { makeTheme } from './theme.js';

const GIB = 1024 ** 3;
const view = (f: Partial<LoadView>): LoadView => ({ ...NO_FIGURES, routerPending: null, sources: ['metrics'], at: 1, error: null, ...f });
const text = (load: LoadView | null, theme = makeTheme({ color: false, unicode: true }), width = Infinity): string =>
  loadCell(load, theme, width)
    .map((s) => s.text)
    .join('');

const ascii = makeTheme({ color: false, unicode: false });
const coloured = makeTheme({ color: true, unicode: true });

describe('the LOAD cell', () => {
  const vllm = view({ running: 12, waiting: 3, kvCache: 0.87 });
  const slots = view({ running: 2, waiting: 1, slots: { busy: 2, total: 2 }, sources: ['slots', 'metrics'] });
  const ollama = view({ loadedModels: [{ name: 'qwen3:14b', sizeBytes: 11 * GIB, vramBytes: 9 * GIB, expiresAt: null }], sources: ['ps'] });

  it('running, waiting and the KV cache each with its own glyph; the bar is the fill', () => {
    expect(text(vllm)).toBe('▶12 ◷3 ▇87%');
    expect(text(view({ running: 0, waiting: 0, kvCache: 0.02 }))).toBe('▶0 ◷0 ▁2%');
    expect(text(view({ running: 1, waiting: 0, kvCache: 1 }))).toBe('▶1 ◷0 █100%');
  });

  it('llama.cpp slots busy of total instead of a running count; loaded models for Ollama and LM Studio', () => {
    expect(text(slots)).toBe('▶2/2 ◷1');
    expect(text(ollama)).toBe('◆1 cpu');
    expect(text(view({ loadedModels: [], sources: ['ps'] }))).toBe('◆0');
  });

  it('? when it could not be read, - when there is no load for this backend', () => {
    expect(text(view({ sources: [], error: { kind: 'timeout', message: 'timed out after 2s' } }))).toBe('?');
    expect(text(null)).toBe('-');
  });

  it('a full queue (the server refused to say: Ollama 503 "maximum pending requests exceeded") is saturation, not ?', () => {
    const full = view({ sources: [], error: { kind: 'http', message: 'saturated: the queue is full (HTTP 503: server busy, maximum pending requests exceeded); waiting unknown' } });
    expect(text(full)).toBe('◷full');
    expect(text(full, ascii)).toBe('q full');
    expect(loadCell(full, coloured)[0]).toMatchObject({ bold: true, colour: 'red' });
    expect(loadText(full)).toBe('queue full');
    expect(loadRank(full)).toBeGreaterThan(loadRank(view({ waiting: 40, kvCache: 1 })));
  });

  it('the Nexus router\'s pending requests where the backend itself says nothing', () => {
    const routerOnly = view({ routerPending: 4, sources: ['router'] });
    expect(text(routerOnly)).toBe('↪4');
    expect(text(routerOnly, ascii)).toBe('p4');
    expect(loadText(routerOnly)).toBe('router 4 pending');
    // With figures of its own, those are shown (the router's count is in the detail pane).
    expect(text(view({ running: 1, waiting: 0, kvCache: 0.2, routerPending: 4, sources: ['metrics', 'router'] }))).toBe('▶1 ◷0 ▂20%');
  });

  it('ASCII letters under a non-UTF-8 locale', () => {
    expect(text(vllm, ascii)).toBe('r12 q3 kv87%');
    expect(text(slots, ascii)).toBe('r2/2 q1');
    expect(text(ollama, ascii)).toBe('m1 cpu');
    for (const l of [vllm, slots, ollama]) expect(/[^\x00-\x7f]/.test(text(l, ascii))).toBe(false);
  });

  it('compact on a narrow column: no running count, no bar', () => {
    expect(text(vllm, undefined, 8)).toBe('◷3 87%');
    expect(text(slots, undefined, 6)).toBe('2/2 ◷1');
  });

  it('colour only adds emphasis to what the figures already say: a queue, a full KV cache, every slot busy', () => {
    const segs = loadCell(view({ running: 4, waiting: 2, kvCache: 0.95 }), coloured);
    expect(segs.find((s) => s.text === '◷2')).toMatchObject({ colour: 'yellow', bold: true });
    expect(segs.find((s) => s.text === '█95%')).toMatchObject({ colour: 'red', bold: true });
    expect(segs.find((s) => s.text === '▶4')?.colour).toBeUndefined();
    expect(loadCell(slots, coloured)[0]).toMatchObject({ text: '▶2/2', colour: 'yellow' });
    const calm = loadCell(view({ running: 4, waiting: 0, kvCache: 0.5 }), coloured);
    expect(calm.some((s) => s.colour !== undefined)).toBe(false);
    // Without colour: no colour at all, the same text.
    expect(loadCell(view({ running: 4, waiting: 2, kvCache: 0.95 }), makeTheme({ color: false, unicode: true })).some((s) => s.colour !== undefined)).toBe(false);
  });

  it('is laid out for two-digit counts, so figures moving between 3 and 42 do not shift the table', () => {
    const widths = [view({ running: 3, waiting: 0, kvCache: 0.05 }), view({ running: 12, waiting: 42, kvCache: 0.87 })].map((l) => loadCellWidths(l, coloured));
    expect(widths[0]).toEqual(widths[1]);
    expect(widths[0]!.full).toBe('▶12 ◷42 ▇87%'.length);
  });

  it('the same view gives the same cell object (worked out once, not per frame)', () => {
    expect(loadCell(vllm, coloured)).toBe(loadCell(vllm, coloured));
  });
});

describe('load in words (--once) and the load sort', () => {
  it('says each figure in words', () => {
    expect(loadText(view({ running: 12, waiting: 3, kvCache: 0.87 }))).toBe('run 12, wait 3, kv 87%');
    expect(loadText(view({ running: 2, waiting: 1, slots: { busy: 2, total: 2 } }))).toBe('slots 2/2, wait 1');
    expect(loadText(view({ loadedModels: [{ name: 'a', sizeBytes: 2, vramBytes: 1, expiresAt: null }] }))).toBe('1 model, part CPU');
    expect(loadText(view({ error: { kind: 'http', message: 'HTTP 501' } }))).toBe('? (http)');
    expect(loadText(null)).toBe('-');
  });

  it('ranks a queue above a full cache above an idle backend; unknown last', () => {
    const ranks = [view({ waiting: 1, kvCache: 0.1 }), view({ waiting: 0, kvCache: 0.99 }), view({ running: 3, waiting: 0, kvCache: 0.2 }), view({ loadedModels: [] }), null].map(loadRank);
    expect([...ranks].sort((a, b) => b - a)).toEqual(ranks);
    expect(ranks[3]).toBe(ranks[4]);
  });
});
