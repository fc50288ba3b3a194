import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { type Handler, type Loopback, sendWire, startLoopback } from '../../test/helpers/loopback.js';
import { backendAt } from '../../test/helpers/probing.js';
import { loadWire } from '../../test/helpers/wire.js';
import type { WireAnswer } from '../demo/wire-file.js';
import type { BackendConfig, BackendType } from '../config/types.js';
import type { Connections } from './http.js';
import { ASK_OFF_AGAIN_EVERY, createLoadReader, type LoadReader } from './load.js';
import { createProber, type Prober } from './probe.js';

const servers: Loopback[] = [];
const probers: Prober[] = [];

afterEach(async () => {
  await Promise.all(probers.splice(0).map((p) => p.close()));
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

const NOW = 1_700_000_000_000;

function setup(opts: { timeoutMs?: number; bodyLimitBytes?: number; env?: Record<string, string | undefined>; connections?: Connections } = {}): { prober: Prober; reader: LoadReader } {
  const prober = createProber({ timeoutMs: opts.timeoutMs ?? 2_000, bodyLimitBytes: opts.bodyLimitBytes ?? 8 * 1024 * 1024, connections: opts.connections ?? 'pooled', env: opts.env ?? {}, now: () => NOW });
  probers.push(prober);
  return { prober, reader: createLoadReader({ side: (b, use, s) => prober.side(b, use, s), now: () => NOW }) };
}

async function serve(handler: Handler): Promise<Loopback> {
  const server = await startLoopback(handler);
  servers.push(server);
  return server;
}

const json = (status: number, body: unknown): WireAnswer => ({ status, statusText: '', headers: [['Content-Type', 'application/json']], body: Buffer.from(JSON.stringify(body)) });
const text = (status: number, body: string, type = 'text/plain; version=0.0.4'): WireAnswer => ({ status, statusText: '', headers: [['Content-Type', type]], body: Buffer.from(body) });

/** A server routing by path; anything else 404. */
function routes(table: Record<string, WireAnswer | ((req: IncomingMessage, res: ServerResponse) => void)>): Promise<Loopback> {
  return serve((req, res) => {
    const route = table[new URL(req.url ?? '/', 'http://x').pathname];
    if (route === undefined) sendWire(res, text(404, 'not found'));
    else if (typeof route === 'function') route(req, res);
    else sendWire(res, route);
  });
}

const backend = (url: string, type: BackendType, extra: Partial<BackendConfig> = {}): BackendConfig => backendAt(url, type, extra);
const paths = (server: Loopback): string[] => server.requests.map((r) => r.url ?? '');

const LLAMA_501 = json(501, { error: { code: 501, message: 'This server does not support metrics endpoint. Start it with `--metrics`', type: 'not_supported_error' } });
const LLAMA_401 = json(401, { error: { message: 'Invalid API Key', type: 'authentication_error', code: 401 } });

describe('load per backend type, from real servers', () => {
  it('vLLM: running, waiting and KV from /metrics', async () => {
    const server = await routes({ '/metrics': loadWire('vllm/metrics.http') });
    const { reader } = setup();
    const reading = await reader.read(backend(server.url, 'vllm'));
    expect(reading).toEqual({ backend: 'b1', at: NOW, figures: { running: 12, waiting: 3, kvCache: 0.6412, slots: null, loadedModels: null }, sources: ['metrics'], error: null });
    expect(paths(server)).toEqual(['/metrics']);
  });

  it('llama.cpp: slots from /slots, running and waiting from /metrics, with the API key', async () => {
    const server = await routes({
      '/slots': (req, res) => sendWire(res, req.headers.authorization === 'Bearer sekrit' ? loadWire('llamacpp/slots_busy.http') : LLAMA_401),
      '/metrics': (req, res) => sendWire(res, req.headers.authorization === 'Bearer sekrit' ? loadWire('llamacpp/metrics_busy.http') : LLAMA_401),
    });
    const { reader } = setup({ env: { LLAMA_KEY: 'sekrit' } });
    const reading = await reader.read(backend(server.url, 'llamacpp', { apiKeyEnv: 'LLAMA_KEY' }));
    expect(reading?.figures).toEqual({ running: 2, waiting: 1, kvCache: null, slots: { busy: 2, total: 2 }, loadedModels: null });
    expect(reading?.sources).toEqual(['slots', 'metrics']);
    expect(reading?.error).toBeNull();
  });

  it('llama.cpp without --metrics: what /slots says, and /metrics asked again only every 10th round', async () => {
    const server = await routes({ '/slots': loadWire('llamacpp/slots_busy.http'), '/metrics': LLAMA_501 });
    const { reader } = setup();
    const b = backend(server.url, 'llamacpp');
    const first = await reader.read(b);
    expect(first?.figures.slots).toEqual({ busy: 2, total: 2 });
    expect(first?.figures.waiting).toBeNull();
    expect(first?.sources).toEqual(['slots']);
    expect(first?.error).toBeNull();
    for (let i = 1; i < 2 * ASK_OFF_AGAIN_EVERY; i++) await reader.read(b);
    const asked = paths(server);
    expect(asked.filter((p) => p === '/slots')).toHaveLength(2 * ASK_OFF_AGAIN_EVERY);
    expect(asked.filter((p) => p === '/metrics')).toHaveLength(2);
  });

  it('llama.cpp needing a key it was not given: load unknown, saying so, asked again rarely; health untouched', async () => {
    const server = await routes({ '/slots': LLAMA_401, '/metrics': LLAMA_401 });
    const { reader } = setup();
    const b = backend(server.url, 'llamacpp');
    const reading = await reader.read(b);
    expect(reading?.figures).toEqual({ running: null, waiting: null, kvCache: null, slots: null, loadedModels: null });
    expect(reading?.error?.kind).toBe('http');
    expect(reading?.error?.message).toContain('/slots needs the API key (HTTP 401: Invalid API Key)');
    expect(reading?.error?.message).toContain('/metrics needs the API key');
    const again = await reader.read(b);
    // Said again from memory, without asking.
    expect(again?.error?.message).toBe(reading?.error?.message);
    expect(server.requests).toHaveLength(2);
  });

  it('a key the server echoes is masked in the message', async () => {
    const server = await routes({ '/metrics': json(500, { error: 'bad token sekrit-123 for you' }) });
    const { reader } = setup({ env: { K: 'sekrit-123' } });
    const reading = await reader.read(backend(server.url, 'vllm', { apiKeyEnv: 'K' }));
    expect(reading?.error?.kind).toBe('http');
    expect(reading?.error?.message).toContain('HTTP 500');
    expect(reading?.error?.message).not.toContain('sekrit-123');
  });

  it('Ollama: the loaded models from /api/ps, with their VRAM', async () => {
    const server = await routes({ '/api/ps': loadWire('ollama/api_ps.http') });
    const { reader } = setup();
    const reading = await reader.read(backend(server.url, 'ollama'));
    expect(reading?.sources).toEqual(['ps']);
    expect(reading?.figures.loadedModels?.map((m) => [m.name, m.sizeBytes, m.vramBytes])).toEqual([
      ['qwen3:14b', 11811160064, 9663676416],
      ['nomic-embed-text:latest', 849141760, 849141760],
    ]);
  });

  it("Ollama's 503 'maximum pending requests exceeded' is saturation, said plainly", async () => {
    const server = await routes({ '/api/ps': json(503, { error: 'server busy, please try again.  maximum pending requests exceeded' }) });
    const { reader } = setup();
    const reading = await reader.read(backend(server.url, 'ollama'));
    expect(reading?.figures.waiting).toBeNull();
    expect(reading?.error?.message).toMatch(/^saturated: the queue is full/);
  });

  it('LM Studio: the loaded models from /api/v0/models', async () => {
    const server = await routes({ '/api/v0/models': loadWire('lmstudio/api_v0_models.http') });
    const { reader } = setup();
    const reading = await reader.read(backend(server.url, 'lmstudio'));
    expect(reading?.figures.loadedModels?.map((m) => m.name)).toEqual(['qwen/qwen3-8b']);
    expect(reading?.sources).toEqual(['models']);
  });

  it.each([
    ['sglang/metrics.http', { running: 9, waiting: 21, kvCache: 0.93 }],
    ['tgi/metrics.http', { running: 32, waiting: 5, kvCache: 118211 / 131072 }],
    ['vllm/metrics.http', { running: 12, waiting: 3, kvCache: 0.6412 }],
  ])('generic: a /metrics recognised as %s is read from then on', async (wire, want) => {
    const server = await routes({ '/metrics': loadWire(wire) });
    const { reader } = setup();
    const b = backend(server.url, 'generic');
    for (let i = 0; i < 3; i++) {
      const reading = await reader.read(b);
      expect(reading?.figures).toMatchObject(want);
      expect(reading?.sources).toEqual(['metrics']);
    }
    expect(reader.asks(b)).toBe(true);
  });

  it.each([
    ['404', text(404, 'not found')],
    ['other metrics', text(200, '# HELP go_goroutines x\ngo_goroutines 12\n')],
    ['HTML', text(200, '<html><body>hi</body></html>', 'text/html')],
  ])('generic: /metrics tried once; %s means no load, never asked again', async (_name, answer) => {
    const server = await routes({ '/metrics': answer });
    const { reader } = setup();
    const b = backend(server.url, 'generic');
    expect(await reader.read(b)).toBeNull();
    expect(reader.asks(b)).toBe(false);
    expect(await reader.read(b)).toBeNull();
    expect(server.requests).toHaveLength(1);
  });

  it('generic: an overloaded 503 says nothing about /metrics; asked again', async () => {
    let overloaded = true;
    const server = await serve((_req, res) => sendWire(res, overloaded ? json(503, { message: 'The server is overloaded' }) : loadWire('sglang/metrics.http')));
    const { reader } = setup();
    const b = backend(server.url, 'generic');
    expect(await reader.read(b)).toBeNull();
    expect(reader.asks(b)).toBe(true);
    overloaded = false;
    expect((await reader.read(b))?.figures.waiting).toBe(21);
  });

  it('generic: a backend down is asked again (nothing learnt yet)', async () => {
    let up = false;
    const server = await serve((_req, res) => (up ? sendWire(res, loadWire('sglang/metrics.http')) : res.socket?.destroy()));
    const { reader } = setup();
    const b = backend(server.url, 'generic');
    expect(await reader.read(b)).toBeNull();
    expect(reader.asks(b)).toBe(true);
    up = true;
    expect((await reader.read(b))?.figures.running).toBe(9);
  });

  it.each(['openai', 'anthropic', 'google', 'exo'] as const)('%s: no load endpoint, no request at all', async (type) => {
    const server = await routes({});
    const { reader } = setup();
    const b = backend(server.url, type);
    expect(reader.asks(b)).toBe(false);
    expect(await reader.read(b)).toBeNull();
    expect(server.requests).toHaveLength(0);
  });

  it('a backend whose TCP or command check replaces the HTTP probe is not asked; one beside it is', async () => {
    const server = await routes({ '/metrics': loadWire('vllm/metrics.http') });
    const { reader } = setup();
    const tcp = backend(server.url, 'vllm', { check: { kind: 'tcp', also: false } });
    expect(reader.asks(tcp)).toBe(false);
    expect(await reader.read(tcp)).toBeNull();
    expect(server.requests).toHaveLength(0);
    const beside = backend(server.url, 'vllm', { check: { kind: 'tcp', also: true } });
    expect((await reader.read(beside))?.figures.running).toBe(12);
  });

  it('the probe and load share the keep-alive connection', async () => {
    const server = await routes({ '/v1/models': loadWire('vllm/v1_models.http'), '/metrics': loadWire('vllm/metrics.http') });
    const { prober, reader } = setup();
    const b = backend(server.url, 'vllm');
    // Spaced as in life: undici returns the socket to the pool a tick after the body ends.
    const pause = () => new Promise((r) => setTimeout(r, 20));
    expect((await prober.probe(b)).outcome).toBe('ok');
    await pause();
    expect((await reader.read(b))?.figures.running).toBe(12);
    await pause();
    expect((await prober.probe(b)).outcome).toBe('ok');
    await pause();
    expect((await reader.read(b))?.figures.running).toBe(12);
    expect(server.requests).toHaveLength(4);
    expect(server.sockets).toHaveLength(1);
  });
});

describe('garbage from a load endpoint becomes load.error', () => {
  const garbage: Array<[string, Handler, RegExp, string]> = [
    ['a 5 MB /metrics over the body limit', (_q, res) => sendWire(res, text(200, `${'# HELP x y\n'.repeat(5 * 1024 * 1024 / 11)}vllm:num_requests_running 1\n`)), /body over/, 'parse'],
    ['a metric line cut in half', (_q, res) => sendWire(res, text(200, '# TYPE vllm:num_requests_running gauge\nvllm:num_requests_running{engine="0"')), /no usable value|no vllm load metrics/, 'parse'],
    ['NaN and +Inf', (_q, res) => sendWire(res, text(200, 'vllm:num_requests_running NaN\nvllm:num_requests_waiting +Inf\nvllm:kv_cache_usage_perc +Inf\n')), /no usable value/, 'parse'],
    ['HTML', (_q, res) => sendWire(res, text(200, '<!doctype html><html><body>login</body></html>', 'text/html')), /no vllm load metrics/, 'parse'],
    ['an endless body', (_q, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      const tick = setInterval(() => (res.destroyed ? clearInterval(tick) : res.write('# more\n')), 20);
      res.on('close', () => clearInterval(tick));
    }, /timed out|within|timeout/i, 'timeout'],
  ];
  it.each(garbage)('%s', async (_name, handler, message, kind) => {
    const server = await serve(handler);
    const { reader } = setup({ timeoutMs: 400, bodyLimitBytes: 1024 * 1024 });
    const started = Date.now();
    const reading = await reader.read(backend(server.url, 'vllm'));
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(reading?.figures).toEqual({ running: null, waiting: null, kvCache: null, slots: null, loadedModels: null });
    expect(reading?.sources).toEqual([]);
    expect(reading?.error?.kind).toBe(kind);
    expect(reading?.error?.message).toMatch(message);
  });

  it('a 5 MB /metrics under the default 8 MiB limit is scanned, not choked on: the gauges at its end are found', async () => {
    const filler = '# HELP h x\n' + 'vllm:h_bucket{engine="0",le="0.1"} 1.0\n'.repeat(130_000);
    const body = `${filler}vllm:num_requests_running{engine="0"} 5\nvllm:num_requests_waiting{engine="0"} 8\nvllm:kv_cache_usage_perc{engine="0"} 0.25\n`;
    expect(body.length).toBeGreaterThan(5_000_000);
    const server = await serve((_q, res) => sendWire(res, text(200, body)));
    const { reader } = setup();
    const started = performance.now();
    const reading = await reader.read(backend(server.url, 'vllm'));
    expect(performance.now() - started).toBeLessThan(1_500);
    expect(reading?.figures).toMatchObject({ running: 5, waiting: 8, kvCache: 0.25 });
  });

  it('on single connections too (--once): a hanging /slots times out within the deadline', async () => {
    const server = await routes({ '/slots': () => {}, '/metrics': loadWire('llamacpp/metrics_busy.http') });
    const { reader } = setup({ timeoutMs: 300, connections: 'single' });
    const started = Date.now();
    const reading = await reader.read(backend(server.url, 'llamacpp'));
    expect(Date.now() - started).toBeLessThan(1_500);
    // The deadline covers the whole round: /metrics after it fails too.
    expect(reading?.error?.kind).toBe('timeout');
  });
});
