import { describe, expect, it } from 'vitest';
import { wireHttpAnswer } from '../../test/helpers/wire.js';
import { BACKEND_TYPES } from '../config/types.js';
import { driverFor } from './index.js';
import type { Exchange, Get } from './types.js';

/** A `get` answering from a table of paths (the seam the driver is written against), recording the paths asked. */
function table(routes: Record<string, Exchange>): { get: Get; asked: string[] } {
  const asked: string[] = [];
  const get: Get = async (path) => {
    asked.push(path);
    return routes[path] ?? { ok: false, kind: 'connection', message: 'connection refused' };
  };
  return { get, asked };
}
const wire = (file: string): Exchange => ({ ok: true, ...wireHttpAnswer(file) });
const LOADING: Exchange = {
  ok: true,
  status: 503,
  headers: { 'content-type': 'application/json; charset=utf-8' },
  body: '{"error":{"code":503,"message":"Loading model","type":"unavailable_error"}}',
};

describe('driverFor', () => {
  it('has a driver for every backend type', () => {
    for (const type of BACKEND_TYPES) expect(driverFor(type).type).toBe(type);
  });

  it('probes the documented path of each type', () => {
    const paths = Object.fromEntries(BACKEND_TYPES.map((t) => [t, driverFor(t).path]));
    expect(paths).toEqual({
      ollama: '/api/tags',
      vllm: '/v1/models',
      llamacpp: '/health',
      exo: '/v1/models',
      openai: '/v1/models',
      lmstudio: '/v1/models',
      generic: '/v1/models',
      anthropic: '/v1/models',
      google: '/v1beta/models',
    });
  });

  it('sends the API key in the header each service expects', () => {
    expect(driverFor('anthropic').authHeaders('sk-ant')).toEqual({ 'x-api-key': 'sk-ant', 'anthropic-version': '2023-06-01' });
    expect(driverFor('google').authHeaders('AIza')).toEqual({ 'x-goog-api-key': 'AIza' });
    for (const type of ['ollama', 'vllm', 'llamacpp', 'exo', 'openai', 'lmstudio', 'generic'] as const) {
      expect(driverFor(type).authHeaders('k1')).toEqual({ authorization: 'Bearer k1' });
    }
  });

  it.each(BACKEND_TYPES.filter((t) => t !== 'llamacpp'))('%s: one GET of its path; a transport failure passes through', async (type) => {
    const { get, asked } = table({});
    expect(await driverFor(type).check(get)).toEqual({ outcome: 'failure', kind: 'connection', message: 'connection refused' });
    expect(asked).toEqual([driverFor(type).path]);
  });

  it.each(BACKEND_TYPES)('%s: loading on the first request is loading', async (type) => {
    const { get } = table({ [driverFor(type).path]: LOADING });
    expect(await driverFor(type).check(get)).toEqual({ outcome: 'loading', message: 'Loading model' });
  });

  it('ollama reads /api/tags', async () => {
    const { get } = table({ '/api/tags': wire('ollama/api_tags.http') });
    expect(await driverFor('ollama').check(get)).toEqual({ outcome: 'ok', models: ['deepseek-r1:latest', 'llama3.2:latest'] });
  });

  it('an LM Studio server configured as ollama says why', async () => {
    const { get } = table({ '/api/tags': { ok: true, status: 200, headers: {}, body: '{"error":"Unexpected endpoint or method. (GET /api/tags)"}' } });
    expect(await driverFor('ollama').check(get)).toMatchObject({ outcome: 'failure', kind: 'http', message: 'HTTP 200: Unexpected endpoint or method. (GET /api/tags)' });
  });
});

describe('llama.cpp: /health decides, /v1/models lists', () => {
  const driver = driverFor('llamacpp');

  it('healthy with its models', async () => {
    const { get, asked } = table({ '/health': wire('llamacpp/health_ok.http'), '/v1/models': wire('llamacpp/v1_models.http') });
    expect(await driver.check(get)).toEqual({ outcome: 'ok', models: ['llama-3.1-8b'] });
    expect(asked).toEqual(['/health', '/v1/models']);
  });

  it('healthy with models null (keep last) when /v1/models fails in any way', async () => {
    for (const models of [
      wire('llamacpp/not_found.http'),
      wire('synthetic/truncated_json.http'),
      LOADING,
      { ok: false, kind: 'timeout', message: 'timed out after 5s' } as Exchange,
    ]) {
      const { get } = table({ '/health': wire('llamacpp/health_ok.http'), '/v1/models': models });
      expect(await driver.check(get)).toEqual({ outcome: 'ok', models: null });
    }
  });

  it('loading, failing or unreachable /health does not ask for models', async () => {
    const cases: Array<[Exchange | undefined, unknown]> = [
      [LOADING, { outcome: 'loading', message: 'Loading model' }],
      [wire('synthetic/proxy_502_nginx.http'), { outcome: 'failure', kind: 'http', message: 'HTTP 502 Bad Gateway', status: 502 }],
      [undefined, { outcome: 'failure', kind: 'connection', message: 'connection refused' }],
    ];
    for (const [health, expected] of cases) {
      const { get, asked } = table(health ? { '/health': health, '/v1/models': wire('llamacpp/v1_models.http') } : {});
      expect(await driver.check(get)).toEqual(expected);
      expect(asked).toEqual(['/health']);
    }
  });
});
