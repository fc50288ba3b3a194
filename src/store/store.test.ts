import { describe, expect, it } from 'vitest';
import { fakeClock } from '../../test/helpers/fake-clock.js';
import { backend, configOf, loading, ok, refused } from '../../test/helpers/fleet.js';
import type { ProbeOutcome, ProbeResult } from '../core/outcome.js';
import { NO_FIGURES, type LoadReading } from '../core/load.js';
import { createStore } from './store.js';
import type { FleetEvent } from './types.js';

const result = (name: string, outcome: ProbeOutcome, at: number, latencyMs = 10): ProbeResult => ({
  ...outcome,
  backend: name,
  startedAt: at - latencyMs,
  finishedAt: at,
  latencyMs,
});

describe('fleet store', () => {
  it('publishes a burst of 1000 probe results as one update', async () => {
    const clock = fakeClock(0);
    const store = createStore(configOf(1000), { clock, batchMs: 50 });
    let notified = 0;
    store.subscribe(() => notified++);
    const before = store.getSnapshot();
    for (let i = 0; i < 1000; i++) store.recordResult(result(`b${i}`, ok(), 1));
    expect(store.getSnapshot()).toBe(before); // nothing published yet
    await clock.advance(50);
    expect(notified).toBe(1);
    expect(store.getSnapshot().summary).toMatchObject({ total: 1000, healthy: 1000 });
  });

  it('keeps the identity of unchanged backends and the snapshot between updates', async () => {
    const clock = fakeClock(0);
    const store = createStore(configOf(['a', 'b']), { clock });
    store.recordResult(result('a', ok(), 1));
    store.flush();
    const s1 = store.getSnapshot();
    expect(store.getSnapshot()).toBe(s1);
    store.recordResult(result('b', ok(), 2));
    store.flush();
    const s2 = store.getSnapshot();
    expect(s2).not.toBe(s1);
    expect(s2.byName.get('a')).toBe(s1.byName.get('a'));
    expect(s2.byName.get('b')).not.toBe(s1.byName.get('b'));
  });

  it('tracks latency last/EMA/min/max over successes and marks it stale after a failure', () => {
    const clock = fakeClock(0);
    const store = createStore(configOf(['a']), { clock });
    store.recordResult(result('a', ok(), 1, 100));
    store.recordResult(result('a', ok(), 2, 200));
    store.recordResult(result('a', refused, 3, 5));
    const a = store.current('a')!;
    expect(a.latencyMs).toBe(200);
    expect(a.latencyEmaMs).toBeCloseTo(120);
    expect([a.latencyMinMs, a.latencyMaxMs]).toEqual([100, 200]);
    expect(a.latencyStale).toBe(true);
  });

  it('keeps the last model list, marked stale, when a probe fails or cannot list models', () => {
    const clock = fakeClock(0);
    const store = createStore(configOf(['a']), { clock });
    store.recordResult(result('a', ok(['llama3:8b', 'qwen2:7b']), 1));
    expect(store.current('a')).toMatchObject({ models: ['llama3:8b', 'qwen2:7b'], modelsStale: false });
    store.recordResult(result('a', { outcome: 'failure', kind: 'parse', message: 'truncated JSON' }, 2));
    expect(store.current('a')).toMatchObject({ models: ['llama3:8b', 'qwen2:7b'], modelsStale: true });
    store.recordResult(result('a', ok(null), 3));
    expect(store.current('a')).toMatchObject({ models: ['llama3:8b', 'qwen2:7b'], modelsStale: true });
    store.recordResult(result('a', ok(['qwen2:7b']), 4));
    expect(store.current('a')).toMatchObject({ models: ['qwen2:7b'], modelsStale: false });
  });

  it('calls nothing stale for a backend whose check never lists models (a tcp or command check), and says which check runs', () => {
    const clock = fakeClock(0);
    const config = configOf(['a', 'b']);
    config.backends[0]!.check = { kind: 'tcp', also: false };
    const store = createStore(config, { clock });
    store.recordResult(result('a', ok(null), 1));
    expect(store.current('a')).toMatchObject({ models: [], modelsListedAt: null, modelsStale: false, check: { label: 'tcp', text: 'tcp connect 127.0.0.1:1' } });
    expect(store.current('b')!.check).toEqual({ label: 'http', text: 'http' });
  });

  it('records the last error with its time and keeps a short list of recent ones', () => {
    const clock = fakeClock(0);
    const store = createStore(configOf(['a']), { clock });
    for (let i = 1; i <= 15; i++) store.recordResult(result('a', { outcome: 'failure', kind: 'http', message: `HTTP 50${i % 10}` }, i * 1000));
    const a = store.current('a')!;
    expect(a.lastError).toEqual({ kind: 'http', message: 'HTTP 505', at: 15_000 });
    expect(a.recentErrors).toHaveLength(10);
    expect(a.recentErrors[0]!.at).toBe(6_000);
    store.recordResult(result('a', ok(), 16_000));
    expect(store.current('a')!.lastError?.at).toBe(15_000); // the last error stays visible after recovery
  });

  it('counts a drained backend as draining, not in its health, and tracks when its status changed', async () => {
    const clock = fakeClock(0);
    const store = createStore(configOf(['a', 'b', 'c']), { clock });
    store.recordResult(result('a', ok(), 10));
    store.recordResult(result('b', refused, 10));
    store.recordResult(result('c', loading, 10));
    await clock.advance(5_000);
    store.setDrained('a', true);
    store.flush();
    const snap = store.getSnapshot();
    expect(snap.summary).toEqual({ total: 3, healthy: 0, unhealthy: 1, loading: 1, draining: 1, unknown: 0, flapping: 0 });
    expect(snap.byName.get('a')).toMatchObject({ status: 'draining', health: 'healthy', statusSince: 5_000 });
    expect(snap.byName.get('b')).toMatchObject({ status: 'unhealthy', statusSince: 10 });
  });

  it('never shows a password from a configured URL', () => {
    const clock = fakeClock(0);
    const config = configOf([]);
    config.backends = [backend('s', { url: 'https://admin:hunter22@gpu1.lan:8000/v1' })];
    const store = createStore(config, { clock });
    expect(store.getSnapshot().byName.get('s')!.url).toBe('https://admin@gpu1.lan:8000/v1');
    expect(JSON.stringify(store.getSnapshot().backends)).not.toContain('hunter22');
  });
});

