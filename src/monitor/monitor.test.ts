import { afterEach, describe, expect, it } from 'vitest';
import { fakeClock, type FakeClock } from '../../test/helpers/fake-clock.js';
import { configOf, loading, ok, refused, scripted } from '../../test/helpers/fleet.js';
import type { Config } from '../config/types.js';
import { createStore, type FleetStore } from '../store/store.js';
import { createMonitor, type Monitor, type ProbeFn } from './monitor.js';

let monitor: Monitor | undefined;
afterEach(async () => {
  await monitor?.stop();
  monitor = undefined;
});

function setup(config: Config, probe: ProbeFn, clock: FakeClock, random = () => 0): { store: FleetStore; monitor: Monitor } {
  const store = createStore(config, { clock });
  monitor = createMonitor({ config, store, clock, probe, random });
  return { store, monitor };
}

const status = (store: FleetStore, name: string) => store.current(name)?.status;

describe('monitor loop on a fake clock', () => {
  it('probes each backend every interval, measured from the previous start', async () => {
    const clock = fakeClock(0);
    const config = configOf(['a'], { health: { intervalMs: 10_000 } });
    const s = scripted(clock, { a: [ok()] }, 300);
    const { monitor } = setup(config, s.probe, clock);
    monitor.start();
    await clock.advance(35_000);
    expect(s.calls.map((c) => c.at)).toEqual([0, 10_000, 20_000, 30_000]);
  });

  it('confirms a dead backend quickly with fast re-probes, then goes back to the interval', async () => {
    const clock = fakeClock(0);
    const config = configOf(['a'], { health: { intervalMs: 30_000 }, top: { fastIntervalMs: 1_000 } });
    // Healthy once, then dead.
    const s = scripted(clock, { a: [ok(), refused] });
    const { store, monitor } = setup(config, s.probe, clock);
    monitor.start();
    await clock.advance(1);
    expect(status(store, 'a')).toBe('healthy');
    await clock.advance(30_000); // first failure at 30 s
    expect(status(store, 'a')).toBe('healthy');
    await clock.advance(2_000); // fast re-probes at 31 s and 32 s confirm it
    expect(status(store, 'a')).toBe('unhealthy');
    expect(s.calls.map((c) => c.at)).toEqual([0, 30_000, 31_000, 32_000]);
    await clock.advance(60_000);
    // Confirmed: back to the normal interval.
    expect(s.calls.map((c) => c.at).slice(4)).toEqual([62_000, 92_000]);
  });

  it('uses the interval for re-probes when it is shorter than the fast interval', async () => {
    const clock = fakeClock(0);
    const config = configOf(['a'], { health: { intervalMs: 500 }, top: { fastIntervalMs: 1_000 } });
    const s = scripted(clock, { a: [ok(), refused] });
    const { monitor } = setup(config, s.probe, clock);
    monitor.start();
    await clock.advance(2_100);
    expect(s.calls.map((c) => c.at)).toEqual([0, 500, 1000, 1500, 2000]);
  });

  it('spreads first probes over the start window (jitter), not all at once', async () => {
    const clock = fakeClock(0);
    const config = configOf(100, { health: { intervalMs: 10_000 } });
    let i = 0;
    const random = () => (i++ % 100) / 100;
    const s = scripted(clock, () => ok());
    const store = createStore(config, { clock });
    monitor = createMonitor({ config, store, clock, probe: s.probe, random, startSpreadMs: 2_000 });
    monitor.start();
    await clock.advance(2_000);
    const times = s.calls.map((c) => c.at);
    expect(times).toHaveLength(100);
    expect(Math.min(...times)).toBe(0);
    expect(Math.max(...times)).toBeGreaterThan(1_900);
    // No 100 ms slot holds more than a tenth of the fleet.
    const slots = new Map<number, number>();
    for (const t of times) slots.set(Math.floor(t / 100), (slots.get(Math.floor(t / 100)) ?? 0) + 1);
    expect(Math.max(...slots.values())).toBeLessThanOrEqual(10);
  });

  it('never has more probes in flight than the concurrency limit, and still probes everyone', async () => {
    const clock = fakeClock(0);
    const config = configOf(50, { health: { intervalMs: 60_000 }, top: { concurrency: 4 } });
    const s = scripted(clock, () => ok(), 1_000);
    const { store, monitor } = setup(config, s.probe, clock);
    monitor.start(); // random = 0: all due at once
    await clock.advance(20_000);
    expect(s.maxInFlight()).toBe(4);
    expect(new Set(s.calls.map((c) => c.name)).size).toBe(50);
    store.flush();
    expect(store.getSnapshot().summary.healthy).toBe(50);
  });

  it('force-checks one backend now without moving its schedule', async () => {
    const clock = fakeClock(0);
    const config = configOf(['a', 'b'], { health: { intervalMs: 10_000 } });
    const s = scripted(clock, () => ok());
    const { monitor } = setup(config, s.probe, clock);
    monitor.start();
    await clock.advance(4_000);
    await monitor.checkNow('a');
    expect(s.calls.filter((c) => c.name === 'a').map((c) => c.at)).toEqual([0, 4_000]);
    expect(s.calls.filter((c) => c.name === 'b')).toHaveLength(1);
    await clock.advance(6_500);
    expect(s.calls.filter((c) => c.name === 'a').map((c) => c.at)).toEqual([0, 4_000, 10_000]);
  });

  it('force-checks all backends and resolves once they are recorded', async () => {
    const clock = fakeClock(0);
    const config = configOf(['a', 'b', 'c']);
    const s = scripted(clock, { a: [ok()], b: [refused], c: [loading] }, 200);
    const { store, monitor } = setup(config, s.probe, clock);
    const done = monitor.checkNow();
    await clock.advance(200);
    await done;
    expect(['a', 'b', 'c'].map((n) => status(store, n))).toEqual(['healthy', 'unhealthy', 'loading']);
  });

  it('marks a backend as being checked while its probe runs', async () => {
    const clock = fakeClock(0);
    const s = scripted(clock, () => ok(), 500);
    const { store, monitor } = setup(configOf(['a']), s.probe, clock);
    void monitor.checkNow('a');
    await clock.advance(100);
    expect(store.current('a')?.checking).toBe(true);
    await clock.advance(500);
    expect(store.current('a')?.checking).toBe(false);
  });

  it('drains and undrains: status shows draining, the underlying health stays visible, probing goes on', async () => {
    const clock = fakeClock(0);
    const config = configOf(['a'], { health: { intervalMs: 1_000 } });
    const s = scripted(clock, () => ok());
    const { store, monitor } = setup(config, s.probe, clock);
    monitor.start();
    await clock.advance(10);
    monitor.toggleDrain('a');
    expect(store.current('a')).toMatchObject({ status: 'draining', health: 'healthy', drained: true });
    await clock.advance(3_000);
    expect(s.calls.length).toBe(4);
    monitor.toggleDrain('a');
    expect(store.current('a')).toMatchObject({ status: 'healthy', drained: false });
  });

  it('follows a new interval at once', async () => {
    const clock = fakeClock(0);
    const config = configOf(['a'], { health: { intervalMs: 30_000 } });
    const s = scripted(clock, () => ok());
    const { store, monitor } = setup(config, s.probe, clock);
    monitor.start();
    await clock.advance(1_000);
    monitor.setIntervalMs(5_000);
    store.flush();
    expect(store.getSnapshot().intervalMs).toBe(5_000);
    await clock.advance(10_000);
    expect(s.calls.map((c) => c.at)).toEqual([0, 5_000, 10_000]);
  });

  it('stops probing while paused and resumes on resume', async () => {
    const clock = fakeClock(0);
    const s = scripted(clock, () => ok());
    const { store, monitor } = setup(configOf(['a'], { health: { intervalMs: 1_000 } }), s.probe, clock);
    monitor.start();
    await clock.advance(1_500);
    monitor.pause();
    store.flush();
    expect(store.getSnapshot().paused).toBe(true);
    const before = s.calls.length;
    await clock.advance(10_000);
    expect(s.calls.length).toBe(before);
    monitor.resume();
    await clock.advance(2_500);
    expect(s.calls.length).toBeGreaterThanOrEqual(before + 2);
  });

  it('survives a probe that throws or rejects: the loop and the other backends go on', async () => {
    const clock = fakeClock(0);
    const config = configOf(['bad', 'good'], { health: { intervalMs: 1_000 } });
    const good = scripted(clock, () => ok());
    const probe: ProbeFn = (b, signal) => {
      if (b.name === 'bad') {
        if (clock.now() % 2000 === 0) throw new Error('boom');
        return Promise.reject(new Error('kaboom'));
      }
      return good.probe(b, signal);
    };
    const { store, monitor } = setup(config, probe, clock);
    monitor.start();
    await clock.advance(5_000);
    expect(good.calls.length).toBe(6);
    expect(store.current('bad')).toMatchObject({ status: 'unhealthy' });
    expect(store.current('bad')?.lastError?.message).toMatch(/boom|kaboom/);
  });

  it('stop() cancels timers and in-flight probes, resolves when all are done, and is idempotent', async () => {
    const clock = fakeClock(0);
    const s = scripted(clock, () => ok(), 5_000);
    const { monitor } = setup(configOf(['a', 'b'], { health: { intervalMs: 10_000 } }), s.probe, clock);
    monitor.start();
    await clock.advance(100);
    expect(s.inFlight()).toBe(2);
    const stopped = monitor.stop();
    expect(monitor.stop()).toBe(stopped);
    await stopped;
    expect(s.calls.every((c) => c.signal.aborted)).toBe(true);
    expect(s.inFlight()).toBe(0);
    expect(clock.pendingCount()).toBe(0);
    monitor.start();
    await clock.advance(60_000);
    expect(s.calls).toHaveLength(2);
  });

  it('start() twice does not double the schedule', async () => {
    const clock = fakeClock(0);
    const s = scripted(clock, () => ok());
    const { monitor } = setup(configOf(['a'], { health: { intervalMs: 1_000 } }), s.probe, clock);
    monitor.start();
    monitor.start();
    await clock.advance(3_500);
    expect(s.calls.map((c) => c.at)).toEqual([0, 1_000, 2_000, 3_000]);
  });
});
