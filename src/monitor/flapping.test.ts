import { afterEach, describe, expect, it } from 'vitest';
import { fakeClock } from '../../test/helpers/fake-clock.js';
import { configOf, ok, refused, scripted } from '../../test/helpers/fleet.js';
import type { ProbeOutcome } from '../core/outcome.js';
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

/**
 * The status view of flapping (issue: slow flaps are flapping too). A fleet of square waves and
 * non-flapping shapes, one backend each, watched by the real loop on a fake clock; fast re-probe off so
 * probe n is at n intervals. The window is the default: the longer of 20 intervals and 60 s.
 */
interface FleetRun {
  /** Per backend, flapping after each probe, and the status changes in the window then. */
  flapping: Record<string, boolean[]>;
  changes: Record<string, number[]>;
  events: FleetEvent[];
  store: FleetStore;
}

async function watchFleet(
  patterns: Record<string, (n: number) => ProbeOutcome>,
  probes: number,
  opts: { intervalMs: number; failureThreshold?: number; recoveryThreshold?: number },
): Promise<FleetRun> {
  const clock = fakeClock(0);
  const names = Object.keys(patterns);
  const config = configOf(names, {
    health: { intervalMs: opts.intervalMs, failureThreshold: opts.failureThreshold ?? 3, recoveryThreshold: opts.recoveryThreshold ?? 2 },
    top: { fastIntervalMs: opts.intervalMs },
  });
  const store = createStore(config, { clock });
  const events: FleetEvent[] = [];
  store.onEvent((e) => events.push(e));
  const s = scripted(clock, patterns);
  monitor = createMonitor({ config, store, clock, probe: s.probe, random: () => 0 });
  monitor.start();
  const flapping: Record<string, boolean[]> = Object.fromEntries(names.map((n) => [n, []]));
  const changes: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
  for (let i = 0; i < probes; i++) {
    await clock.advance(i === 0 ? 1 : opts.intervalMs);
    for (const n of names) {
      flapping[n]!.push(store.current(n)!.flapping);
      changes[n]!.push(store.current(n)!.flapChanges);
    }
  }
  for (const n of names) expect(s.calls.filter((c) => c.name === n), n).toHaveLength(probes);
  return { flapping, changes, events, store };
}

/** Up for the first half of each period, down for the second: the first change is at probe period/2. */
const wave = (period: number) => (n: number) => (n % period < period / 2 ? ok() : refused);
const blip = (at: number) => (n: number) => (n === at ? refused : ok());
const outage = (from: number, length: number) => (n: number) => (n >= from && n < from + length ? refused : ok());

function expectFlappingWithinAWindow(flapping: boolean[], period: number, windowProbes: number, name: string): void {
  const firstChange = period / 2;
  const from = flapping.indexOf(true);
  expect(from, `${name}: flapping at all`).toBeGreaterThanOrEqual(0);
  expect(from, `${name}: flapping within one window of its first change`).toBeLessThanOrEqual(firstChange + windowProbes);
  expect(flapping.slice(from).every(Boolean), `${name}: flapping for as long as the wave goes on`).toBe(true);
}

const NOT_FLAPPING = {
  steady: () => ok(),
  blip: blip(10),
  'outage-3': outage(10, 3),
  'outage-10': outage(10, 10),
  'outage-100': outage(10, 100),
};

