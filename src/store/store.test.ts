import { describe, expect, it } from 'vitest';
import { fakeClock } from '../../test/helpers/fake-clock.js';
import { backend, configOf, loading, ok, refused } from '../../test/helpers/fleet.js';
import type { ProbeOutcome, ProbeResult } from '../core/outcome.js';
import { createStore } from './store.js';

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
