import { describe, expect, it } from 'vitest';
import { ROUTER_BODIES } from '../../test/helpers/router-bodies.js';
import { wireHttpAnswer } from '../../test/helpers/wire.js';
import { parseRouterHealth, parseRouterStats, readExchange, routerUnreachable, routerViewOf } from './router.js';
import type { HttpAnswer } from './types.js';

const UNSAFE = /[\u0000-\u001f\u007f-\u009f]/;
const json = (value: unknown, status = 200): HttpAnswer => ({ status, headers: { 'content-type': 'application/json' }, body: JSON.stringify(value) });
const text = (body: string, status = 200, headers: Record<string, string> = {}): HttpAnswer => ({ status, headers, body });

describe('the Nexus wire bodies', () => {
  it('reads /v1/stats per backend name (the UUIDs are not used)', () => {
    const parsed = parseRouterStats(wireHttpAnswer('nexus/v1_stats.http'));
    expect(parsed).toEqual({
      ok: true,
      value: new Map([
        ['gpu-node-1', { pending: 4, requests: 12001, averageLatencyMs: 23.4 }],
        ['gpu-node-2', { pending: 0, requests: 6233, averageLatencyMs: 31 }],
      ]),
    });
  });

  it('reads /health as a summary', () => {
    expect(parseRouterHealth(wireHttpAnswer('nexus/health.http'))).toEqual({
      ok: true,
      value: { status: 'degraded', backendsTotal: 2, backendsHealthy: 1, backendsUnhealthy: 1, models: 3, uptimeSeconds: 86412 },
    });
  });

  it('has a reading for every router body listed', () => {
    for (const [file, kind] of Object.entries(ROUTER_BODIES)) {
      const parse = kind === 'stats' ? parseRouterStats : parseRouterHealth;
      expect(parse(wireHttpAnswer(file)).ok, file).toBe(true);
    }
  });
});

describe('garbage from the router', () => {
  it('turns missing and non-number figures into null, never 0', () => {
    const parsed = parseRouterStats(
      json({
        backends: [
          { name: 'a' },
          { name: 'b', pending: '4', requests: null, average_latency_ms: 'fast' },
          { name: 'c', pending: -1, requests: 1e400, average_latency_ms: -3 },
          { name: 'd', pending: 2.6, requests: 10, average_latency_ms: 0 },
        ],
      }),
    );
    expect(parsed).toEqual({
      ok: true,
      value: new Map([
        ['a', { pending: null, requests: null, averageLatencyMs: null }],
        ['b', { pending: null, requests: null, averageLatencyMs: null }],
        ['c', { pending: null, requests: null, averageLatencyMs: null }],
        ['d', { pending: 3, requests: 10, averageLatencyMs: 0 }],
      ]),
    });
  });

  it('skips entries without a usable name and sanitises names', () => {
    const parsed = parseRouterStats(json({ backends: [null, 7, { pending: 1 }, { name: 42, pending: 1 }, { name: '  ' }, { name: '\u001b[31mgpu\u0007-1\u001b]0;pwned\u0007', pending: 1 }] }));
    expect(parsed.ok && [...parsed.value.keys()]).toEqual(['gpu-1']);
  });

  it('adds up a name listed twice, averaging latency over the requests', () => {
    const parsed = parseRouterStats(
      json({
        backends: [
          { name: 'x', pending: 1, requests: 10, average_latency_ms: 10 },
          { name: 'x', pending: 2, requests: 30, average_latency_ms: 30 },
        ],
      }),
    );
    expect(parsed.ok && parsed.value.get('x')).toEqual({ pending: 3, requests: 40, averageLatencyMs: 25 });
  });

  it('says why a body is not stats', () => {
    const message = (a: HttpAnswer) => {
      const r = parseRouterStats(a);
      return r.ok ? 'ok' : `${r.error.kind}: ${r.error.message}`;
    };
    expect(message(text('<html><body>502 Bad Gateway</body></html>', 200, { 'content-type': 'text/html' }))).toBe('parse: expected JSON, got HTML');
    expect(message(text('{"backends":[{"name":"a"', 200))).toBe('parse: truncated JSON');
    expect(message(text('', 200))).toBe('parse: empty body');
    expect(message(json([1, 2]))).toBe('parse: expected a JSON object, got an array');
    expect(message(json({ status: 'ok' }))).toBe('parse: no "backends" list in the answer (is it a Nexus router?)');
    expect(message(json({ backends: {} }))).toBe('parse: "backends" is not an array');
    expect(message(json({ error: { message: 'no such route' } }, 404))).toBe('http: HTTP 404: no such route');
    expect(message(text('', 302, { location: 'http://elsewhere/login?token=x' }))).toBe('http: HTTP 302 Found (redirect to http://elsewhere/login, not followed)');
  });

  it('reads a /health with odd fields without failing', () => {
    expect(parseRouterHealth(json({ status: 7, backends: 'two', models: NaN, uptime_seconds: -1 }))).toEqual({
      ok: true,
      value: { status: 'unknown', backendsTotal: null, backendsHealthy: null, backendsUnhealthy: null, models: null, uptimeSeconds: null },
    });
    const hostile = parseRouterHealth(json({ status: '\u001b[2Jdegraded\u009b31m' + 'x'.repeat(200) }));
    expect(hostile.ok && hostile.value.status).not.toMatch(UNSAFE);
    expect(hostile.ok && hostile.value.status.length).toBeLessThanOrEqual(40);
    expect(parseRouterHealth(text('not json')).ok).toBe(false);
  });
});

describe('one round of both endpoints', () => {
  const stats = parseRouterStats(wireHttpAnswer('nexus/v1_stats.http'));
  const health = parseRouterHealth(wireHttpAnswer('nexus/health.http'));
  const refused = readExchange({ ok: false, kind: 'connection', message: 'connection refused' }, parseRouterStats);

  it('has no error when both answered', () => {
    const view = routerViewOf('http://r:8000', 5, stats, health);
    expect(view.error).toBeNull();
    expect(view.backends.get('gpu-node-1')?.pending).toBe(4);
    expect(view.health?.status).toBe('degraded');
  });

  it('says the router is down once when both failed the same way', () => {
    const view = routerViewOf('http://r:8000', 5, refused, readExchange({ ok: false, kind: 'connection', message: 'connection refused' }, parseRouterHealth));
    expect(view.error).toEqual({ kind: 'connection', message: 'connection refused' });
    expect(view.backends.size).toBe(0);
    expect(view.health).toBeNull();
    expect(routerUnreachable(view)).toBe(true);
  });

  it('names the endpoint that failed and keeps what the other gave', () => {
    const view = routerViewOf('http://r:8000', 5, readExchange({ ok: true, status: 404, headers: {}, body: '' }, parseRouterStats), health);
    expect(view.error).toEqual({ kind: 'http', message: '/v1/stats: HTTP 404 Not Found' });
    expect(view.health?.backendsHealthy).toBe(1);
    expect(routerUnreachable(view)).toBe(false);
  });
});
