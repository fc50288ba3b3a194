import { describe, expect, it } from 'vitest';
import { fakeClock } from '../../../test/helpers/fake-clock.js';
import type { FleetSnapshot } from '../../store/types.js';
import { pacedSource, type SnapshotSource } from './use-fleet.js';

/** A store that publishes snapshot n when told to. */
function counterStore() {
  let n = 0;
  let snapshot = { at: 0 } as unknown as FleetSnapshot;
  const listeners = new Set<() => void>();
  const store: SnapshotSource & { publish(): void; reads: number; subscribers(): number } = {
    reads: 0,
    getSnapshot() {
      store.reads++;
      return snapshot;
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    publish() {
      snapshot = { at: ++n } as unknown as FleetSnapshot;
      for (const l of [...listeners]) l();
    },
    subscribers: () => listeners.size,
  };
  return store;
}

const at = (s: FleetSnapshot): number => s.at;

describe('pacedSource: the fleet at most once per interval', () => {
  it('shows the first change at once, gathers a burst into one update at the end of the interval, with the last state', async () => {
    const clock = fakeClock();
    const store = counterStore();
    const paced = pacedSource(store, { clock, ms: 250 });
    let told = 0;
    paced.subscribe(() => told++);
    store.publish();
    expect(told).toBe(1);
    expect(at(paced.getSnapshot())).toBe(1);
    // A burst within the interval: nothing shown, the screen keeps the snapshot it has.
    for (let i = 0; i < 20; i++) {
      await clock.advance(10);
      store.publish();
    }
    expect(told).toBe(1);
    expect(at(paced.getSnapshot())).toBe(1);
    // At the end of the interval (250 ms after the first was shown): one update, the latest state.
    await clock.advance(49);
    expect(told).toBe(1);
    await clock.advance(1);
    expect(told).toBe(2);
    expect(at(paced.getSnapshot())).toBe(21);
    // Quiet: no update without a change, and the next change waits for the interval since the last one shown.
    await clock.advance(100);
    store.publish();
    expect(told).toBe(2);
    await clock.advance(150);
    expect(told).toBe(3);
    expect(at(paced.getSnapshot())).toBe(22);
    expect(clock.pendingCount()).toBe(0);
  });

  it('a busy fleet gives at most one update per interval', async () => {
    const clock = fakeClock();
    const store = counterStore();
    const paced = pacedSource(store, { clock, ms: 250 });
    let told = 0;
    paced.subscribe(() => told++);
    // 200 publishes a second for 10 s.
    for (let i = 0; i < 2_000; i++) {
      store.publish();
      await clock.advance(5);
    }
    expect(told).toBeGreaterThanOrEqual(39);
    expect(told).toBeLessThanOrEqual(41);
    await clock.advance(250);
    expect(at(paced.getSnapshot())).toBe(2_000);
  });

  it('a key shows the latest state at once, and lets the next change through at once', async () => {
    const clock = fakeClock();
    const store = counterStore();
    const paced = pacedSource(store, { clock, ms: 250 });
    let told = 0;
    paced.subscribe(() => told++);
    store.publish();
    // React reads the snapshot when told.
    expect(at(paced.getSnapshot())).toBe(1);
    store.publish();
    expect(at(paced.getSnapshot())).toBe(1);
    paced.keyPressed();
    expect(told).toBe(2);
    expect(at(paced.getSnapshot())).toBe(2);
    // What the key asked for (a drain, a check) arrives in the store's next publish: shown at once.
    await clock.advance(50);
    store.publish();
    expect(told).toBe(3);
    expect(at(paced.getSnapshot())).toBe(3);
    // Then paced again.
    store.publish();
    expect(told).toBe(3);
    await clock.advance(250);
    expect(told).toBe(4);
    expect(at(paced.getSnapshot())).toBe(4);
  });

  it('reads the store only when the screen does (so a failing read is a render error), and lets go of it when unsubscribed', async () => {
    const clock = fakeClock();
    const store = counterStore();
    const paced = pacedSource(store, { clock, ms: 250 });
    const off = paced.subscribe(() => {});
    expect(store.subscribers()).toBe(1);
    store.publish();
    expect(store.reads).toBe(0);
    paced.getSnapshot();
    paced.getSnapshot();
    expect(store.reads).toBe(1);
    store.publish();
    expect(clock.pendingCount()).toBe(1);
    off();
    expect(store.subscribers()).toBe(0);
    expect(clock.pendingCount()).toBe(0);
  });

  it('a publish between the first render and the subscription is not lost', () => {
    const clock = fakeClock();
    const store = counterStore();
    const paced = pacedSource(store, { clock, ms: 250 });
    expect(at(paced.getSnapshot())).toBe(0);
    store.publish();
    paced.subscribe(() => {});
    // React reads the snapshot again once subscribed, and re-renders if it moved.
    expect(at(paced.getSnapshot())).toBe(1);
  });
});
