import { afterEach, describe, expect, it } from 'vitest';
import { closedPort, sendWire, serveRoutes, startLoopback, type Handler, type Loopback } from '../../test/helpers/loopback.js';
import { loadWire } from '../../test/helpers/wire.js';
import { createRouterReader, type RouterReader } from './router.js';

const servers: Loopback[] = [];
const readers: RouterReader[] = [];

afterEach(async () => {
  await Promise.all(readers.splice(0).map((r) => r.close()));
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function serve(handler: Handler): Promise<Loopback> {
  const s = await startLoopback(handler);
  servers.push(s);
  return s;
}

const NEXUS = { '/v1/stats': 'nexus/v1_stats.http', '/health': 'nexus/health.http' };

function reader(url: string, opts: { timeoutMs?: number; bodyLimitBytes?: number; connections?: 'pooled' | 'single' } = {}): RouterReader {
  const r = createRouterReader({ url, timeoutMs: opts.timeoutMs ?? 2_000, bodyLimitBytes: opts.bodyLimitBytes ?? 1024 * 1024, connections: opts.connections ?? 'pooled', now: () => 42 });
  readers.push(r);
  return r;
}

for (const connections of ['pooled', 'single'] as const) {
  describe(`${connections} connections`, () => {
    it('reads both endpoints of a real router', async () => {
      const server = await serveRoutes(NEXUS);
      servers.push(server);
      const view = await reader(server.url, { connections }).read();
      expect(view.error).toBeNull();
      expect(view.at).toBe(42);
      expect(view.health).toMatchObject({ status: 'degraded', backendsHealthy: 1, backendsTotal: 2 });
      expect(view.backends.get('gpu-node-1')).toEqual({ pending: 4, requests: 12001, averageLatencyMs: 23.4 });
      expect(server.requests.map((r) => r.url).sort()).toEqual(['/health', '/v1/stats']);
    });

    it('says a refused port once, with nothing made up', async () => {
      const port = await closedPort();
      const view = await reader(`http://127.0.0.1:${port}`, { connections }).read();
      expect(view.error).toEqual({ kind: 'connection', message: 'connection refused' });
      expect(view.health).toBeNull();
      expect(view.backends.size).toBe(0);
    });

    it('gives up on a router that hangs at the deadline', async () => {
      const server = await serve(() => {});
      const started = Date.now();
      const view = await reader(server.url, { timeoutMs: 300, connections }).read();
      expect(Date.now() - started).toBeLessThan(2_000);
      expect(view.error).toEqual({ kind: 'timeout', message: 'timed out after 300ms' });
    });

    it('reads an HTML page as not a router', async () => {
      const html = loadWire('synthetic/proxy_502_nginx.http');
      const server = await serve((_req, res) => sendWire(res, { ...html, status: 200, statusText: 'OK' }));
      const view = await reader(server.url, { connections }).read();
      expect(view.error).toEqual({ kind: 'parse', message: 'expected JSON, got HTML' });
    });
  });
}

describe('what the router URL carries', () => {
  it('sends the password as Basic auth and never shows it, even when the router echoes it', async () => {
    const server = await serve((req, res) => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      if (path === '/v1/stats') return sendWire(res, loadWire('nexus/v1_stats.http'));
      res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: `bad auth ${req.headers.authorization} s3cret-pa55` } }));
    });
    const r = reader(server.url.replace('http://', 'http://ops:s3cret-pa55@'));
    expect(r.url).not.toContain('s3cret');
    const view = await r.read();
    expect(server.requests[0]!.headers.authorization).toBe(`Basic ${Buffer.from('ops:s3cret-pa55').toString('base64')}`);
    expect(view.url).not.toContain('s3cret');
    expect(view.error?.message).toMatch(/^\/health: HTTP 500: bad auth/);
    expect(view.error?.message).not.toContain('s3cret');
    expect(view.error?.message).not.toContain(Buffer.from('ops:s3cret-pa55').toString('base64'));
    expect(view.backends.get('gpu-node-2')?.pending).toBe(0);
  });

  it('keeps a path prefix (a router behind a proxy) and does not follow redirects', async () => {
    const server = await serve((req, res) => {
      if (req.url === '/nexus/v1/stats') return sendWire(res, loadWire('nexus/v1_stats.http'));
      res.writeHead(302, { location: '/login' }).end();
    });
    const view = await reader(`${server.url}/nexus/`).read();
    expect(view.backends.size).toBe(2);
    expect(view.error).toEqual({ kind: 'http', message: '/health: HTTP 302 Found (redirect to /login, not followed)' });
    expect(server.requests.map((r) => r.url).sort()).toEqual(['/nexus/health', '/nexus/v1/stats']);
  });

  it('stops reading a body past the limit', async () => {
    const server = await serve((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(`{"backends":[${'{"name":"x"},'.repeat(20_000)}{}]}`));
    const view = await reader(server.url, { bodyLimitBytes: 64 * 1024 }).read();
    expect(view.error).toEqual({ kind: 'parse', message: 'body over 64 KiB' });
  });

  it('is cancelled with the signal it is given', async () => {
    const server = await serve(() => {});
    const abort = new AbortController();
    const reading = reader(server.url, { timeoutMs: 10_000 }).read(abort.signal);
    setTimeout(() => abort.abort(), 50);
    const view = await reading;
    expect(view.error?.message).toBe('cancelled');
  });
});
