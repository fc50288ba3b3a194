import { afterEach, describe, expect, it, vi } from 'vitest';
import { backend, configOf, ok } from '../../test/helpers/fleet.js';
import { KEYS, renderApp, storeWith } from '../../test/helpers/render-app.js';

/** The generation check on the dashboard: a mark in the row (a glyph and a word), the detail pane, TTFT under LATENCY. */
let app: ReturnType<typeof renderApp> | undefined;
afterEach(() => {
  app?.unmount();
  app = undefined;
});

function fleet() {
  const config = configOf([], { top: { generateIntervalMs: 60_000 } });
  config.backends = [backend('good', { type: 'vllm' }), backend('cuda', { type: 'vllm' }), backend('idle', { type: 'ollama' })];
  const { store, clock } = storeWith(config, { good: [ok()], cuda: [ok()], idle: [ok(['q:1'])] });
  const at = clock.now();
  store.recordGeneration({ backend: 'good', at, ok: true, model: 'm1', ttftMs: 42.4, error: null, skipped: null });
  store.recordGeneration({ backend: 'cuda', at, ok: false, model: 'm1', ttftMs: null, error: { kind: 'http', message: 'HTTP 500: CUDA error: out of memory' }, skipped: null });
  store.recordGeneration({ backend: 'idle', at, ok: false, model: null, ttftMs: null, error: null, skipped: 'no model loaded (the check never loads one)' });
  store.flush();
  return store;
}

const rowOf = (screen: string, name: string): string => screen.split('\n').find((l) => l.includes(` ${name} `)) ?? '';

async function detailOf(downs: number): Promise<string> {
  app = renderApp(fleet());
  await vi.waitFor(() => expect(app!.screen()).toContain('NAME'));
  await app.press(...Array<string>(downs).fill('j'), KEYS.enter);
  await vi.waitFor(() => expect(app!.screen()).toMatch(/^\s*check\s/m));
  return app.screen();
}

describe('generation check on the dashboard', () => {
  it('marks the row whose last check failed with a glyph and a word; the others carry no mark', async () => {
    app = renderApp(fleet());
    await vi.waitFor(() => expect(app!.screen()).toContain('NAME'));
    // Sorted by name: cuda, good, idle.
    const screen = app.screen();
    // The first failed check decides (like a first failed probe): unhealthy, and the error says generate.
    expect(rowOf(screen, 'cuda'), screen).toMatch(/unhealthy ✖gen .*generate http: HTTP 500/);
    expect(rowOf(screen, 'good'), screen).not.toContain('gen');
    expect(rowOf(screen, 'idle'), screen).not.toContain('✖');
  });

  it('the detail pane: model, TTFT and age; the error; why it was skipped; TTFT under latency', async () => {
    const good = await detailOf(1);
    expect(good).toMatch(/^generation\s+● ok {2}m1 {2}ttft 42ms {2}at \d\d:\d\d:\d\d \(\d+s ago\)$/m);
    expect(good).toMatch(/^\s+generation ttft 42ms \(\d+s ago\)$/m);
    app?.unmount();
    const cuda = await detailOf(0);
    expect(cuda).toMatch(/^generation\s+✖ failed {2}m1 {2}at /m);
    expect(cuda).toMatch(/^\s+http: HTTP 500: CUDA error: out of memory$/m);
    expect(cuda).toMatch(/^\s+generation ttft - \(last check failed\)$/m);
    expect(cuda).toMatch(/generate http: HTTP 500: CUDA error: out of memory/);
    app?.unmount();
    const idle = await detailOf(2);
    expect(idle).toMatch(/^generation\s+skipped: no model loaded \(the check never loads one\)/m);
  });
});
