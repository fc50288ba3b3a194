import { describe, expect, it } from 'vitest';
import { fakeClock } from '../../test/helpers/fake-clock.js';
import { configOf } from '../../test/helpers/fleet.js';
import { parsePromText, sampleValue } from '../../test/helpers/prom-text.js';
import { routerNotYetRead } from '../backends/router.js';
import { createStore } from '../store/store.js';
import { createFleetMetrics } from './registry.js';

async function scrape(store: ReturnType<typeof createStore>) {
  const m = createFleetMetrics(store, { defaultMetrics: false });
  const families = parsePromText(await m.registry.metrics());
  m.dispose();
  return families;
}

describe('router metrics', () => {
  it('are absent without a router; up is 0 and pending absent before its first read', async () => {
    const store = createStore(configOf(['a']), { clock: fakeClock(0) });
    let f = await scrape(store);
    expect(f.has('nexus_top_router_up')).toBe(false);
    expect(f.get('nexus_top_router_backend_pending')?.samples ?? []).toEqual([]);
    store.setRouter(routerNotYetRead('http://r'));
    store.flush();
    f = await scrape(store);
    expect(sampleValue(f, 'nexus_top_router_up', {})).toBe(0);
    expect(f.get('nexus_top_router_backend_pending')?.samples ?? []).toEqual([]);
  });

  it('say whether the router could be read, and its pending per configured backend only', async () => {
    const store = createStore(configOf(['a', 'b']), { clock: fakeClock(0) });
    store.setRouter({ url: 'http://r', at: 1, error: null, health: null, backends: new Map([['a', { pending: 4, requests: 1, averageLatencyMs: 1 }], ['b', { pending: null, requests: 1, averageLatencyMs: 1 }], ['stranger', { pending: 9, requests: 1, averageLatencyMs: 1 }]]) });
    store.flush();
    let f = await scrape(store);
    expect(sampleValue(f, 'nexus_top_router_up', {})).toBe(1);
    expect(sampleValue(f, 'nexus_top_router_backend_pending', { backend: 'a' })).toBe(4);
    // Unknown for b, and the router's own names never become labels.
    expect(f.get('nexus_top_router_backend_pending')?.samples.map((s) => s.labels.backend)).toEqual(['a']);
    store.setRouter({ url: 'http://r', at: 2, error: { kind: 'connection', message: 'connection refused' }, health: null, backends: new Map() });
    store.flush();
    f = await scrape(store);
    expect(sampleValue(f, 'nexus_top_router_up', {})).toBe(0);
    expect(f.get('nexus_top_router_backend_pending')?.samples ?? []).toEqual([]);
  });
});
