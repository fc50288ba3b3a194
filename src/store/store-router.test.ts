import { describe, expect, it } from 'vitest';
import { fakeClock } from '../../test/helpers/fake-clock.js';
import { backend, configOf, ok } from '../../test/helpers/fleet.js';
import { diffFleets } from '../config/diff.js';
import { NO_FIGURES, type LoadReading, type RouterView } from '../core/load.js';
import { createStore } from './store.js';

const routerAt = (at: number, pending: Record<string, number | null>, error: RouterView['error'] = null): RouterView => ({
  url: 'http://router:8000',
  at,
  error,
  health: null,
  backends: new Map(Object.entries(pending).map(([name, p]) => [name, { pending: p, requests: 10, averageLatencyMs: 20 }])),
});

const reading = (backend: string, at: number, extra: Partial<LoadReading> = {}): LoadReading => ({
  backend,
  at,
  figures: { ...NO_FIGURES, running: 2, waiting: 1 },
  sources: ['metrics'],
  error: null,
  ...extra,
});

function storeOf(names: string[]) {
  const clock = fakeClock(0);
  const store = createStore(configOf(names), { clock });
  const view = (name: string) => {
    store.flush();
    return store.getSnapshot().byName.get(name)!;
  };
  return { store, clock, view };
}

describe('the router in the store', () => {
  it('is null until set, then on the snapshot', () => {
    const { store } = storeOf(['a']);
    expect(store.getSnapshot().router).toBeNull();
    const r = routerAt(5, { a: 1 });
    store.setRouter(r);
    store.flush();
    expect(store.getSnapshot().router).toBe(r);
  });

  it('gives a backend without load of its own a load of the router pending alone', () => {
    const { store, view } = storeOf(['a', 'b']);
    store.setRouter(routerAt(5, { a: 4, other: 9 }));
    expect(view('a').load).toEqual({ ...NO_FIGURES, routerPending: 4, sources: ['router'], at: 5, error: null });
    // Not named by the router: nothing to say.
    expect(view('b').load).toBeNull();
  });

  it('keeps the backend figures when the router comes after its load, and after it when load comes second', () => {
    const first = storeOf(['a']);
    first.store.setLoad(reading('a', 3));
    first.store.setRouter(routerAt(5, { a: 4 }));
    const second = storeOf(['a']);
    second.store.setRouter(routerAt(5, { a: 4 }));
    second.store.setLoad(reading('a', 3));
    for (const { view } of [first, second]) {
      expect(view('a').load).toEqual({ ...NO_FIGURES, running: 2, waiting: 1, routerPending: 4, sources: ['metrics', 'router'], at: 3, error: null });
    }
  });

  it('keeps a failed load reading and its reason beside the router figure', () => {
    const { store, view } = storeOf(['a']);
    store.setRouter(routerAt(5, { a: 2 }));
    store.setLoad(reading('a', 6, { figures: NO_FIGURES, sources: [], error: { kind: 'timeout', message: 'timed out' } }));
    expect(view('a').load).toMatchObject({ routerPending: 2, sources: ['router'], error: { kind: 'timeout' } });
    // The router gone: the load error stays, only the router figure is unknown.
    store.setRouter(routerAt(9, {}, { kind: 'connection', message: 'connection refused' }));
    expect(view('a').load).toMatchObject({ routerPending: null, sources: [], error: { kind: 'timeout' } });
  });

  it('makes the figure unknown, not stale, when the router cannot be read', () => {
    const { store, view } = storeOf(['a', 'b']);
    store.setLoad(reading('b', 3));
    store.setRouter(routerAt(5, { a: 4, b: 1 }));
    store.setRouter(routerAt(10, {}, { kind: 'connection', message: 'connection refused' }));
    // A load that only the router gave is gone; the backend's own figures stay.
    expect(view('a').load).toBeNull();
    expect(view('b').load).toMatchObject({ running: 2, routerPending: null, sources: ['metrics'] });
    expect(store.getSnapshot().router?.error?.message).toBe('connection refused');
  });

  it('follows the router from round to round and never touches health', () => {
    const { store, view } = storeOf(['a']);
    store.recordResult({ ...ok(), backend: 'a', startedAt: 0, finishedAt: 1, latencyMs: 1 });
    store.setRouter(routerAt(5, { a: 4 }));
    store.setRouter(routerAt(10, { a: 0 }));
    expect(view('a').load).toMatchObject({ routerPending: 0, at: 10 });
    expect(view('a').health).toBe('healthy');
    expect(store.getSnapshot().events.filter((e) => e.type === 'load')).toEqual([]);
  });

  it('leaves views the router does not change as they were', () => {
    const { store, view } = storeOf(['a', 'b']);
    store.setLoad(reading('b', 3));
    const b = view('b');
    store.setRouter(routerAt(5, { a: 1 }));
    expect(view('b')).toBe(b);
  });

  it('gives a backend added by a reload the router figure at once', () => {
    const { store, view } = storeOf(['a']);
    store.setRouter(routerAt(5, { a: 1, b: 7 }));
    const before = configOf(['a']);
    const after = { ...before, backends: [backend('a'), backend('b')] };
    store.reconfigure(after, diffFleets(before, after));
    expect(view('b').load).toMatchObject({ routerPending: 7, sources: ['router'] });
  });
});
