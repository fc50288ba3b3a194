import { describe, expect, it } from 'vitest';
import { fakeClock, type FakeClock } from '../../test/helpers/fake-clock.js';
import type { RouterView } from '../core/load.js';
import { createRouterWatch } from './router-watch.js';

const view = (at: number, pending = 1): RouterView => ({ url: 'http://r', at, error: null, health: null, backends: new Map([['a', { pending, requests: 1, averageLatencyMs: 1 }]]) });

/** A router that answers after `latencyMs` of clock time, counting its reads. */
function fakeRouter(clock: FakeClock, latencyMs = 0) {
  const reads: number[] = [];
  const signals: AbortSignal[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const read = (signal: AbortSignal): Promise<RouterView> => {
    reads.push(clock.now());
    signals.push(signal);
    inFlight += 1;
    maxInFlight = Math.max(maxInFlight, inFlight);
    return new Promise((resolve) => {
      const done = (): void => {
        inFlight -= 1;
        resolve(view(clock.now(), reads.length));
      };
      if (latencyMs === 0) done();
      else clock.setTimeout(done, latencyMs);
    });
  };
  return { read, reads, signals, maxInFlight: () => maxInFlight };
}

describe('the router schedule', () => {
  it('reads at start, then each interval after the last read ended', async () => {
    const clock = fakeClock(0);
    const router = fakeRouter(clock, 2_000);
    const published: RouterView[] = [];
    const watch = createRouterWatch({ clock, intervalMs: 10_000, read: router.read, publish: (v) => published.push(v) });
    watch.start();
    await clock.advance(0);
    expect(router.reads).toEqual([0]);
    await clock.advance(2_000);
    expect(published.map((v) => v.at)).toEqual([2_000]);
    await clock.advance(10_000);
    // The second read starts 10 s after the first one ended, not 10 s after it started.
    expect(router.reads).toEqual([0, 12_000]);
    await clock.advance(40_000);
    expect(router.reads).toEqual([0, 12_000, 24_000, 36_000, 48_000]);
    expect(router.maxInFlight()).toBe(1);
    watch.stop();
  });

  it('publishes nothing after stop, and cancels the read in flight', async () => {
    const clock = fakeClock(0);
    const router = fakeRouter(clock, 5_000);
    const published: RouterView[] = [];
    const watch = createRouterWatch({ clock, intervalMs: 1_000, read: router.read, publish: (v) => published.push(v) });
    watch.start();
    await clock.advance(1_000);
    watch.stop();
    expect(router.signals[0]!.aborted).toBe(true);
    await clock.advance(60_000);
    expect(published).toEqual([]);
    expect(router.reads).toEqual([0]);
    expect(clock.pendingCount()).toBe(0);
  });

  it('holds while paused and reads at once on resume', async () => {
    const clock = fakeClock(0);
    const router = fakeRouter(clock);
    const watch = createRouterWatch({ clock, intervalMs: 5_000, read: router.read, publish: () => {} });
    watch.start();
    await clock.advance(0);
    watch.pause();
    await clock.advance(60_000);
    expect(router.reads).toEqual([0]);
    watch.resume();
    await clock.advance(0);
    expect(router.reads).toEqual([0, 60_000]);
    await clock.advance(5_000);
    expect(router.reads).toEqual([0, 60_000, 65_000]);
    watch.stop();
  });

  it('follows a new interval from the end of the last read', async () => {
    const clock = fakeClock(0);
    const router = fakeRouter(clock);
    const watch = createRouterWatch({ clock, intervalMs: 30_000, read: router.read, publish: () => {} });
    watch.start();
    await clock.advance(10_000);
    watch.setIntervalMs(5_000);
    await clock.advance(0);
    // 10 s have passed since the read ended at 0: overdue under 5 s, so it reads now.
    expect(router.reads).toEqual([0, 10_000]);
    await clock.advance(5_000);
    expect(router.reads).toEqual([0, 10_000, 15_000]);
    watch.stop();
  });

  it('readNow reads once outside the schedule and joins a read already running', async () => {
    const clock = fakeClock(0);
    const router = fakeRouter(clock, 1_000);
    const published: RouterView[] = [];
    const watch = createRouterWatch({ clock, intervalMs: 5_000, read: router.read, publish: (v) => published.push(v) });
    const a = watch.readNow();
    const b = watch.readNow();
    await clock.advance(1_000);
    await Promise.all([a, b]);
    expect(router.reads).toEqual([0]);
    expect(published).toHaveLength(1);
    // Not started: no schedule follows.
    expect(clock.pendingCount()).toBe(0);
  });

  it('goes on when publishing throws', async () => {
    const clock = fakeClock(0);
    const router = fakeRouter(clock);
    const watch = createRouterWatch({
      clock,
      intervalMs: 1_000,
      read: router.read,
      publish: () => {
        throw new Error('listener broke');
      },
    });
    watch.start();
    await clock.advance(3_000);
    expect(router.reads).toEqual([0, 1_000, 2_000, 3_000]);
    watch.stop();
  });
});
