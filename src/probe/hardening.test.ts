import type { ServerResponse } from 'node:http';
import { backendAt, sleep, timed } from '../../test/helpers/probing.js';
import { createServer as createTcpServer, type AddressInfo, type Server as TcpServer, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import zlib from 'node:zlib';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { closedPort, type Handler, type Loopback, startLoopback, startTlsLoopback, TEST_CA, type TestCertificate } from '../../test/helpers/loopback.js';
import type { BackendConfig, BackendType } from '../config/types.js';
import { ACCEPT_ENCODING, type Connections } from './http.js';
import { createProber, type Prober } from './probe.js';
import type { ProbeResult } from '../core/outcome.js';

/**
 * Hardening against real sockets on 127.0.0.1: every bad answer classified, every fault survived.
 * (probe.test.ts has the basics: hang, reset, refused, DNS, self-signed, redirect, body limit.)
 */

const servers: Loopback[] = [];
const probers: Prober[] = [];
const cleanups: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  await Promise.all(probers.splice(0).map((p) => p.close()));
  await Promise.all(servers.splice(0).map((s) => s.close()));
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function serve(handler: Handler, options: { port?: number } = {}): Promise<Loopback> {
  const server = await startLoopback(handler, options);
  servers.push(server);
  return server;
}

async function serveTls(handler: Handler, certificate: TestCertificate): Promise<Loopback> {
  const server = await startTlsLoopback(handler, certificate);
  servers.push(server);
  return server;
}

/** Every test below runs twice: on undici's pool (the loop) and on single connections (--once, --check). */
let connections: Connections = 'pooled';

function prober(opts: { timeoutMs?: number; bodyLimitBytes?: number; ca?: string } = {}): Prober {
  const p = createProber({ timeoutMs: opts.timeoutMs ?? 2_000, bodyLimitBytes: opts.bodyLimitBytes ?? 8 * 1024 * 1024, connections, env: {}, ...(opts.ca ? { ca: opts.ca } : {}) });
  probers.push(p);
  return p;
}

const backend = (url: string, type: BackendType = 'openai', extra: Partial<BackendConfig> = {}): BackendConfig => backendAt(url, type, extra);



async function until(condition: () => boolean, ms = 2_000): Promise<void> {
  const end = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await sleep(10);
  }
}

const modelsBody = (ids: string[]): string => JSON.stringify({ object: 'list', data: ids.map((id) => ({ id, object: 'model', owned_by: 'me' })) });
const MODELS = modelsBody(['a', 'b']);

const answer =
  (body: string | Buffer, headers: Record<string, string> = {}, status = 200): Handler =>
  (_req, res) =>
    res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(body);

