import { createServer as createTcpServer, type AddressInfo } from 'node:net';
import { register as globalRegistry } from 'prom-client';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { fakeClock } from '../../test/helpers/fake-clock.js';
import { configOf } from '../../test/helpers/fleet.js';
import { sendWire, serveRoutes, startLoopback, type Loopback } from '../../test/helpers/loopback.js';
import { histogramOf, parsePromText, sampleValue, type PromFamily } from '../../test/helpers/prom-text.js';
import { loadWire } from '../../test/helpers/wire.js';
import type { Config } from '../config/types.js';
import { createEngine, type Engine } from '../engine.js';
import { MetricsAddressError, parseMetricsAddress } from './address.js';
import { PROBE_DURATION_BUCKETS } from './registry.js';
import { createMetricsServer, type MetricsServer } from './server.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function track<T extends { close(): Promise<void> }>(thing: Promise<T>): Promise<T> {
  const t = await thing;
  cleanups.push(() => t.close());
  return t;
}

interface Scrape {
  status: number;
  contentType: string;
  text: string;
  families: Map<string, PromFamily>;
}

/** GET the URL over real HTTP and parse the body as Prometheus would (strict: invalid exposition throws). */
async function scrape(url: string): Promise<Scrape> {
  const res = await request(url);
  const text = await res.body.text();
  return { status: res.statusCode, contentType: String(res.headers['content-type']), text, families: parsePromText(text) };
}

const value = (s: Scrape, name: string, labels: Record<string, string>): number | undefined => sampleValue(s.families, name, labels);

function histogram(s: Scrape, name: string, backend: string) {
  return histogramOf(s.families.get(name), { backend });
}

/** A backend whose behaviour the test switches: healthy vLLM, an nginx 502, or no answer at all. */
async function switchable(): Promise<{ server: Loopback; mode: { now: 'ok' | '502' | 'hang' } }> {
  const mode = { now: 'ok' as 'ok' | '502' | 'hang' };
  const ok = loadWire('vllm/v1_models.http');
  const bad = loadWire('synthetic/proxy_502_nginx.http');
  const server = await track(
    startLoopback((_req, res) => {
      if (mode.now === 'ok') sendWire(res, ok);
      else if (mode.now === '502') sendWire(res, bad);
    }),
  );
  return { server, mode };
}

function fleetConfig(a: string, b: string): Config {
  const config = configOf(['gpu-a', 'gpu b'], { health: { timeoutMs: 400, failureThreshold: 3, recoveryThreshold: 2 } });
  config.backends[0] = { ...config.backends[0]!, url: a, type: 'ollama' };
  config.backends[1] = { ...config.backends[1]!, url: b, type: 'vllm' };
  return config;
}

describe('Prometheus exporter with tcp and command checks', () => {
  it('counts a failed command check as kind="command", and has no model gauge for checks that list none', async () => {
    const listener = createTcpServer((socket) => socket.end());
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => listener.close(() => resolve())));
    const config = configOf(['port', 'script'], { health: { timeoutMs: 2_000 } });
    config.backends[0] = { ...config.backends[0]!, url: `http://127.0.0.1:${(listener.address() as AddressInfo).port}`, check: { kind: 'tcp', also: false } };
    config.backends[1] = { ...config.backends[1]!, check: { kind: 'command', also: false, argv: ['sh', '-c', 'echo no GPU >&2; exit 2'], cwd: '/' } };
    const engine: Engine = await track(Promise.resolve(createEngine(config, fakeClock(), {})));
    const metrics: MetricsServer = await track(createMetricsServer({ store: engine.store, port: 0 }));
    await engine.monitor.checkNow();
    engine.store.flush();
    const s = await scrape(metrics.url);
    expect(value(s, 'nexus_top_probe_failures_total', { backend: 'script', kind: 'command' })).toBe(1);
    expect(value(s, 'nexus_top_probe_failures_total', { backend: 'port', kind: 'command' })).toBe(0);
    expect(value(s, 'nexus_top_backend_status', { backend: 'port', status: 'healthy' })).toBe(1);
    expect(histogram(s, 'nexus_top_probe_duration_seconds', 'port')?.count).toBe(1);
    expect(value(s, 'nexus_top_backend_models', { backend: 'port' })).toBeUndefined();
  });
});