describe('load in the store', () => {
  const reading = (backend: string, at: number, waiting: number | null, extra: Partial<LoadReading> = {}): LoadReading => ({
    backend,
    at,
    figures: { ...NO_FIGURES, running: 2, waiting, kvCache: 0.5 },
    sources: ['metrics'],
    error: null,
    ...extra,
  });

  it('shows the last reading on the view and never touches health', () => {
    const clock = fakeClock(0);
    const store = createStore(configOf(['a']), { clock });
    store.recordResult(result('a', ok(), 1));
    store.flush();
    expect(store.getSnapshot().byName.get('a')!.load).toBeNull();
    store.setLoad(reading('a', 5, 3));
    store.flush();
    const a = store.getSnapshot().byName.get('a')!;
    expect(a.load).toMatchObject({ running: 2, waiting: 3, kvCache: 0.5, sources: ['metrics'], at: 5, error: null, routerPending: null });
    expect(a.health).toBe('healthy');
    // A failed round: figures unknown, the reason kept; health still the probe's.
    store.setLoad(reading('a', 9, null, { figures: NO_FIGURES, sources: [], error: { kind: 'timeout', message: 'timed out after 5s' } }));
    store.flush();
    const after = store.getSnapshot().byName.get('a')!;
    expect(after.load).toMatchObject({ running: null, waiting: null, error: { kind: 'timeout' } });
    expect(after.health).toBe('healthy');
    // A reading for a backend no longer in the fleet is dropped.
    store.setLoad(reading('gone', 10, 1));
    expect(store.current('gone')).toBeUndefined();
  });

  it('an unchanged reading moves the age (at) but keeps the loaded models it already shows; a change shows at once', () => {
    const clock = fakeClock(0);
    const store = createStore(configOf(['a']), { clock });
    const models = () => [{ name: 'qwen3:14b', sizeBytes: 11_811_160_064, vramBytes: 9_663_676_416, expiresAt: 1_000 }];
    const ps = (at: number, loadedModels = models()): LoadReading => ({ backend: 'a', at, figures: { ...NO_FIGURES, loadedModels }, sources: ['ps'], error: null });
    store.setLoad(ps(5));
    store.flush();
    const first = store.getSnapshot().byName.get('a')!.load!;
    store.setLoad(ps(6));
    store.flush();
    const second = store.getSnapshot().byName.get('a')!.load!;
    expect(second.at).toBe(6);
    expect(second.loadedModels).toBe(first.loadedModels);
    expect(second.sources).toEqual(['ps']);
    // Part of the model pushed out of VRAM: the new figure is shown.
    store.setLoad(ps(7, [{ ...models()[0]!, vramBytes: 5_000_000_000 }]));
    store.flush();
    const third = store.getSnapshot().byName.get('a')!.load!;
    expect(third).toMatchObject({ at: 7, loadedModels: [{ name: 'qwen3:14b', vramBytes: 5_000_000_000 }] });
    // Then a failed round: figures gone, the reason shown.
    store.setLoad({ backend: 'a', at: 8, figures: NO_FIGURES, sources: [], error: { kind: 'timeout', message: 'timed out' } });
    store.flush();
    expect(store.getSnapshot().byName.get('a')!.load).toMatchObject({ at: 8, loadedModels: null, sources: [], error: { kind: 'timeout' } });
  });

  it('emits load only when waiting leaves 0 or returns to 0 (an unknown reading is no change)', () => {
    const clock = fakeClock(0);
    const store = createStore(configOf(['a']), { clock });
    const seen: FleetEvent[] = [];
    store.onEvent((e) => seen.push(e));
    for (const [at, w] of [[1, 0], [2, 4], [3, 9], [4, null], [5, 7], [6, 0], [7, 0], [8, 1]] as const) store.setLoad(reading('a', at, w));
    expect(seen).toEqual([
      { ts: 2, type: 'load', backend: 'a', waiting_from: 0, waiting_to: 4 },
      { ts: 6, type: 'load', backend: 'a', waiting_from: 7, waiting_to: 0 },
      { ts: 8, type: 'load', backend: 'a', waiting_from: 0, waiting_to: 1 },
    ]);
  });
});