for (const mode of ['pooled', 'single'] as const) {
  describe(`${mode} connections`, () => {
    beforeAll(() => {
      connections = mode;
    });

    describe('the deadline covers the whole exchange', () => {
      it('headers then a body dripping one byte a second times out at the deadline', async () => {
        let dripped = 0;
        const server = await serve((_req, res) => {
          res.writeHead(200, { 'content-type': 'application/json' });
          const body = MODELS;
          const drip = (): void => {
            if (res.destroyed || dripped >= body.length) return;
            res.write(body[dripped++]!);
            timer = setTimeout(drip, 1_000);
          };
          let timer = setTimeout(drip, 0);
          res.on('close', () => clearTimeout(timer));
        });
        const [result, ms] = await timed(prober({ timeoutMs: 1_500 }).probe(backend(server.url)));
        expect(result).toMatchObject({ outcome: 'failure', kind: 'timeout', message: 'timed out after 1.5s' });
        expect(ms).toBeGreaterThanOrEqual(1_490);
        expect(ms).toBeLessThan(2_400);
        // It was a drip (bytes kept coming: undici's idle body timer never fired), not a hang.
        expect(dripped).toBe(2);
        await until(() => server.sockets.every((s) => s.destroyed));
      });
    });

    describe('TLS failures say why, and tls_verify = false accepts them', () => {
      const models = answer(MODELS);

      it('a certificate from a trusted CA for 127.0.0.1 is fine (the control)', async () => {
        const server = await serveTls(models, 'valid');
        expect(await prober({ ca: TEST_CA }).probe(backend(server.url))).toMatchObject({ outcome: 'ok', models: ['a', 'b'] });
      });

      it.each([
        ['expired', 'TLS: certificate has expired'],
        ['other-host', 'TLS: certificate is for other.example, not 127.0.0.1'],
        ['self-signed', 'TLS: self-signed certificate'],
      ] as const)('%s', async (certificate, message) => {
        const server = await serveTls(models, certificate);
        const p = prober({ ca: TEST_CA });
        expect(await p.probe(backend(server.url))).toMatchObject({ outcome: 'failure', kind: 'tls', message });
        expect(server.requests).toHaveLength(0);
        expect(await p.probe(backend(server.url, 'openai', { tlsVerify: false }))).toMatchObject({ outcome: 'ok', models: ['a', 'b'] });
      });

      it('plain HTTP on an https URL is a TLS failure', async () => {
        const server = await serve(models);
        expect(await prober().probe(backend(server.url.replace('http:', 'https:')))).toMatchObject({
          outcome: 'failure',
          kind: 'tls',
          message: 'TLS: wrong version number (is it plain HTTP?)',
        });
      });
    });

    describe('body size', () => {
      it('10,000 models in a valid body are read, in order, fast', async () => {
        const ids = Array.from({ length: 10_000 }, (_, i) => `org-${i % 97}/model-${i}:q4_K_M`);
        const body = modelsBody([...ids, ...ids.slice(0, 100)]);
        expect(body.length).toBeGreaterThan(500_000);
        const server = await serve(answer(body));
        const p = prober();
        await p.probe(backend(server.url)); // warm: connection and JIT
        const [result, ms] = await timed(p.probe(backend(server.url)));
        expect(result).toMatchObject({ outcome: 'ok' });
        expect(result.outcome === 'ok' && result.models).toEqual(ids);
        expect(ms).toBeLessThan(500);
      });

      it('an error status with a body over the limit is judged by its status', async () => {
        const server = await serve((_req, res) => {
          res.writeHead(502, { 'content-type': 'text/html' });
          res.end(Buffer.alloc(64 * 1024, 0x41));
        });
        expect(await prober({ bodyLimitBytes: 16 * 1024 }).probe(backend(server.url))).toMatchObject({
          outcome: 'failure',
          kind: 'http',
          message: 'HTTP 502 Bad Gateway',
          status: 502,
        });
      });
    });

    describe('redirects are not followed', () => {
      it.each([301, 303, 307, 308])('%i is an http failure with its status', async (status) => {
        const server = await serve((req, res) => {
          if (req.url === '/v1/models') res.writeHead(status, { location: 'https://elsewhere.example/v1/models?sig=abc' }).end();
          else answer(MODELS)(req, res);
        });
        const result = await prober().probe(backend(server.url));
        expect(result).toMatchObject({ outcome: 'failure', kind: 'http', status });
        expect(result.outcome === 'failure' && result.message).toMatch(new RegExp(`^HTTP ${status} .*\\(redirect to https://elsewhere\\.example/v1/models, not followed\\)$`));
        expect(server.requests).toHaveLength(1);
      });
    });

    describe('compressed answers', () => {
      const gzip = (text: string): Buffer => zlib.gzipSync(text);
      const encodings: [string, (text: string) => Buffer][] = [
        ['gzip', gzip],
        ['x-gzip', gzip],
        ['deflate', (t) => zlib.deflateSync(t)],
        ['deflate', (t) => zlib.deflateRawSync(t)], // raw deflate, as some servers send it
        ['br', (t) => zlib.brotliCompressSync(t)],
        ['gzip, br', (t) => zlib.brotliCompressSync(zlib.gzipSync(t))], // applied in order: undone in reverse
        ['identity', (t) => Buffer.from(t)],
      ];

      it('advertise gzip, deflate and br', async () => {
        const server = await serve(answer(MODELS));
        await prober().probe(backend(server.url));
        expect(server.requests[0]!.headers['accept-encoding']).toBe(ACCEPT_ENCODING);
        expect(ACCEPT_ENCODING).toBe('gzip, deflate, br');
      });

      it.each(encodings)('%s decodes (%#)', async (encoding, encode) => {
        const server = await serve(answer(encode(MODELS), { 'content-encoding': encoding }));
        expect(await prober().probe(backend(server.url))).toMatchObject({ outcome: 'ok', models: ['a', 'b'] });
      });

      it('a compressed body dripped in small pieces decodes', async () => {
        const ids = Array.from({ length: 2_000 }, (_, i) => `m${i}`);
        const packed = zlib.gzipSync(modelsBody(ids));
        const server = await serve((_req, res) => {
          res.writeHead(200, { 'content-encoding': 'gzip' });
          let at = 0;
          const next = (): void => {
            if (res.destroyed) return;
            if (at >= packed.length) return void res.end();
            res.write(packed.subarray(at, (at += 97)));
            setImmediate(next);
          };
          next();
        });
        const result = await prober().probe(backend(server.url));
        expect(result.outcome === 'ok' && result.models).toEqual(ids);
      });

      it('a compressed error page is read for its status and message', async () => {
        const server = await serve(answer(gzip(JSON.stringify({ error: { message: 'invalid api key' } })), { 'content-encoding': 'gzip' }, 401));
        expect(await prober().probe(backend(server.url))).toMatchObject({ outcome: 'failure', kind: 'http', message: 'HTTP 401: invalid api key' });
      });

      describe('a zip bomb is cut off at the limit on its DECODED size, without the memory', () => {
        // 1 GiB of zeros: gzip as 64 members of 16 MiB (gunzip reads concatenated members), brotli and deflate whole.
        const member = zlib.gzipSync(Buffer.alloc(16 * 1024 * 1024), { level: 9 });
        const bombs: [string, Buffer, number][] = [
          ['gzip', Buffer.concat(Array.from({ length: 64 }, () => member)), 1024 ** 3],
          ['br', zlib.brotliCompressSync(Buffer.alloc(256 * 1024 * 1024), { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 1 } }), 256 * 1024 ** 2],
          ['deflate', zlib.deflateSync(Buffer.alloc(256 * 1024 * 1024), { level: 1 }), 256 * 1024 ** 2],
        ];

        it.each(bombs)('%s', async (encoding, bomb, inflated) => {
          expect(bomb.length).toBeLessThan(2 * 1024 * 1024);
          let sent = 0;
          const server = await serve((_req, res) => {
            res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': encoding, 'content-length': String(bomb.length) });
            const pump = (): void => {
              while (!res.destroyed && sent < bomb.length) {
                const piece = bomb.subarray(sent, sent + 16 * 1024);
                sent += piece.length;
                if (!res.write(piece)) return void res.once('drain', pump);
              }
              if (!res.destroyed) res.end();
            };
            pump();
          });
          const limit = 8 * 1024 * 1024;
          const before = process.memoryUsage();
          let peak = 0;
          const sampler = setInterval(() => {
            const now = process.memoryUsage();
            peak = Math.max(peak, now.arrayBuffers - before.arrayBuffers + (now.heapUsed - before.heapUsed));
          }, 2);
          const [result, ms] = await timed(prober({ bodyLimitBytes: limit }).probe(backend(server.url)));
          clearInterval(sampler);
          expect(result).toMatchObject({ outcome: 'failure', kind: 'parse', message: 'body over 8 MiB' });
          // Far below what the bomb inflates to: the limit plus decoder buffers.
          expect(peak).toBeLessThan(64 * 1024 * 1024);
          expect(peak).toBeLessThan(inflated / 4);
          expect(ms).toBeLessThan(1_500);
        });
      });

      it.each([
        ['gzip', 'corrupt gzip body', Buffer.from('this is not gzip at all')],
        ['gzip', 'corrupt gzip body', Buffer.concat([zlib.gzipSync(MODELS).subarray(0, 10), Buffer.from('garbage garbage garbage')])],
        ['deflate', 'corrupt deflate body', Buffer.from([0x78, 0x9c, 0xff, 0xff, 0xff, 0xff])],
        ['br', 'corrupt brotli body', Buffer.from('not brotli either')],
        ['zstd', 'unsupported content-encoding "zstd"', Buffer.from([0x28, 0xb5, 0x2f, 0xfd])],
      ])('a corrupt or unknown %s body is a parse failure: %s', async (encoding, message, body) => {
        const server = await serve(answer(body, { 'content-encoding': encoding }));
        expect(await prober().probe(backend(server.url))).toMatchObject({ outcome: 'failure', kind: 'parse', message });
      });

      it('a gzip body cut short reads as truncated JSON', async () => {
        const packed = zlib.gzipSync(modelsBody(Array.from({ length: 500 }, (_, i) => `model-${i}`)));
        const server = await serve(answer(packed.subarray(0, Math.floor(packed.length / 2)), { 'content-encoding': 'gzip' }));
        expect(await prober().probe(backend(server.url))).toMatchObject({ outcome: 'failure', kind: 'parse', message: 'truncated JSON' });
      });

      it('a corrupt body on an error status is judged by the status', async () => {
        const server = await serve(answer(Buffer.from('not gzip'), { 'content-encoding': 'gzip' }, 503));
        expect(await prober().probe(backend(server.url))).toMatchObject({ outcome: 'failure', kind: 'http', message: 'HTTP 503 Service Unavailable' });
      });

      it('a reset in the middle of a compressed body is a connection failure, not a corrupt body', async () => {
        const packed = zlib.gzipSync(modelsBody(Array.from({ length: 5_000 }, (_, i) => `model-${i}`)));
        const server = await serve((req, res) => {
          res.writeHead(200, { 'content-encoding': 'gzip', 'content-length': String(packed.length) });
          res.write(packed.subarray(0, 1_000));
          setTimeout(() => req.socket.resetAndDestroy(), 20);
        });
        expect(await prober().probe(backend(server.url))).toMatchObject({ outcome: 'failure', kind: 'connection', message: 'connection reset' });
      });
    });

    describe('a 200 is judged by its body, not its Content-Type', () => {
      it.each([
        ['JSON labelled text/plain', 'text/plain', MODELS, { outcome: 'ok', models: ['a', 'b'] }],
        ['JSON with no Content-Type', undefined, MODELS, { outcome: 'ok', models: ['a', 'b'] }],
        ['an HTML page labelled text/html', 'text/html', '<!DOCTYPE html><html><body>Sign in</body></html>', { outcome: 'failure', kind: 'parse', message: 'expected JSON, got HTML' }],
        ['plain text', 'text/plain', 'Ollama is running', { outcome: 'failure', kind: 'parse', message: 'expected JSON, got text: Ollama is running' }],
        ['duplicate ids', 'application/json', modelsBody(['a', 'b', 'a', 'b', 'c']), { outcome: 'ok', models: ['a', 'b', 'c'] }],
        ['a BOM then invalid UTF-8', 'application/json', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"data":[{"id":"x\xff\xfey"}]}', 'latin1')]), { outcome: 'ok', models: ['x\uFFFD\uFFFDy'] }],
      ] as const)('%s', async (_name, type, body, expected) => {
        const server = await serve((_req, res: ServerResponse) => {
          if (type) res.setHeader('content-type', type);
          res.writeHead(200).end(body);
        });
        expect(await prober().probe(backend(server.url))).toMatchObject(expected);
      });
    });

    /** A bare HTTP/1.1 server on net: answers every request with MODELS, no Keep-Alive header (as uvicorn, Go). */
    interface RawServer {
      url: string;
      port: number;
      requests: number;
      connections: number;
    }
    type RawAction = 'answer' | 'drop' | 'cut';
    async function rawServer(onRequest: (socket: Socket, nth: { onSocket: number; total: number }) => RawAction, idleCloseMs?: number): Promise<RawServer> {
      const state = { requests: 0, connections: 0 };
      const sockets = new Set<Socket>();
      const tcp: TcpServer = createTcpServer((socket) => {
        state.connections++;
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
        socket.on('error', () => {});
        let pending = '';
        let onSocket = 0;
        let idle: NodeJS.Timeout | undefined;
        const arm = (): void => {
          clearTimeout(idle);
          if (idleCloseMs !== undefined) idle = setTimeout(() => socket.destroy(), idleCloseMs);
        };
        socket.on('close', () => clearTimeout(idle));
        socket.on('data', (data) => {
          clearTimeout(idle);
          pending += data.toString('latin1');
          for (let end = pending.indexOf('\r\n\r\n'); end >= 0; end = pending.indexOf('\r\n\r\n')) {
            pending = pending.slice(end + 4);
            state.requests++;
            onSocket++;
            const action = onRequest(socket, { onSocket, total: state.requests });
            if (action === 'drop') return void socket.destroy();
            const answer = `HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(MODELS)}\r\n\r\n${MODELS}`;
            // 'cut': the headers and half the body, then the connection goes.
            if (action === 'cut') return void socket.end(answer.slice(0, answer.length - 10));
            socket.write(answer);
            arm();
          }
        });
        arm();
      });
      await new Promise<void>((resolve) => tcp.listen(0, '127.0.0.1', resolve));
      const { port } = tcp.address() as AddressInfo;
      cleanups.push(async () => {
        for (const socket of sockets) socket.destroy();
        await new Promise((resolve) => tcp.close(resolve));
      });
      return Object.assign(state, { url: `http://127.0.0.1:${port}`, port }) as RawServer & typeof state;
    }

    // Only the pool reuses connections; a single connection cannot go stale between probes.
    if (mode === 'pooled') {
      describe('a kept-alive connection the server closed is not a backend failure', () => {
        it('probes at gaps around the server idle timeout all succeed (the close races our reuse)', async () => {
          // Closing idle sockets after 20 ms without saying so: a probe sent as the server closes meets a
          // reset or "other side closed". Without the retry, about 1 probe in 15 failed here.
          const server = await rawServer(() => 'answer', 20);
          const p = prober();
          const failures: ProbeResult[] = [];
          for (let i = 0; i < 120; i++) {
            await sleep(17 + (i % 7));
            const result = await p.probe(backend(server.url));
            if (result.outcome !== 'ok') failures.push(result);
          }
          expect(failures).toEqual([]);
          // The race did happen (requests lost with their socket were sent again), and only ever once per probe.
          expect(server.requests).toBeLessThanOrEqual(120 * 2);
        });

        it('a request lost on a reused socket is sent once more, on a new connection', async () => {
          // Each socket answers its first request and is dropped at the second: always a stale reuse.
          const server = await rawServer((_s, { onSocket }) => (onSocket === 1 ? 'answer' : 'drop'));
          const p = prober();
          expect(await p.probe(backend(server.url))).toMatchObject({ outcome: 'ok' });
          await sleep(20);
          expect(await p.probe(backend(server.url))).toMatchObject({ outcome: 'ok', models: ['a', 'b'] });
          expect({ requests: server.requests, connections: server.connections }).toEqual({ requests: 3, connections: 2 });
        });

        it('a server that drops the connection on every request is a connection failure, retried at most once', async () => {
          const server = await rawServer((_s, { total }) => (total === 1 ? 'answer' : 'drop'));
          const p = prober();
          expect(await p.probe(backend(server.url))).toMatchObject({ outcome: 'ok' });
          await sleep(20);
          // Reused socket dropped → one retry on a new connection → dropped too → failure.
          const before = server.requests;
          expect(await p.probe(backend(server.url))).toMatchObject({ outcome: 'failure', kind: 'connection' });
          expect(server.requests - before).toBe(2);
          // A new connection dropped is no stale socket: no retry at all.
          for (let i = 0; i < 3; i++) {
            const start = server.requests;
            expect(await p.probe(backend(server.url))).toMatchObject({ outcome: 'failure', kind: 'connection', message: 'connection closed by the server' });
            expect(server.requests - start).toBe(1);
          }
        });

        it('a reused socket that fails after the answer began is not retried (the server did answer)', async () => {
          const server = await rawServer((_s, { onSocket }) => (onSocket === 1 ? 'answer' : 'cut'));
          const p = prober();
          expect(await p.probe(backend(server.url))).toMatchObject({ outcome: 'ok' });
          await sleep(20);
          expect(await p.probe(backend(server.url))).toMatchObject({ outcome: 'failure', kind: 'connection', message: 'connection closed by the server' });
          expect(server.requests).toBe(2);
        });

        it('a server dropping every connection from the start is never retried', async () => {
          const server = await rawServer(() => 'drop');
          const [result, ms] = await timed(prober().probe(backend(server.url)));
          expect(result).toMatchObject({ outcome: 'failure', kind: 'connection' });
          expect(server.requests).toBe(1);
          expect(ms).toBeLessThan(500);
        });
      });
    }

    describe('a restarted server', () => {
      const models = answer(MODELS);

      it('is a connection failure while down and healthy as soon as it is back on the same port', async () => {
        const first = await serve(models);
        const p = prober();
        expect(await p.probe(backend(first.url))).toMatchObject({ outcome: 'ok' });
        await first.close();
        expect(await p.probe(backend(first.url))).toMatchObject({ outcome: 'failure', kind: 'connection', message: 'connection refused' });
        const second = await serve(models, { port: first.port });
        expect(await p.probe(backend(second.url))).toMatchObject({ outcome: 'ok', models: ['a', 'b'] });
      });

      it('back before the next probe: the first probe after each restart is healthy (no stale pooled socket)', async () => {
        const p = prober();
        let port = 0;
        for (let round = 0; round < 5; round++) {
          const server = await serve(models, { port });
          port = server.port;
          expect(await p.probe(backend(server.url))).toMatchObject({ outcome: 'ok' });
          await server.close();
        }
      });

      it('killed without a FIN reaching us (RST) is healthy again at once', async () => {
        const p = prober();
        const first = await serve(models);
        expect(await p.probe(backend(first.url))).toMatchObject({ outcome: 'ok' });
        for (const socket of first.sockets) socket.resetAndDestroy();
        await new Promise<void>((resolve) => first.server.close(() => resolve()));
        const second = await serve(models, { port: first.port });
        expect(await p.probe(backend(second.url))).toMatchObject({ outcome: 'ok' });
      });
    });

    it('a port that is closed is refused, not retried', async () => {
      const port = await closedPort();
      expect(await prober().probe(backend(`http://127.0.0.1:${port}`))).toMatchObject({ outcome: 'failure', kind: 'connection', message: 'connection refused' });
    });
  });
}
