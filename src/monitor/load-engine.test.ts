/** Load through the whole engine: real loopback backends, the store, --json, --metrics, events. */
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { fakeClock } from '../../test/helpers/fake-clock.js';
import { configOf } from '../../test/helpers/fleet.js';
import { sendWire, startLoopback, type Loopback } from '../../test/helpers/loopback.js';
import { parsePromText, sampleValue } from '../../test/helpers/prom-text.js';
import { loadWire } from '../../test/helpers/wire.js';
import type { BackendType, Config } from '../config/types.js';
import { createEngine, type Engine } from '../engine.js';
import { createMetricsServer } from '../metrics/server.js';
import { fleetJson } from '../output/json.js';
import type { FleetEvent } from '../store/types.js';
import type { WireAnswer } from '../demo/wire-file.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const metricsBody = (running: number, waiting: number, kv: number): WireAnswer => ({
  status: 200,
  statusText: 'OK',
  headers: [['Content-Type', 'text/plain; version=0.0.4']],
  body: Buffer.from(`# TYPE vllm:num_requests_running gauge\nvllm:num_requests_running{engine="0"} ${running}\nvllm:num_requests_waiting{engine="0"} ${waiting}\nvllm:kv_cache_usage_perc{engine="0"} ${kv}\n`),
});

/** A vLLM whose /v1/models is healthy and whose /metrics the test sets. */
async function vllm(state: { metrics: WireAnswer | 'garbage' }): Promise<Loopback> {
  const models = loadWire('vllm/v1_models.http');
  const server = await startLoopback((req, res) => {
    if (req.url === '/v1/models') return sendWire(res, models);
    if (req.url === '/metrics') {
      if (state.metrics === 'garbage') return sendWire(res, { status: 200, statusText: 'OK', headers: [['Content-Type', 'text/html']], body: Buffer.from('<html>sign in</html>') });
      return sendWire(res, state.metrics);
    }
    sendWire(res, { status: 404, statusText: 'Not Found', headers: [], body: Buffer.from('') });
  });
  cleanups.push(() => server.close());
  return server;
}

function fleet(entries: Array<[string, string, BackendType]>, top: Partial<Config['top']> = {}): Config {
  const config = configOf(entries.map(([n]) => n), { health: { timeoutMs: 1_000 }, top });
  config.backends = config.backends.map((b, i) => ({ ...b, url: entries[i]![1], type: entries[i]![2] }));
  return config;
}

function engineOf(config: Config): Engine {
  const engine = createEngine(config, fakeClock(), {});
  cleanups.push(() => engine.close());
  return engine;
}

async function round(engine: Engine): Promise<void> {
  await engine.monitor.checkNow();
  engine.store.flush();
}