describe('Prometheus exporter on a real engine', () => {
  it('follows the fleet: up flips after failure_threshold failures, failures count by kind, the histogram grows', async () => {
    const healthy = await track(serveRoutes({ '/api/tags': 'ollama/api_tags.http' }));
    const { server: flaky, mode } = await switchable();
    // A password in the URL must never reach a scrape.
    const flakyUrl = flaky.url.replace('http://', 'http://admin:hunter2secret@');
    const clock = fakeClock();
    const engine: Engine = await track(Promise.resolve(createEngine(fleetConfig(healthy.url, flakyUrl), clock, {})));
    const metrics: MetricsServer = await track(createMetricsServer({ store: engine.store, port: 0 }));
    expect(metrics.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    expect(metrics.host).toBe('127.0.0.1');

    const probe = async (): Promise<Scrape> => {
      await engine.monitor.checkNow();
      engine.store.flush();
      return scrape(metrics.url);
    };

    // Before any probe: both unknown, counters and histograms at zero.
    let s = await scrape(metrics.url);
    expect(s.status).toBe(200);
    expect(s.contentType).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(value(s, 'nexus_top_backend_up', { backend: 'gpu-a', type: 'ollama' })).toBe(0);
    expect(value(s, 'nexus_top_backend_status', { backend: 'gpu b', status: 'unknown' })).toBe(1);
    expect(value(s, 'nexus_top_probe_failures_total', { backend: 'gpu b', kind: 'timeout' })).toBe(0);
    expect(histogram(s, 'nexus_top_probe_duration_seconds', 'gpu-a')?.count).toBe(0);
    expect(s.families.get('nexus_top_backend_latency_ema_seconds')?.samples ?? []).toEqual([]);
    expect(s.families.get('nexus_top_backend_models')?.samples ?? []).toEqual([]);

    // One good round.
    s = await probe();
    for (const [backend, type] of [['gpu-a', 'ollama'], ['gpu b', 'vllm']] as const) {
      expect(value(s, 'nexus_top_backend_up', { backend, type })).toBe(1);
      expect(value(s, 'nexus_top_backend_status', { backend, status: 'healthy' })).toBe(1);
      for (const other of ['unknown', 'unhealthy', 'loading', 'draining']) {
        expect(value(s, 'nexus_top_backend_status', { backend, status: other })).toBe(0);
      }
      const ema = value(s, 'nexus_top_backend_latency_ema_seconds', { backend })!;
      expect(ema).toBeGreaterThan(0);
      expect(ema).toBeLessThan(0.4);
      expect(histogram(s, 'nexus_top_probe_duration_seconds', backend)?.count).toBe(1);
      expect(value(s, 'nexus_top_backend_flapping', { backend })).toBe(0);
    }
    expect(value(s, 'nexus_top_backend_models', { backend: 'gpu-a' })).toBe(2);
    expect(value(s, 'nexus_top_backend_models', { backend: 'gpu b' })).toBe(1);

    // gpu b starts failing, a different way each time: http, timeout, then connection refused.
    mode.now = '502';
    s = await probe();
    expect(value(s, 'nexus_top_probe_failures_total', { backend: 'gpu b', kind: 'http' })).toBe(1);
    expect(value(s, 'nexus_top_backend_up', { backend: 'gpu b', type: 'vllm' })).toBe(1); // 1 of 3: not yet
    mode.now = 'hang';
    s = await probe();
    expect(value(s, 'nexus_top_probe_failures_total', { backend: 'gpu b', kind: 'timeout' })).toBe(1);
    expect(value(s, 'nexus_top_backend_up', { backend: 'gpu b', type: 'vllm' })).toBe(1); // 2 of 3
    await flaky.close();
    s = await probe();
    expect(value(s, 'nexus_top_probe_failures_total', { backend: 'gpu b', kind: 'connection' })).toBe(1);
    expect(value(s, 'nexus_top_backend_up', { backend: 'gpu b', type: 'vllm' })).toBe(0); // 3 of 3: down
    expect(value(s, 'nexus_top_backend_status', { backend: 'gpu b', status: 'unhealthy' })).toBe(1);
    expect(value(s, 'nexus_top_backend_status', { backend: 'gpu b', status: 'healthy' })).toBe(0);
    for (const kind of ['dns', 'tls', 'parse']) expect(value(s, 'nexus_top_probe_failures_total', { backend: 'gpu b', kind })).toBe(0);
    // The last known models stay (stale), as in the dashboard.
    expect(value(s, 'nexus_top_backend_models', { backend: 'gpu b' })).toBe(1);

    // gpu-a never failed; both were probed four times, the timeout among them.
    expect(value(s, 'nexus_top_backend_up', { backend: 'gpu-a', type: 'ollama' })).toBe(1);
    for (const kind of ['timeout', 'connection', 'dns', 'tls', 'http', 'parse']) {
      expect(value(s, 'nexus_top_probe_failures_total', { backend: 'gpu-a', kind })).toBe(0);
    }
    const a = histogram(s, 'nexus_top_probe_duration_seconds', 'gpu-a')!;
    const b = histogram(s, 'nexus_top_probe_duration_seconds', 'gpu b')!;
    expect(a.count).toBe(4);
    expect(b.count).toBe(4);
    expect(b.sum).toBeGreaterThanOrEqual(0.4); // the hung probe ran to its 400 ms deadline
    expect(b.buckets.get(0.25)).toBe(3);
    expect(b.buckets.get(Infinity)).toBe(4);
    expect([...b.buckets.keys()]).toEqual([...PROBE_DURATION_BUCKETS, Infinity]);

    // A drain shows in the status, not in `up` (the probes' verdict).
    engine.monitor.setDrained('gpu-a', true);
    engine.store.flush();
    s = await scrape(metrics.url);
    expect(value(s, 'nexus_top_backend_status', { backend: 'gpu-a', status: 'draining' })).toBe(1);
    expect(value(s, 'nexus_top_backend_status', { backend: 'gpu-a', status: 'healthy' })).toBe(0);
    expect(value(s, 'nexus_top_backend_up', { backend: 'gpu-a', type: 'ollama' })).toBe(1);

    // No URL, no password, anywhere in the exposition.
    expect(s.text).not.toContain('hunter2secret');
    expect(s.text).not.toContain('admin');
    expect(s.text).not.toContain('http://');
    expect(s.text).not.toContain(String(healthy.port));
  });

  it('serves default process metrics on its own registry, never on prom-client’s global one', async () => {
    const engine = await track(Promise.resolve(createEngine(configOf(['a']), fakeClock(), {})));
    const metrics = await track(createMetricsServer({ store: engine.store, port: 0 }));
    const s = await scrape(metrics.url);
    expect(s.families.get('process_cpu_user_seconds_total')?.type).toBe('counter');
    expect(s.families.get('nodejs_heap_size_used_bytes')?.type).toBe('gauge');
    expect(s.families.get('nexus_top_backend_up')?.type).toBe('gauge');
    expect(s.families.get('nexus_top_probe_duration_seconds')?.type).toBe('histogram');
    expect(s.families.get('nexus_top_probe_failures_total')?.type).toBe('counter');
    expect(globalRegistry.getMetricsAsArray()).toEqual([]);
  });

  it('label values carry any backend name, escaped as the format wants', async () => {
    const names = ['gpu "1" \\ rack', 'ünï cødé', 'a,b=c}'];
    const engine = await track(Promise.resolve(createEngine(configOf(names), fakeClock(), {})));
    const metrics = await track(createMetricsServer({ store: engine.store, port: 0, defaultMetrics: false }));
    const s = await scrape(metrics.url);
    for (const backend of names) {
      expect(value(s, 'nexus_top_backend_up', { backend, type: 'generic' })).toBe(0);
      expect(histogramOf(s.families.get('nexus_top_probe_duration_seconds'), { backend })?.count).toBe(0);
    }
  });

  it('answers HEAD, 404 elsewhere and 405 to other methods', async () => {
    const engine = await track(Promise.resolve(createEngine(configOf(['a']), fakeClock(), {})));
    const metrics = await track(createMetricsServer({ store: engine.store, port: 0, defaultMetrics: false }));
    const base = metrics.url.replace(/\/metrics$/, '');
    const head = await request(metrics.url, { method: 'HEAD' });
    expect(head.statusCode).toBe(200);
    expect(await head.body.text()).toBe('');
    const missing = await request(`${base}/nope`);
    expect(missing.statusCode).toBe(404);
    await missing.body.text();
    const post = await request(metrics.url, { method: 'POST', body: 'x' });
    expect(post.statusCode).toBe(405);
    await post.body.text();
    // Without default metrics only ours are there.
    const s = await scrape(metrics.url);
    expect([...s.families.keys()].every((n) => n.startsWith('nexus_top_'))).toBe(true);
  });

  it('close() stops listening, and is idempotent', async () => {
    const engine = await track(Promise.resolve(createEngine(configOf(['a']), fakeClock(), {})));
    const metrics = await createMetricsServer({ store: engine.store, port: 0, defaultMetrics: false });
    await scrape(metrics.url);
    await Promise.all([metrics.close(), metrics.close()]);
    await expect(request(metrics.url)).rejects.toThrow(/ECONNREFUSED|connect/);
  });
});

describe('address errors', () => {
  it('an address in use is a clear MetricsAddressError (a UsageError: exit 3)', async () => {
    const squatter = createTcpServer();
    await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => squatter.close(() => resolve())));
    const { port } = squatter.address() as AddressInfo;
    const engine = await track(Promise.resolve(createEngine(configOf(['a']), fakeClock(), {})));
    const attempt = createMetricsServer({ store: engine.store, host: '127.0.0.1', port });
    await expect(attempt).rejects.toBeInstanceOf(MetricsAddressError);
    await expect(attempt).rejects.toThrow(`--metrics 127.0.0.1:${port}: address in use`);
  });

  it('a port out of range is refused before anything listens', async () => {
    const engine = await track(Promise.resolve(createEngine(configOf(['a']), fakeClock(), {})));
    await expect(createMetricsServer({ store: engine.store, port: 70_000 })).rejects.toThrow('--metrics 127.0.0.1:70000: port out of range (1-65535)');
  });

  it('an address that is not on this machine says so', async () => {
    const engine = await track(Promise.resolve(createEngine(configOf(['a']), fakeClock(), {})));
    // 192.0.2.0/24 is TEST-NET-1: never assigned to a local interface; nothing is sent anywhere.
    await expect(createMetricsServer({ store: engine.store, host: '192.0.2.1', port: 0 })).rejects.toThrow('--metrics 192.0.2.1:0: address not available on this machine');
  });
});

