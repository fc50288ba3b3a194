/** The LOAD column, the load lines of the detail pane and the load sort, in the dashboard (ink-testing-library). */
import stringWidth from 'string-width';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { configOf, ok } from '../../test/helpers/fleet.js';
import { KEYS, renderApp, storeWith } from '../../test/helpers/render-app.js';
import { NO_FIGURES, type LoadFigures, type LoadReading } from '../core/load.js';
import type { FleetStore } from '../store/store.js';
import { firstFrameLines, lineText } from './first-frame.js';
import { makeTheme } from './theme.js';

const GIB = 1024 ** 3;
const T0 = 1_700_000_000_000;

let app: ReturnType<typeof renderApp> | undefined;
afterEach(() => {
  app?.unmount();
  app = undefined;
});

const reading = (backend: string, figures: Partial<LoadFigures>, extra: Partial<LoadReading> = {}): LoadReading => ({
  backend,
  at: T0,
  figures: { ...NO_FIGURES, ...figures },
  sources: ['metrics'],
  error: null,
  ...extra,
});

/** A fleet of four: vLLM queueing with its KV cache nearly full, llama.cpp with every slot busy, Ollama spilled to the CPU, one whose load cannot be read. */
async function loadedFleet(): Promise<FleetStore> {
  const names = ['vllm-a100', 'llamacpp-gpu2', 'ollama-gpu1', 'tgi-broken'];
  const { store, clock } = storeWith(configOf(names), Object.fromEntries(names.map((n) => [n, [ok()]])));
  await clock.advance(4_000);
  store.setLoad(reading('vllm-a100', { running: 12, waiting: 3, kvCache: 0.97 }));
  store.setLoad(reading('llamacpp-gpu2', { running: 2, waiting: 1, slots: { busy: 2, total: 2 } }, { sources: ['slots', 'metrics'] }));
  store.setLoad(
    reading(
      'ollama-gpu1',
      {
        loadedModels: [
          { name: 'qwen3:14b', sizeBytes: 11 * GIB, vramBytes: 9 * GIB, expiresAt: T0 + 5 * 60_000 },
          { name: 'nomic-embed-text:latest', sizeBytes: 0.8 * GIB, vramBytes: 0.8 * GIB, expiresAt: T0 + 400 * 24 * 3600_000 },
        ],
      },
      { sources: ['ps'] },
    ),
  );
  store.setLoad(reading('tgi-broken', {}, { sources: [], error: { kind: 'timeout', message: 'no answer within 2s' } }));
  store.recordResult({ ...ok(), backend: 'vllm-a100', startedAt: clock.now() - 5, finishedAt: clock.now(), latencyMs: 5 });
  store.flush();
  return store;
}

async function open(store: FleetStore, options: Parameters<typeof renderApp>[1] = {}) {
  app = renderApp(store, options);
  await vi.waitFor(() => expect(app!.screen()).toContain('NAME'));
  return app;
}

const rowOf = (screen: string, name: string): string => screen.split('\n').find((l) => l.includes(` ${name} `)) ?? '';
const titles = (screen: string): string => screen.split('\n').find((l) => l.includes('NAME')) ?? '';