describe('load through the engine', () => {
  it('checkNow asks the probe and load together; --json shows load as CONTRACT.md has it; a cloud type has load null', async () => {
    const state = { metrics: metricsBody(7, 2, 0.42) as WireAnswer | 'garbage' };
    const server = await vllm(state);
    const cloud = await vllm(state);
    const engine = engineOf(fleet([['gpu', server.url, 'vllm'], ['cloud', cloud.url, 'openai']]));
    await round(engine);
    const doc = fleetJson(engine.store.getSnapshot(), 0);
    const gpu = doc.backends.find((b) => b.name === 'gpu')!;
    expect(gpu.status).toBe('healthy');
    expect(gpu.load).toEqual({
      running: 7,
      waiting: 2,
      kv_cache: 0.42,
      slots: null,
      loaded_models: null,
      router_pending: null,
      sources: ['metrics'],
      at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      error: null,
    });
    expect(doc.backends.find((b) => b.name === 'cloud')!.load).toBeNull();
    expect(cloud.requests.map((r) => r.url)).toEqual(['/v1/models']);
  });

  it('a load endpoint sending garbage never changes health; load.error says why, and the next good round clears it', async () => {
    const state = { metrics: 'garbage' as WireAnswer | 'garbage' };
    const server = await vllm(state);
    const engine = engineOf(fleet([['gpu', server.url, 'vllm']]));
    for (let i = 0; i < 4; i++) await round(engine);
    let view = engine.store.current('gpu')!;
    expect(view.status).toBe('healthy');
    expect(view.consecutiveFailures).toBe(0);
    expect(view.load?.error).toEqual({ kind: 'parse', message: '/metrics: no vllm load metrics in the /metrics body' });
    expect(view.load?.running).toBeNull();
    state.metrics = metricsBody(1, 0, 0.1);
    await round(engine);
    view = engine.store.current('gpu')!;
    expect(view.load?.error).toBeNull();
    expect(view.load?.running).toBe(1);
  });

  it('a load event when the backend starts and stops queueing', async () => {
    const state = { metrics: metricsBody(4, 0, 0.5) as WireAnswer | 'garbage' };
    const server = await vllm(state);
    const engine = engineOf(fleet([['gpu', server.url, 'vllm']]));
    const events: FleetEvent[] = [];
    engine.store.onEvent((e) => events.push(e));
    await round(engine);
    state.metrics = metricsBody(4, 9, 0.97);
    await round(engine);
    await round(engine);
    state.metrics = metricsBody(4, 0, 0.5);
    await round(engine);
    expect(events.filter((e) => e.type === 'load').map((e) => (e.type === 'load' ? [e.waiting_from, e.waiting_to] : null))).toEqual([
      [0, 9],
      [9, 0],
    ]);
  });

  it('--no-load: no load request at all, load null', async () => {
    const state = { metrics: metricsBody(4, 0, 0.5) as WireAnswer | 'garbage' };
    const server = await vllm(state);
    const engine = engineOf(fleet([['gpu', server.url, 'vllm']], { load: false }));
    await round(engine);
    expect(engine.store.current('gpu')?.load).toBeNull();
    expect(server.requests.map((r) => r.url)).toEqual(['/v1/models']);
  });

  it('--metrics exports the load figures per backend, absent while unknown', async () => {
    const slotsServer = await startLoopback((req, res) =>
      sendWire(res, req.url === '/slots' ? loadWire('llamacpp/slots_busy.http') : req.url === '/metrics' ? loadWire('llamacpp/metrics_busy.http') : loadWire('llamacpp/v1_models.http')),
    );
    cleanups.push(() => slotsServer.close());
    const state = { metrics: metricsBody(3, 5, 0.875) as WireAnswer | 'garbage' };
    const server = await vllm(state);
    const broken = await vllm({ metrics: 'garbage' });
    const engine = engineOf(fleet([['gpu', server.url, 'vllm'], ['llama', slotsServer.url, 'llamacpp'], ['broken', broken.url, 'vllm']]));
    const metrics = await createMetricsServer({ store: engine.store, port: 0 });
    cleanups.push(() => metrics.close());
    await round(engine);
    const res = await request(metrics.url);
    const families = parsePromText(await res.body.text());
    const v = (name: string, backend: string) => sampleValue(families, `nexus_top_backend_${name}`, { backend });
    expect(v('requests_running', 'gpu')).toBe(3);
    expect(v('requests_waiting', 'gpu')).toBe(5);
    expect(v('kv_cache_usage_ratio', 'gpu')).toBe(0.875);
    expect(v('slots_busy', 'gpu')).toBeUndefined();
    expect(v('slots_busy', 'llama')).toBe(2);
    expect(v('slots_total', 'llama')).toBe(2);
    expect(v('requests_waiting', 'llama')).toBe(1);
    expect(v('kv_cache_usage_ratio', 'llama')).toBeUndefined();
    for (const name of ['requests_running', 'requests_waiting', 'kv_cache_usage_ratio', 'slots_busy', 'slots_total']) expect(v(name, 'broken')).toBeUndefined();
  });

  it('the loop keeps asking load on its schedule while a load endpoint fails', async () => {
    const state = { metrics: 'garbage' as WireAnswer | 'garbage' };
    const server = await vllm(state);
    const clock = fakeClock(0);
    const engine = createEngine(fleet([['gpu', server.url, 'vllm']], { loadIntervalMs: 5_000 }), clock, {});
    cleanups.push(() => engine.close());
    engine.monitor.start();
    const asked = () => server.requests.filter((r) => r.url === '/metrics').length;
    for (let t = 0; t < 4; t++) {
      await clock.advance(5_000);
      // Real sockets: let the round finish in real time before moving the clock on.
      const before = asked();
      for (let i = 0; i < 100 && engine.store.current('gpu')?.load?.at !== clock.now() && asked() === before; i++) await new Promise((r) => setTimeout(r, 5));
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(asked()).toBeGreaterThanOrEqual(4);
    expect(engine.store.current('gpu')?.load?.error?.kind).toBe('parse');
  });
});
