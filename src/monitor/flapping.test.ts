import { afterEach, describe, expect, it } from 'vitest';
import { fakeClock } from '../../test/helpers/fake-clock.js';
import { configOf, ok, refused, scripted } from '../../test/helpers/fleet.js';
import type { ProbeOutcome } from '../probe/types.js';
import { createStore, type FleetStore } from '../store/store.js';
import type { FleetEvent } from '../store/types.js';
import { createMonitor, type Monitor } from './monitor.js';

let monitor: Monitor | undefined;
afterEach(async () => {
  await monitor?.stop();
  monitor = undefined;
});

/** Run the real loop on a fake clock with a backend whose probes follow `pattern(n)`; fast re-probe off so each probe is one interval. */
async function watch(pattern: (n: number) => ProbeOutcome, probes: number): Promise<{ store: FleetStore; events: FleetEvent[]; flappingAfter: boolean[] }> {
  const clock = fakeClock(0);
  const config = configOf(['gpu'], { health: { intervalMs: 1_000 }, top: { fastIntervalMs: 1_000 } });
  const store = createStore(config, { clock });
  const events: FleetEvent[] = [];
  store.onEvent((e) => events.push(e));
  const s = scripted(clock, { gpu: pattern });
  monitor = createMonitor({ config, store, clock, probe: s.probe, random: () => 0 });
  monitor.start();
  const flappingAfter: boolean[] = [];
  for (let i = 0; i < probes; i++) {
    await clock.advance(i === 0 ? 1 : 1_000);
    flappingAfter.push(store.current('gpu')!.flapping);
  }
  expect(s.calls).toHaveLength(probes);
  return { store, events, flappingAfter };
}

const periodic = (period: number) => (n: number) => (n % period < period / 2 ? ok() : refused);

describe('flap detection on the live loop (fake clock)', () => {
  it('a backend failing every other probe looks healthy under thresholds but is flagged flapping within one window', async () => {
    const { store, flappingAfter, events } = await watch(periodic(2), 21);
    const gpu = store.current('gpu')!;
    expect(gpu.status).toBe('healthy');
    expect(gpu.flapping).toBe(true);
    expect(flappingAfter.indexOf(true)).toBeGreaterThan(0);
    expect(flappingAfter.indexOf(true)).toBeLessThan(21);
    const start = events.find((e) => e.type === 'flap_start');
    expect(start).toMatchObject({ backend: 'gpu' });
    store.flush();
    expect(store.getSnapshot().summary.flapping).toBe(1);
  });

  it.each([3, 4, 5, 6, 7])('a period of %i probes is flapping', async (period) => {
    const { flappingAfter } = await watch(periodic(period), 60);
    expect(flappingAfter.slice(40).every(Boolean)).toBe(true);
  });

  it('one failure in a steady run never flaps', async () => {
    const { flappingAfter, events } = await watch((n) => (n === 20 ? refused : ok()), 50);
    expect(flappingAfter.some(Boolean)).toBe(false);
    expect(events.filter((e) => e.type === 'flap_start')).toHaveLength(0);
  });

  it('steady up or steady down never flaps', async () => {
    expect((await watch(() => ok(), 40)).flappingAfter.some(Boolean)).toBe(false);
    await monitor?.stop();
    expect((await watch(() => refused, 40)).flappingAfter.some(Boolean)).toBe(false);
  });

  it('stops flapping (flap_stop) once the backend settles', async () => {
    const { flappingAfter, events } = await watch((n) => (n < 30 ? periodic(2)(n) : ok()), 70);
    expect(flappingAfter[29]).toBe(true);
    expect(flappingAfter[69]).toBe(false);
    expect(events.filter((e) => e.type === 'flap_start' || e.type === 'flap_stop').map((e) => e.type)).toEqual(['flap_start', 'flap_stop']);
  });
});

describe('history and event log', () => {
  it('keeps the last history_size probes with time, outcome, kind and latency', async () => {
    const clock = fakeClock(0);
    const config = configOf(['gpu'], { top: { historySize: 30, flapWindow: 21 } });
    const store = createStore(config, { clock });
    for (let i = 0; i < 50; i++) {
      const o = i % 10 === 9 ? refused : ok();
      store.recordResult({ ...o, backend: 'gpu', startedAt: i * 1000, finishedAt: i * 1000 + 5, latencyMs: 5 + i });
    }
    const h = store.current('gpu')!.history;
    expect(h).toHaveLength(30);
    expect(h[0]).toEqual({ at: 20_005, outcome: 'ok', latencyMs: 25 });
    expect(h[29]).toEqual({ at: 49_005, outcome: 'failure', kind: 'connection', latencyMs: 54 });
  });

  it('logs status changes with why, drains, interval changes and pauses, and keeps the last 1000', async () => {
    const clock = fakeClock(0);
    const config = configOf(['gpu'], { health: { failureThreshold: 1, recoveryThreshold: 1 } });
    const store = createStore(config, { clock });
    const r = (o: ProbeOutcome, t: number) => store.recordResult({ ...o, backend: 'gpu', startedAt: t, finishedAt: t, latencyMs: 1 });
    r(ok(), 1);
    r({ outcome: 'failure', kind: 'timeout', message: 'timed out after 5s' }, 2);
    store.setDrained('gpu', true);
    store.setDrained('gpu', false);
    store.setIntervalMs(5_000);
    store.setPaused(true);
    store.setPaused(false);
    store.flush();
    const events = store.getSnapshot().events;
    expect(events.map((e) => e.type)).toEqual(['status', 'status', 'drain', 'undrain', 'interval', 'pause', 'resume']);
    expect(events[0]).toEqual({ ts: 1, type: 'status', backend: 'gpu', from: 'unknown', to: 'healthy' });
    expect(events[1]).toEqual({ ts: 2, type: 'status', backend: 'gpu', from: 'healthy', to: 'unhealthy', kind: 'timeout', message: 'timed out after 5s' });
    expect(events[4]).toMatchObject({ type: 'interval', from_ms: 30_000, to_ms: 5_000 });
    for (let i = 0; i < 1200; i++) r(i % 2 ? ok() : refused, 10 + i);
    store.flush();
    expect(store.getSnapshot().events).toHaveLength(1000);
    expect(store.getSnapshot().events.at(-1)!.ts).toBe(10 + 1199);
  });
});