describe('the LOAD column', () => {
  it('is not there while no backend has load', async () => {
    const { store } = storeWith(configOf(['alpha', 'bravo']), { alpha: [ok()], bravo: [ok()] });
    const a = await open(store);
    expect(titles(a.screen())).not.toContain('LOAD');
  });

  it('appears once a backend reports load, after LATENCY, each figure with its glyph', async () => {
    const store = await loadedFleet();
    const a = await open(store);
    const s = a.screen();
    expect(titles(s)).toMatch(/LATENCY {2}LOAD/);
    expect(rowOf(s, 'vllm-a100')).toContain('▶12 ◷3 █97%');
    expect(rowOf(s, 'llamacpp-gpu2')).toContain('▶2/2 ◷1');
    expect(rowOf(s, 'ollama-gpu1')).toContain('◆2 cpu');
    expect(rowOf(s, 'tgi-broken')).toMatch(/ms {2}\? /);
  });

  it('shows the column live: a reading arriving after start adds it', async () => {
    const { store } = storeWith(configOf(['alpha']), { alpha: [ok()] });
    const a = await open(store);
    expect(titles(a.screen())).not.toContain('LOAD');
    store.setLoad(reading('alpha', { running: 1, waiting: 0, kvCache: 0.1 }));
    store.flush();
    await vi.waitFor(() => expect(rowOf(a.screen(), 'alpha')).toContain('▶1 ◷0 ▁10%'));
  });

  it('narrows before it goes, and goes before LAST ERROR on a small terminal; no line is wider than the terminal', async () => {
    const store = await loadedFleet();
    const wide = await open(store, { columns: 120 });
    expect(rowOf(wide.screen(), 'vllm-a100')).toContain('▶12 ◷3 █97%');
    wide.unmount();
    const narrow = await open(store, { columns: 80 });
    let s = narrow.screen();
    expect(titles(s)).toContain('LOAD');
    expect(rowOf(s, 'vllm-a100')).toContain('◷3 97%');
    expect(rowOf(s, 'vllm-a100')).not.toContain('▶12');
    for (const l of s.split('\n')) expect(stringWidth(l)).toBeLessThanOrEqual(80);
    narrow.unmount();
    const tiny = await open(store, { columns: 56 });
    s = tiny.screen();
    expect(titles(s)).not.toContain('LOAD');
    expect(titles(s)).toMatch(/LATENCY {2}LAST ERROR/);
    for (const l of s.split('\n')) expect(stringWidth(l)).toBeLessThanOrEqual(56);
  });

  it('without colour (NO_COLOR): no escape sequence, the same glyphs', async () => {
    const a = await open(await loadedFleet(), { color: false });
    const raw = a.lastFrame()!;
    expect(raw).not.toContain('\u001b[');
    expect(rowOf(raw, 'vllm-a100')).toContain('▶12 ◷3 █97%');
    expect(rowOf(raw, 'llamacpp-gpu2')).toContain('▶2/2 ◷1');
  });

  it('with colour, a queue and a nearly full KV cache are emphasised (bold and coloured), the rest plain', async () => {
    // Ink under test draws no colour (no TTY); the first frame writes the same segments with their SGR codes.
    const store = await loadedFleet();
    const theme = makeTheme({ color: true, unicode: true });
    const frame = firstFrameLines({ snapshot: store.getSnapshot(), meta: { version: '9.9.9', source: 'test.toml' }, theme, columns: 120, rows: 20 });
    const row = frame.map((l) => lineText(l, 120, theme)).find((l) => l.includes('vllm-a100'))!;
    const bold = '\u001b[1m';
    const yellow = '\u001b[33m';
    const red = '\u001b[31m';
    expect(row).toContain(`${yellow}${bold}◷3`);
    expect(row).toContain(`${red}${bold}█97%`);
    expect(row).toMatch(/ ▶12 /);
  });

  it('ASCII under a non-UTF-8 locale', async () => {
    const a = await open(await loadedFleet(), { unicode: false, color: false });
    const s = a.screen();
    expect(rowOf(s, 'vllm-a100')).toContain('r12 q3 kv97%');
    expect(rowOf(s, 'llamacpp-gpu2')).toContain('r2/2 q1');
    expect(rowOf(s, 'ollama-gpu1')).toContain('m2 cpu');
    expect(/[^\x00-\x7f]/.test(s)).toBe(false);
  });

  it('s sorts by load at the end of the cycle: a queue first, unknown last', async () => {
    const a = await open(await loadedFleet());
    for (let i = 0; i < 4; i++) await a.press('s');
    await vi.waitFor(() => expect(a.screen()).toContain('sort: load'));
    const order = a
      .screen()
      .split('\n')
      .filter((l) => /^[ ›][ ↻] [a-z]/.test(l))
      .map((l) => l.slice(3).split(' ')[0]);
    expect(order).toEqual(['vllm-a100', 'llamacpp-gpu2', 'ollama-gpu1', 'tgi-broken']);
  });
});

describe('load in the detail pane', () => {
  async function detailOf(name: string, options: Parameters<typeof renderApp>[1] = {}) {
    const a = await open(await loadedFleet(), { rows: 80, ...options });
    await a.press('/', ...name.split(''), KEYS.enter, KEYS.enter);
    await vi.waitFor(() => expect(a.screen()).toMatch(/^url /m));
    return a.screen();
  }

  it('every figure with its source and the age of the reading', async () => {
    const s = await detailOf('vllm-a100');
    expect(s).toMatch(/^load +read \d\d:\d\d:\d\d \(4s ago\), from \/metrics$/m);
    expect(s).toMatch(/^ {2}running +▶ 12 +from \/metrics$/m);
    expect(s).toMatch(/^ {2}waiting +◷ 3 +from \/metrics$/m);
    expect(s).toMatch(/^ {2}KV cache +█ 97\.0% \(nearly full\) +from \/metrics$/m);
    // The sources line up in a column.
    const at = s.split('\n').filter((l) => /^ {2}(running|waiting|KV cache) /.test(l)).map((l) => l.indexOf('from /metrics'));
    expect(at).toHaveLength(3);
    expect(new Set(at).size).toBe(1);
  });

  it('llama.cpp slots from /slots, the queue from /metrics', async () => {
    const s = await detailOf('llamacpp-gpu2');
    expect(s).toMatch(/from \/slots, \/metrics$/m);
    expect(s).toMatch(/^ {2}slots +2 of 2 busy \(all\) +from \/slots$/m);
    expect(s).toMatch(/^ {2}waiting +◷ 1 +from \/metrics$/m);
  });

  it('the loaded models with size, VRAM, partly on CPU, and when they unload', async () => {
    const s = await detailOf('ollama-gpu1');
    expect(s).toMatch(/^ {2}loaded +2 models +from \/api\/ps$/m);
    expect(s).toMatch(/^ +qwen3:14b {2}11\.0G {2}9\.0G in VRAM {2}unloads \d\d:\d\d:\d\d \(in 4m\) {2}partly on CPU \(82% in VRAM\)$/m);
    expect(s).toMatch(/^ +nomic-embed-text:latest {2}819M {2}819M in VRAM {2}kept loaded$/m);
  });

  it('why load is unknown, and that health does not depend on it', async () => {
    const s = await detailOf('tgi-broken');
    expect(s).toMatch(/^ {2}error +timeout: no answer within 2s \(load unknown; health is not affected\)$/m);
  });
});
