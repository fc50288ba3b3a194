import { afterEach, describe, expect, it } from 'vitest';
import { fakeClock, type FakeClock } from '../../test/helpers/fake-clock.js';
import { backend, configOf } from '../../test/helpers/fleet.js';
import { diffFleets } from '../config/diff.js';
import type { BackendConfig, Config } from '../config/types.js';
import { NO_FIGURES, type LoadReading } from '../core/load.js';
import { createLoadSchedule, type LoadAsker, type LoadSchedule } from './load-schedule.js';

let schedule: LoadSchedule | undefined;
afterEach(async () => {
  await schedule?.stop();
  schedule = undefined;
});

interface Call {
  name: string;
  at: number;
  signal: AbortSignal;
}

/** A reader taking `tookMs` of fake time per round; names in `none` have no load endpoint. */
function fakeReader(clock: FakeClock, opts: { tookMs?: number; none?: string[]; hold?: boolean; throwFor?: string[] } = {}) {
  const calls: Call[] = [];
  const releases: Array<() => void> = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const reader: LoadAsker = {
    asks: (b: BackendConfig) => !(opts.none ?? []).includes(b.name),
    read(b, signal) {
      calls.push({ name: b.name, at: clock.now(), signal });
      if (opts.throwFor?.includes(b.name)) return Promise.reject(new Error('reader bug'));
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      const reading = (): LoadReading => ({ backend: b.name, at: clock.now(), figures: { ...NO_FIGURES, waiting: 1 }, sources: ['metrics'], error: null });
      return new Promise<LoadReading>((resolve) => {
        let settled = false;
        const done = (): void => {
          if (settled) return;
          settled = true;
          inFlight--;
          resolve(reading());
        };
        // Like the real reader: a cancelled round ends at once.
        signal.addEventListener('abort', done, { once: true });
        if (opts.hold) releases.push(done);
        else clock.setTimeout(done, opts.tookMs ?? 100);
      });
    },
  };
  return { reader, calls, releases, inFlight: () => inFlight, maxInFlight: () => maxInFlight };
}

function setup(config: Config, clock: FakeClock, reader: LoadAsker, random = () => 0) {
  const published: LoadReading[] = [];
  schedule = createLoadSchedule({ config, clock, reader, publish: (r) => published.push(r), random });
  return { schedule, published };
}

const times = (calls: Call[], name: string): number[] => calls.filter((c) => c.name === name).map((c) => c.at);

