import { afterEach, describe, expect, it } from 'vitest';
import { fakeClock } from '../../test/helpers/fake-clock.js';
import { configOf } from '../../test/helpers/fleet.js';
import { createEngine, type Engine } from '../engine.js';
import type { DrainPersistence } from './drain-state.js';

/** An in-memory DrainPersistence recording every call. */
function memory(initial: string[]): DrainPersistence & { calls: Array<[string, boolean, number]> } {
  const names = new Set(initial);
  const calls: Array<[string, boolean, number]> = [];
  return {
    calls,
    drainedNames: () => [...names],
    setDrained(name, drained, at) {
      calls.push([name, drained, at]);
      if (drained) names.add(name);
      else names.delete(name);
    },
  };
}

let engine: Engine | undefined;
afterEach(async () => {
  await engine?.close();
  engine = undefined;
});

describe('createEngine with drain persistence', () => {
  it('remembered drains are in the very first snapshot; unknown names are ignored', () => {
    const clock = fakeClock();
    engine = createEngine(configOf(['a', 'b', 'c']), clock, {}, { drainState: memory(['b', 'gone-from-config']) });
    const snap = engine.store.getSnapshot();
    expect(snap.backends.map((v) => [v.name, v.status, v.health, v.drained])).toEqual([
      ['a', 'unknown', 'unknown', false],
      ['b', 'draining', 'unknown', true],
      ['c', 'unknown', 'unknown', false],
    ]);
    expect(snap.summary.draining).toBe(1);
  });

  it('every drain and undrain through engine.monitor is saved, with the clock time', async () => {
    const clock = fakeClock(1_000);
    const state = memory([]);
    engine = createEngine(configOf(['a', 'b']), clock, {}, { drainState: state });
    engine.monitor.toggleDrain('a');
    await clock.advance(500);
    engine.monitor.setDrained('b', true);
    engine.monitor.toggleDrain('a');
    engine.monitor.setDrained('nope', true);
    engine.monitor.toggleDrain('nope');
    expect(state.calls).toEqual([
      ['a', true, 1_000],
      ['b', true, 1_500],
      ['a', false, 1_500],
    ]);
    expect(engine.store.current('a')?.drained).toBe(false);
    expect(engine.store.current('b')?.status).toBe('draining');
  });

  it('the other monitor actions are the real ones', async () => {
    const clock = fakeClock();
    engine = createEngine(configOf(['a']), clock, {}, { drainState: memory([]) });
    engine.monitor.setIntervalMs(7_000);
    engine.monitor.pause();
    engine.store.flush();
    expect(engine.store.getSnapshot().intervalMs).toBe(7_000);
    expect(engine.store.getSnapshot().paused).toBe(true);
  });

  it('without drain persistence nothing changes', () => {
    engine = createEngine(configOf(['a']), fakeClock(), {});
    engine.monitor.toggleDrain('a');
    expect(engine.store.current('a')?.status).toBe('draining');
  });
});