describe('parseMetricsAddress', () => {
  it.each([
    ['9464', { host: '127.0.0.1', port: 9464 }],
    ['0.0.0.0:9464', { host: '0.0.0.0', port: 9464 }],
    ['127.0.0.1:1', { host: '127.0.0.1', port: 1 }],
    ['[::1]:9464', { host: '::1', port: 9464 }],
    ['[::]:65535', { host: '::', port: 65535 }],
    ['localhost:9100', { host: 'localhost', port: 9100 }],
    [' 9464 ', { host: '127.0.0.1', port: 9464 }],
  ])('%s', (input, expected) => {
    expect(parseMetricsAddress(input)).toEqual(expected);
  });

  it.each([
    ['', '--metrics needs an address (PORT, HOST:PORT or [IPv6]:PORT)'],
    ['0', '--metrics "0": port 0 is out of range (1-65535)'],
    ['65536', '--metrics "65536": port 65536 is out of range (1-65535)'],
    ['127.0.0.1:http', '--metrics "127.0.0.1:http": "http" is not a port (1-65535)'],
    ['127.0.0.1:', '--metrics "127.0.0.1:": "" is not a port (1-65535)'],
    [':9464', '--metrics ":9464": the host is empty (use PORT alone for 127.0.0.1)'],
    ['::1:9464', '--metrics "::1:9464": put an IPv6 address in brackets, e.g. [::1]:9464'],
    ['[::1]', '--metrics "[::1]": expected [IPv6]:PORT, e.g. [::1]:9464'],
    ['[127.0.0.1]:9464', '--metrics "[127.0.0.1]:9464": not an IPv6 address in the brackets'],
    ['300.1.1.1:9464', '--metrics "300.1.1.1:9464": the host is not an IP address or host name'],
    ['exa mple:9464', '--metrics "exa mple:9464": the host is not an IP address or host name'],
    ['localhost', '--metrics "localhost": expected PORT or HOST:PORT, e.g. 127.0.0.1:9464'],
    ['-1', '--metrics "-1": expected PORT or HOST:PORT, e.g. 127.0.0.1:9464'],
    ['1e3', '--metrics "1e3": expected PORT or HOST:PORT, e.g. 127.0.0.1:9464'],
  ])('%j is refused', (input, message) => {
    expect(() => parseMetricsAddress(input)).toThrow(MetricsAddressError);
    expect(() => parseMetricsAddress(input)).toThrow(message);
  });

  it('never echoes control characters', () => {
    let message = '';
    try {
      parseMetricsAddress('\u001b[2Jevil:9464');
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('is not an IP address or host name');
    // eslint-disable-next-line no-control-regex
    expect(message).not.toMatch(/[\u0000-\u001f]/);
  });
});