describe('load schedule on a fake clock', () => {
  it('asks each backend every load interval (the probe interval, not below 5 s), measured from the previous start', async () => {
    const clock = fakeClock(0);
    const r = fakeReader(clock);
    const { schedule, published } = setup(configOf(['a'], { health: { intervalMs: 2_000 } }), clock, r.reader);
    expect(schedule.intervalMs()).toBe(5_000);
    schedule.start();
    await clock.advance(16_000);
    expect(times(r.calls, 'a')).toEqual([0, 5_000, 10_000, 15_000]);
    expect(published.map((p) => p.at)).toEqual([100, 5_100, 10_100, 15_100]);
  });

  it('uses load_interval_seconds when set, and the probe interval when longer than 5 s', () => {
    const clock = fakeClock(0);
    expect(setup(configOf(['a'], { health: { intervalMs: 30_000 } }), clock, fakeReader(clock).reader).schedule.intervalMs()).toBe(30_000);
    expect(setup(configOf(['a'], { top: { loadIntervalMs: 1_000 } }), clock, fakeReader(clock).reader).schedule.intervalMs()).toBe(1_000);
  });

  it('spreads the first rounds like the probe loop', async () => {
    const clock = fakeClock(0);
    const r = fakeReader(clock);
    const spread = [0.1, 0.5, 0.9];
    let i = 0;
    const { schedule } = setup(configOf(['a', 'b', 'c'], { top: { loadIntervalMs: 10_000 } }), clock, r.reader, () => spread[i++ % 3]!);
    schedule.start();
    await clock.advance(999);
    expect(r.calls.map((c) => c.at)).toEqual([100, 500, 900]);
  });

  it('never asks a backend whose type has no load endpoint', async () => {
    const clock = fakeClock(0);
    const r = fakeReader(clock, { none: ['cloud'] });
    const { schedule } = setup(configOf(['a', 'cloud'], { top: { loadIntervalMs: 5_000 } }), clock, r.reader);
    schedule.start();
    await clock.advance(30_000);
    expect(times(r.calls, 'cloud')).toEqual([]);
    expect(times(r.calls, 'a').length).toBeGreaterThan(5);
  });

  it('asks nothing with load off', async () => {
    const clock = fakeClock(0);
    const r = fakeReader(clock);
    const { schedule } = setup(configOf(['a', 'b'], { top: { load: false } }), clock, r.reader);
    schedule.start();
    await schedule.readNow();
    await clock.advance(60_000);
    expect(r.calls).toEqual([]);
    expect(clock.pendingCount()).toBe(0);
  });

  it('keeps to the concurrency bound', async () => {
    const clock = fakeClock(0);
    const r = fakeReader(clock, { tookMs: 1_000 });
    const { schedule } = setup(configOf(20, { top: { concurrency: 3, loadIntervalMs: 5_000 } }), clock, r.reader);
    schedule.start();
    await clock.advance(20_000);
    expect(r.maxInFlight()).toBe(3);
    expect(new Set(r.calls.map((c) => c.name)).size).toBe(20);
  });

  it('a reader that throws costs that round only; the loop goes on', async () => {
    const clock = fakeClock(0);
    const r = fakeReader(clock, { throwFor: ['bad'] });
    const { schedule, published } = setup(configOf(['bad', 'good'], { top: { loadIntervalMs: 5_000 } }), clock, r.reader);
    schedule.start();
    await clock.advance(10_500);
    expect(times(r.calls, 'bad')).toEqual([0, 5_000, 10_000]);
    expect(published.map((p) => p.backend)).toEqual(['good', 'good', 'good']);
  });

  it('stops with the engine: timers cleared, the round in flight cancelled and dropped', async () => {
    const clock = fakeClock(0);
    const r = fakeReader(clock, { hold: true });
    const { schedule, published } = setup(configOf(['a']), clock, r.reader);
    schedule.start();
    await clock.advance(1);
    expect(r.calls).toHaveLength(1);
    const stopped = schedule.stop();
    expect(r.calls[0]!.signal.aborted).toBe(true);
    r.releases[0]!();
    await stopped;
    expect(published).toEqual([]);
    expect(clock.pendingCount()).toBe(0);
  });

  it('follows the probe interval (+/-) when load_interval_seconds is not set', async () => {
    const clock = fakeClock(0);
    const r = fakeReader(clock);
    const { schedule } = setup(configOf(['a'], { health: { intervalMs: 10_000 } }), clock, r.reader);
    schedule.start();
    await clock.advance(1);
    schedule.setProbeIntervalMs(20_000);
    await clock.advance(45_000);
    expect(times(r.calls, 'a')).toEqual([0, 20_000, 40_000]);
    schedule.setProbeIntervalMs(1_000);
    expect(schedule.intervalMs()).toBe(5_000);
  });

  it('pauses and resumes with the probes', async () => {
    const clock = fakeClock(0);
    const r = fakeReader(clock);
    const { schedule } = setup(configOf(['a'], { top: { loadIntervalMs: 5_000 } }), clock, r.reader);
    schedule.start();
    await clock.advance(1);
    schedule.pause();
    await clock.advance(60_000);
    expect(r.calls).toHaveLength(1);
    schedule.resume();
    await clock.advance(6_000);
    expect(r.calls.length).toBeGreaterThan(1);
  });

  it('follows a reload: removed backends stop, added ones start, a new interval applies, load off stops all', async () => {
    const clock = fakeClock(0);
    const r = fakeReader(clock);
    const before = configOf(['a', 'b'], { top: { loadIntervalMs: 5_000 } });
    const { schedule } = setup(before, clock, r.reader);
    schedule.start();
    await clock.advance(1_000);
    const after: Config = { ...before, top: { ...before.top, loadIntervalMs: 10_000 }, backends: [before.backends[0]!, backend('c')] };
    schedule.reconfigure(after, diffFleets(before, after));
    await clock.advance(30_000);
    expect(times(r.calls, 'b')).toEqual([0]);
    expect(times(r.calls, 'c')).toEqual([1_000, 11_000, 21_000, 31_000]);
    expect(times(r.calls, 'a')).toEqual([0, 10_000, 20_000, 30_000]);
    const off: Config = { ...after, top: { ...after.top, load: false } };
    schedule.reconfigure(off, diffFleets(after, off));
    const n = r.calls.length;
    await clock.advance(60_000);
    expect(r.calls).toHaveLength(n);
    expect(clock.pendingCount()).toBe(0);
  });

  it('readNow asks every backend with load once and resolves when the readings are published', async () => {
    const clock = fakeClock(0);
    const r = fakeReader(clock, { hold: true, none: ['cloud'] });
    const { schedule, published } = setup(configOf(['a', 'b', 'cloud']), clock, r.reader);
    let done = false;
    const now = schedule.readNow().then(() => (done = true));
    await clock.advance(0);
    expect(r.calls.map((c) => c.name)).toEqual(['a', 'b']);
    expect(done).toBe(false);
    for (const release of r.releases) release();
    await now;
    expect(published.map((p) => p.backend).sort()).toEqual(['a', 'b']);
    // Not started: nothing scheduled after it (--once).
    expect(clock.pendingCount()).toBe(0);
  });
});
