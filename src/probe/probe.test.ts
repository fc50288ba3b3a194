import type { IncomingMessage, ServerResponse } from 'node:http';
import { backendAt, timed } from '../../test/helpers/probing.js';
import { createServer as createTcpServer, type AddressInfo, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { closedPort, type Handler, type Loopback, sendWire, serveRoutes, serveWire, startLoopback, startTlsLoopback } from '../../test/helpers/loopback.js';
import { loadWire } from '../../test/helpers/wire.js';
import type { BackendConfig, BackendType } from '../config/types.js';
import type { Connections } from './http.js';
import { createProber, type Prober } from './probe.js';
import type { ProbeResult } from '../core/outcome.js';

const servers: Loopback[] = [];
const probers: Prober[] = [];

afterEach(async () => {
  await Promise.all(probers.splice(0).map((p) => p.close()));
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function serve(handler: Handler): Promise<Loopback> {
  const server = await startLoopback(handler);
  servers.push(server);
  return server;
}
async function track(server: Promise<Loopback>): Promise<Loopback> {
  const s = await server;
  servers.push(s);
  return s;
}

/** Every test below runs twice: on undici's pool (the loop) and on single connections (--once, --check). */
let connections: Connections = 'pooled';

function prober(opts: { timeoutMs?: number; bodyLimitBytes?: number; env?: Record<string, string | undefined>; now?: () => number } = {}): Prober {
  const p = createProber({ timeoutMs: opts.timeoutMs ?? 2_000, bodyLimitBytes: opts.bodyLimitBytes ?? 8 * 1024 * 1024, connections, env: opts.env ?? {}, now: opts.now });
  probers.push(p);
  return p;
}

const backend = (url: string, type: BackendType = 'generic', extra: Partial<BackendConfig> = {}): BackendConfig => backendAt(url, type, extra);


const hang: Handler = () => {};

async function until(condition: () => boolean, ms = 2_000): Promise<void> {
  const end = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

for (const mode of ['pooled', 'single'] as const) {
  describe(`${mode} connections`, () => {
    beforeAll(() => {
      connections = mode;
    });

    describe('a healthy backend', () => {
      it('answers 200 with its models, stamped with the injected clock', async () => {
        const server = await track(serveWire('ollama/api_tags.http'));
        let clock = 1_000;
        const result = await prober({ now: () => (clock += 5) }).probe(backend(server.url, 'ollama', { name: 'gpu1' }));
        expect(result).toMatchObject({ outcome: 'ok', models: ['deepseek-r1:latest', 'llama3.2:latest'], backend: 'gpu1', startedAt: 1_005, finishedAt: 1_010 });
        expect(result.latencyMs).toBeGreaterThan(0);
        expect(result.latencyMs).toBeLessThan(2_000);
        expect(server.requests.map((r) => r.url)).toEqual(['/api/tags']);
        expect(server.requests[0]!.headers.authorization).toBeUndefined();
      });

      it('keeps a path prefix and query of the configured URL', async () => {
        const server = await track(serveRoutes({ '/proxy/v1/models': 'vllm/v1_models.http' }));
        const result = await prober().probe(backend(`${server.url}/proxy/?tenant=a`, 'vllm'));
        expect(result).toMatchObject({ outcome: 'ok', models: ['meta-llama/Llama-3.1-8B-Instruct'] });
        expect(server.requests.map((r) => r.url)).toEqual(['/proxy/v1/models?tenant=a']);
      });

      it('llama.cpp: /health then /v1/models', async () => {
        const server = await track(serveRoutes({ '/health': 'llamacpp/health_ok.http', '/v1/models': 'llamacpp/v1_models.http' }, 'llamacpp/not_found.http'));
        const result = await prober().probe(backend(server.url, 'llamacpp'));
        expect(result).toMatchObject({ outcome: 'ok', models: ['llama-3.1-8b'] });
        expect(server.requests.map((r) => r.url)).toEqual(['/health', '/v1/models']);
      });

      if (mode === 'single') {
        it('opens a connection per request and closes it once answered (nothing left open after --once)', async () => {
          const server = await track(serveWire('openai/v1_models.http'));
          const p = prober();
          await p.probe(backend(server.url, 'openai'));
          await p.probe(backend(server.url, 'openai'));
          expect(server.requests).toHaveLength(2);
          expect(server.sockets).toHaveLength(2);
          expect(server.requests.every((r) => r.headers.connection === 'close')).toBe(true);
          await until(() => server.sockets.every((s) => s.destroyed));
        });
      }

      // The pool keeps connections; a single connection is closed once answered.
      if (mode === 'pooled') {
        it('reuses the connection between probes (keep-alive)', async () => {
          const server = await track(serveWire('openai/v1_models.http'));
          const p = prober();
          await p.probe(backend(server.url, 'openai'));
          // Probes are spaced in life; undici returns the socket to the pool a tick after the body ends.
          await new Promise((r) => setTimeout(r, 20));
          await p.probe(backend(server.url, 'openai'));
          expect(server.requests).toHaveLength(2);
          expect(server.sockets).toHaveLength(1);
        });
      }

      it('decodes the body as WHATWG UTF-8: BOM dropped, invalid bytes become U+FFFD', async () => {
        const body = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"data":[{"id":"a'), Buffer.from([0xff]), Buffer.from('b"}]}')]);
        const server = await serve((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(body));
        expect(await prober().probe(backend(server.url))).toMatchObject({ outcome: 'ok', models: ['a\uFFFDb'] });
      });

      it('sanitises model ids from the wire (escape sequences never survive)', async () => {
        const server = await track(serveWire('synthetic/ansi_in_model_name.http'));
        expect(await prober().probe(backend(server.url, 'vllm'))).toMatchObject({ outcome: 'ok', models: ['evil', 'red', 'llama-3.1-8b'] });
      });
    });

    describe('deadlines', () => {
      it('a server that never answers times out near the deadline', async () => {
        const server = await serve(hang);
        const [result, ms] = await timed(prober({ timeoutMs: 200 }).probe(backend(server.url)));
        expect(result).toMatchObject({ outcome: 'failure', kind: 'timeout', message: 'timed out after 200ms' });
        expect(ms).toBeGreaterThanOrEqual(190);
        expect(ms).toBeLessThan(1_000);
      });

      it('a TLS handshake that never completes times out at the deadline too (not at undici connect timeout)', async () => {
        const held: Socket[] = [];
        const tcp = createTcpServer((socket) => held.push(socket));
        await new Promise<void>((resolve) => tcp.listen(0, '127.0.0.1', resolve));
        try {
          const { port } = tcp.address() as AddressInfo;
          const [result, ms] = await timed(prober({ timeoutMs: 200 }).probe(backend(`https://127.0.0.1:${port}`)));
          expect(result).toMatchObject({ outcome: 'failure', kind: 'timeout', message: 'timed out after 200ms' });
          expect(ms).toBeLessThan(700);
        } finally {
          for (const socket of held) socket.destroy();
          await new Promise((resolve) => tcp.close(resolve));
        }
      });

      it('headers then a dripping body past the deadline times out (the deadline covers the body)', async () => {
        const server = await serve((_req, res) => {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.write('{"data":[');
          const timer = setInterval(() => res.write('{"id":"x"},'), 50);
          res.on('close', () => clearInterval(timer));
        });
        const [result, ms] = await timed(prober({ timeoutMs: 200 }).probe(backend(server.url)));
        expect(result).toMatchObject({ outcome: 'failure', kind: 'timeout', message: 'timed out after 200ms' });
        expect(ms).toBeLessThan(1_000);
      });

      it('llama.cpp: both requests share one deadline; a hanging /v1/models leaves it healthy with models kept (null)', async () => {
        const health = loadWire('llamacpp/health_ok.http');
        const server = await serve((req, res) => (req.url === '/health' ? sendWire(res, health) : undefined));
        const [result, ms] = await timed(prober({ timeoutMs: 300 }).probe(backend(server.url, 'llamacpp')));
        expect(result).toMatchObject({ outcome: 'ok', models: null });
        expect(ms).toBeGreaterThanOrEqual(280);
        expect(ms).toBeLessThan(1_100);
      });

      it('an external abort (engine stopping) ends the probe promptly', async () => {
        const server = await serve(hang);
        const controller = new AbortController();
        setTimeout(() => controller.abort(), 50);
        const [result, ms] = await timed(prober({ timeoutMs: 10_000 }).probe(backend(server.url), controller.signal));
        expect(result).toMatchObject({ outcome: 'failure', kind: 'timeout', message: 'cancelled' });
        expect(ms).toBeLessThan(1_000);
        await until(() => server.sockets.every((s) => s.destroyed));
      });

      it('an already aborted signal does not start a request', async () => {
        const server = await serve(hang);
        const result = await prober().probe(backend(server.url), AbortSignal.abort());
        expect(result).toMatchObject({ outcome: 'failure', kind: 'timeout', message: 'cancelled' });
        expect(server.requests).toHaveLength(0);
      });
    });

    describe('transport failures', () => {
      it('a reset mid-body is a connection failure', async () => {
        const server = await serve((req, res) => {
          res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
          res.write('{"data":[{"id":"a"},');
          setTimeout(() => req.socket.resetAndDestroy(), 20);
        });
        expect(await prober().probe(backend(server.url))).toMatchObject({ outcome: 'failure', kind: 'connection', message: 'connection reset' });
      });

      it('a connection closed mid-body is a connection failure', async () => {
        const server = await serve((req, res) => {
          res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
          res.write('{"data":[{"id":"a"},');
          setTimeout(() => req.socket.destroy(), 20);
        });
        expect(await prober().probe(backend(server.url))).toMatchObject({ outcome: 'failure', kind: 'connection' });
      });

      it('a closed port is connection refused', async () => {
        const port = await closedPort();
        expect(await prober().probe(backend(`http://127.0.0.1:${port}`))).toMatchObject({
          outcome: 'failure',
          kind: 'connection',
          message: 'connection refused',
        });
      });

      it('an unresolvable host is a DNS failure naming the host', async () => {
        expect(await prober({ timeoutMs: 5_000 }).probe(backend('http://nexus-top-test.invalid:11434', 'ollama'))).toMatchObject({
          outcome: 'failure',
          kind: 'dns',
          message: 'DNS lookup failed for nexus-top-test.invalid',
        });
      });

      it('a self-signed certificate is a TLS failure, accepted with tls_verify = false', async () => {
        const answer = loadWire('vllm/v1_models.http');
        const server = await track(startTlsLoopback((_req, res) => sendWire(res, answer)));
        const p = prober();
        expect(await p.probe(backend(server.url, 'vllm'))).toMatchObject({ outcome: 'failure', kind: 'tls', message: 'TLS: self-signed certificate' });
        expect(await p.probe(backend(server.url, 'vllm', { tlsVerify: false }))).toMatchObject({ outcome: 'ok', models: ['meta-llama/Llama-3.1-8B-Instruct'] });
      });
    });

    describe('answers that are not a model list', () => {
      it.each([
        ['garbage', Buffer.from([0x00, 0x1b, 0x5b, 0x32, 0x4a, 0xff, 0xfe]), /^expected JSON, got text/],
        ['HTML', Buffer.from('<!doctype html><html><body><h1>Welcome to nginx!</h1></body></html>'), /^expected JSON, got HTML$/],
      ])('%s with 200 is a parse failure', async (_name, body, message) => {
        const server = await serve((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(body));
        const result = await prober().probe(backend(server.url, 'openai'));
        expect(result).toMatchObject({ outcome: 'failure', kind: 'parse' });
        expect(result.outcome === 'failure' && result.message).toMatch(message);
        expect(result.outcome === 'failure' && result.message).not.toMatch(/[\u0000-\u001f<]/);
      });

      it('llama.cpp loading (503 unavailable_error) is loading', async () => {
        const server = await serve((_req, res) =>
          res.writeHead(503, { 'content-type': 'application/json; charset=utf-8' }).end('{"error":{"code":503,"message":"Loading model","type":"unavailable_error"}}'),
        );
        expect(await prober().probe(backend(server.url, 'llamacpp'))).toMatchObject({ outcome: 'loading', message: 'Loading model' });
        expect(server.requests.map((r) => r.url)).toEqual(['/health']);
      });

      it('an nginx 502 page is an http failure without its HTML', async () => {
        const server = await track(serveWire('synthetic/proxy_502_nginx.http'));
        expect(await prober().probe(backend(server.url, 'exo'))).toMatchObject({ outcome: 'failure', kind: 'http', message: 'HTTP 502 Bad Gateway', status: 502 });
      });

      it('a 302 redirect is an http failure and is not followed', async () => {
        const server = await serve((req, res) => {
          if (req.url === '/v1/models') res.writeHead(302, { location: '/login?next=/v1/models' }).end();
          else sendWire(res, loadWire('openai/v1_models.http'));
        });
        const result = await prober().probe(backend(server.url, 'openai'));
        expect(result).toMatchObject({ outcome: 'failure', kind: 'http', status: 302 });
        expect(result.outcome === 'failure' && result.message).toBe('HTTP 302 Found (redirect to /login, not followed)');
        expect(server.requests.map((r) => r.url)).toEqual(['/v1/models']);
      });

      it('a body over the limit is a parse failure, and the connection is dropped without reading the rest', async () => {
        let written = 0;
        let closedEarly: boolean | undefined;
        const total = 64 * 1024 * 1024;
        const server = await serve((_req, res: ServerResponse) => {
          res.writeHead(200, { 'content-type': 'application/json' });
          const chunk = Buffer.alloc(16 * 1024, 0x20);
          const pump = (): void => {
            while (!res.destroyed && written < total) {
              written += chunk.length;
              if (!res.write(chunk)) return void res.once('drain', pump);
            }
            if (!res.destroyed) res.end();
          };
          res.on('close', () => (closedEarly = !res.writableFinished));
          pump();
        });
        const result = await prober({ bodyLimitBytes: 256 * 1024 }).probe(backend(server.url));
        expect(result).toMatchObject({ outcome: 'failure', kind: 'parse', message: 'body over 256 KiB' });
        await until(() => closedEarly !== undefined);
        expect(closedEarly).toBe(true);
        expect(written).toBeLessThan(total / 4);
      });

      it('a declared Content-Length over the limit fails before reading', async () => {
        const server = await serve((_req, res) => {
          res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(20 * 1024 * 1024) });
          res.write('{"data":[');
        });
        expect(await prober().probe(backend(server.url))).toMatchObject({ outcome: 'failure', kind: 'parse', message: 'body over 8 MiB' });
      });
    });

    describe('credentials', () => {
      const headersOf = (req: IncomingMessage): Record<string, string | string[] | undefined> => req.headers;

      it.each([
        ['anthropic', { 'x-api-key': 'sk-test-key-1234', 'anthropic-version': '2023-06-01' }],
        ['google', { 'x-goog-api-key': 'sk-test-key-1234' }],
        ['openai', { authorization: 'Bearer sk-test-key-1234' }],
        ['vllm', { authorization: 'Bearer sk-test-key-1234' }],
        ['ollama', { authorization: 'Bearer sk-test-key-1234' }],
        ['llamacpp', { authorization: 'Bearer sk-test-key-1234' }],
      ] as const)('%s sends the key from the env var in its header', async (type, expected) => {
        const server = await serve((_req, res) => res.writeHead(200).end('{"data":[],"models":[],"status":"ok"}'));
        const result = await prober({ env: { NEXUS_TEST_KEY: 'sk-test-key-1234' } }).probe(backend(server.url, type, { apiKeyEnv: 'NEXUS_TEST_KEY' }));
        expect(result.outcome).toBe('ok');
        expect(headersOf(server.requests[0]!)).toMatchObject(expected);
        if (!('authorization' in expected)) expect(server.requests[0]!.headers.authorization).toBeUndefined();
      });

      it('a missing env var is not an error: the probe goes without auth', async () => {
        const server = await track(serveWire('openai/v1_models.http'));
        const result = await prober({ env: {} }).probe(backend(server.url, 'openai', { apiKeyEnv: 'NEXUS_UNSET_KEY' }));
        expect(result.outcome).toBe('ok');
        expect(server.requests[0]!.headers.authorization).toBeUndefined();
      });

      it('a server echoing the key does not leak it into the message', async () => {
        const server = await serve((req, res) =>
          res
            .writeHead(401, { 'content-type': 'application/json' })
            .end(JSON.stringify({ error: { message: `Incorrect API key provided: ${String(req.headers.authorization).slice(7)}`, type: 'invalid_request_error' } })),
        );
        const result = await prober({ env: { K: 'sk-proj-abcdef123456' } }).probe(backend(server.url, 'openai', { apiKeyEnv: 'K' }));
        expect(result).toMatchObject({ outcome: 'failure', kind: 'http', message: 'HTTP 401: Incorrect API key provided: ***' });
        expect(JSON.stringify(result)).not.toContain('sk-proj-abcdef123456');
      });

      it('a server echoing the key in a model id does not leak it either', async () => {
        const server = await serve((req, res) => res.writeHead(200).end(JSON.stringify({ models: [{ name: `key=${String(req.headers['x-goog-api-key'])}` }] })));
        const result = await prober({ env: { K: 'AIzaSyTESTTESTTEST' } }).probe(backend(server.url, 'google', { apiKeyEnv: 'K' }));
        expect(result).toMatchObject({ outcome: 'ok', models: ['key=***'] });
      });

      it('a URL password is sent as Basic auth, removed from the request, and never shown', async () => {
        const server = await serve((req, res) =>
          res
            .writeHead(403, { 'content-type': 'application/json' })
            .end(JSON.stringify({ detail: `denied ${String(req.headers.authorization)} (password p@ss:w0rd!)` })),
        );
        const url = server.url.replace('http://', 'http://alice:p%40ss%3Aw0rd!@');
        const result = await prober().probe(backend(url, 'vllm'));
        const req = server.requests[0]!;
        expect(req.headers.authorization).toBe(`Basic ${Buffer.from('alice:p@ss:w0rd!').toString('base64')}`);
        expect(req.url).toBe('/v1/models');
        expect(result).toMatchObject({ outcome: 'failure', kind: 'http', message: 'HTTP 403: denied Basic *** (password ***)' });
        expect(JSON.stringify(result)).not.toMatch(/p@ss|w0rd/);
      });

      it('an API key wins over URL credentials', async () => {
        const server = await track(serveWire('openai/v1_models.http'));
        const url = server.url.replace('http://', 'http://alice:secret-pw@');
        await prober({ env: { K: 'sk-key-9999' } }).probe(backend(url, 'openai', { apiKeyEnv: 'K' }));
        expect(server.requests[0]!.headers.authorization).toBe('Bearer sk-key-9999');
      });
    });

    describe('never throws', () => {
      it('an unparseable URL or an unknown type is a failure result', async () => {
        const p = prober();
        expect(await p.probe(backend('not a url'))).toMatchObject({ outcome: 'failure', kind: 'connection', backend: 'b1' });
        expect(await p.probe(backend('ftp://127.0.0.1/'))).toMatchObject({ outcome: 'failure', kind: 'connection', message: 'unsupported URL scheme ftp:' });
        expect(await p.probe(backend('http://127.0.0.1:1', 'nope' as BackendType))).toMatchObject({ outcome: 'failure', kind: 'connection' });
      });

      it('close() drops pooled connections, and later probes fail without throwing', async () => {
        const server = await track(serveWire('openai/v1_models.http'));
        const p = prober();
        await p.probe(backend(server.url, 'openai'));
        await p.close();
        await until(() => server.sockets.every((s) => s.destroyed));
        expect(await p.probe(backend(server.url, 'openai'))).toMatchObject({ outcome: 'failure', kind: 'connection' });
      });
    });
  });
}