describe('flapping: the status view (status changes within the window)', () => {
  it.each([
    { intervalMs: 500, windowProbes: 120 },
    { intervalMs: 1_000, windowProbes: 60 },
    { intervalMs: 5_000, windowProbes: 20 },
  ])('at $intervalMs ms (window $windowProbes probes): square waves up to half the window flap within one window; a blip, outages and a steady backend never', async ({ intervalMs, windowProbes }) => {
    const periods = [...new Set([2, 4, 8, 12, 20, 40, windowProbes / 2])].filter((p) => p <= windowProbes / 2);
    const waves = Object.fromEntries(periods.map((p) => [`wave-${p}`, wave(p)]));
    const probes = Math.max(3 * windowProbes, 140);
    const { flapping, events } = await watchFleet({ ...waves, ...NOT_FLAPPING }, probes, { intervalMs });
    for (const p of periods) expectFlappingWithinAWindow(flapping[`wave-${p}`]!, p, windowProbes, `wave-${p}`);
    for (const name of Object.keys(NOT_FLAPPING)) {
      expect(flapping[name]!.some(Boolean), name).toBe(false);
      expect(events.filter((e) => e.type === 'flap_start' && e.backend === name), name).toHaveLength(0);
    }
  });

  it('a slow wave the score misses (period 20, about 10 %) is flapping by its status changes; flap_start carries changes and score', async () => {
    const { flapping, events, store } = await watchFleet({ slow: wave(20) }, 90, { intervalMs: 1_000 });
    expectFlappingWithinAWindow(flapping['slow']!, 20, 60, 'slow');
    const view = store.current('slow')!;
    expect(view.flapScore).toBeLessThan(20);
    expect(view.flapReason).toBe('changes');
    expect(view.flapChanges).toBeGreaterThanOrEqual(4);
    expect(view.flapWindowMs).toBe(60_000);
    expect(view.flapLastChangeAt! - view.flapFirstChangeAt!).toBeLessThan(60_000);
    const start = events.find((e) => e.type === 'flap_start');
    expect(start).toMatchObject({ backend: 'slow', changes: 4 });
    expect(start && 'score' in start && start.score).toBeLessThan(30);
  });

  it.each([8, 20])('a wave of period %i that stops clears within one quiet window, not before its changes age out (flap_stop)', async (period) => {
    const stopAt = 5 * period;
    const { flapping, changes, events } = await watchFleet({ stops: (n) => (n < stopAt ? wave(period)(n) : ok()) }, stopAt + 80, { intervalMs: 1_000 });
    const f = flapping['stops']!;
    const c = changes['stops']!;
    expect(f[stopAt - 1]).toBe(true);
    const cleared = f.indexOf(false, stopAt);
    expect(cleared).toBeGreaterThan(stopAt);
    // Hysteresis: below the 4 changes that start it, it holds on until no more than 2 are left.
    expect(c.slice(stopAt, cleared).some((n) => n === 3)).toBe(true);
    expect(c[cleared]).toBeLessThanOrEqual(2);
    // The last status change is the recovery 2 probes after the stop; one window (60 probes) after it at the latest.
    expect(cleared).toBeLessThanOrEqual(stopAt + 2 + 60);
    expect(f.slice(cleared).some(Boolean)).toBe(false);
    expect(events.filter((e) => e.type === 'flap_start' || e.type === 'flap_stop').map((e) => e.type)).toEqual(['flap_start', 'flap_stop']);
  });

  // 1/1: every outcome change is a status change. 5/5: short waves by the score, waves whose halves pass the
  // thresholds by status changes; periods 6 to 9 change status under neither rule there (halves shorter than
  // 5 probes, score under 30 %): see the README.
  it.each([
    { fall: 1, rise: 1, periods: [2, 4, 8, 12, 20, 30] },
    { fall: 5, rise: 5, periods: [2, 4, 10, 12, 20, 30] },
  ])('thresholds $fall/$rise: waves of $periods probes flap within a window; a blip, outages and a steady backend never', async ({ fall, rise, periods }) => {
    const waves = Object.fromEntries(periods.map((p) => [`wave-${p}`, wave(p)]));
    const { flapping } = await watchFleet({ ...waves, ...NOT_FLAPPING }, 180, { intervalMs: 1_000, failureThreshold: fall, recoveryThreshold: rise });
    for (const p of periods) expectFlappingWithinAWindow(flapping[`wave-${p}`]!, p, 60, `wave-${p}`);
    for (const name of Object.keys(NOT_FLAPPING)) expect(flapping[name]!.some(Boolean), name).toBe(false);
  });

  it('two separate outages within a window are flapping; the same two a window apart are not', async () => {
    const twoOutages = (gap: number) => (n: number) => (outage(10, 5)(n).outcome === 'failure' || outage(15 + gap, 5)(n).outcome === 'failure' ? refused : ok());
    const { flapping } = await watchFleet({ close: twoOutages(20), apart: twoOutages(70) }, 150, { intervalMs: 1_000 });
    expect(flapping['close']!.some(Boolean)).toBe(true);
    expect(flapping['apart']!.some(Boolean)).toBe(false);
  });
});
