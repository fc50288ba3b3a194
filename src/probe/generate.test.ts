/** The generation check against real loopback servers: what it asks each type, and what each answer means. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { backend } from '../../test/helpers/fleet.js';
import { startLoopback, type Loopback } from '../../test/helpers/loopback.js';
import type { BackendConfig, BackendType } from '../config/types.js';
import { createGenerationChecker } from './generate.js';
import type { Connections } from './http.js';
import { createProber, type Prober } from './probe.js';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: unknown;
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A server answering `reply`, which also sees each request's parsed JSON body (kept in `seen`). */
async function server(reply: (seen: Seen, res: ServerResponse) => void): Promise<{ loop: Loopback; seen: Seen[] }> {
  const seen: Seen[] = [];
  const loop = await startLoopback((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown = null;
      try {
        body = text ? JSON.parse(text) : null;
      } catch {
        body = text;
      }
      const s = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body };
      seen.push(s);
      reply(s, res);
    });
  });
  cleanups.push(() => loop.close());
  return { loop, seen };
}

const json = (res: ServerResponse, status: number, body: unknown): void => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};

const COMPLETION = { id: 'cmpl-1', object: 'text_completion', model: 'm1', choices: [{ index: 0, text: ' the', finish_reason: 'length' }], usage: { prompt_tokens: 1, completion_tokens: 1 } };

function checkerOf(options: { timeoutMs?: number; env?: Record<string, string>; connections?: Connections } = {}): { prober: Prober; check: ReturnType<typeof createGenerationChecker>['check'] } {
  const prober = createProber({ timeoutMs: options.timeoutMs ?? 2_000, bodyLimitBytes: 1 << 20, env: options.env ?? {}, ...(options.connections ? { connections: options.connections } : {}) });
  cleanups.push(() => prober.close());
  const checker = createGenerationChecker({ side: (b, use, signal) => prober.side(b, use, signal), now: () => 1_000 });
  return { prober, check: (b, named, listed, signal) => checker.check(b, named, listed, signal) };
}

const at = (loop: Loopback, type: BackendType, extra: Partial<BackendConfig> = {}): BackendConfig => backend('gpu-1', { url: loop.url, type, ...extra });

describe('generation check, OpenAI-compatible servers', () => {
  for (const connections of ['pooled', 'single'] as const) {
    it(`asks POST /v1/completions for one token of the first listed model, with the API key (${connections})`, async () => {
      const { loop, seen } = await server((_s, res) => json(res, 200, COMPLETION));
      const { check } = checkerOf({ env: { KEY: 'sk-secret' }, connections });
      const result = await check(at(loop, 'vllm', { apiKeyEnv: 'KEY' }), undefined, ['m1', 'm2'], undefined);
      expect(result).toMatchObject({ backend: 'gpu-1', at: 1_000, ok: true, model: 'm1', error: null, skipped: null });
      expect(result.ttftMs).toBeGreaterThan(0);
      expect(seen).toHaveLength(1);
      expect(seen[0]).toMatchObject({ method: 'POST', url: '/v1/completions', body: { model: 'm1', max_tokens: 1, stream: false } });
      expect(seen[0]!.headers['authorization']).toBe('Bearer sk-secret');
      expect(seen[0]!.headers['content-type']).toBe('application/json');
    });
  }

  it('asks the model named in [top.generate_models] over the listed one', async () => {
    const { loop, seen } = await server((_s, res) => json(res, 200, COMPLETION));
    const { check } = checkerOf();
    expect(await check(at(loop, 'llamacpp'), 'tiny', ['m1'])).toMatchObject({ ok: true, model: 'tiny' });
    expect(seen.map((s) => (s.body as { model: string }).model)).toEqual(['tiny']);
  });

  it('with no model known yet, lists them the probe way first, then asks the first', async () => {
    const { loop, seen } = await server((s, res) => (s.url === '/v1/models' ? json(res, 200, { object: 'list', data: [{ id: 'qwen' }] }) : json(res, 200, COMPLETION)));
    const { check } = checkerOf();
    expect(await check(at(loop, 'generic'), undefined, [])).toMatchObject({ ok: true, model: 'qwen' });
    expect(seen.map((s) => `${s.method} ${s.url}`)).toEqual(['GET /v1/models', 'POST /v1/completions']);
  });

  it('a server that lists no model: skipped, says so, asks no completion', async () => {
    const { loop, seen } = await server((_s, res) => json(res, 200, { object: 'list', data: [] }));
    const { check } = checkerOf();
    expect(await check(at(loop, 'vllm'), undefined, [])).toMatchObject({ ok: false, skipped: 'no model listed yet', error: null, ttftMs: null });
    expect(seen.map((s) => s.url)).toEqual(['/v1/models']);
  });

  it('a 500 with a CUDA error body: an http failure in the server words, the key masked', async () => {
    const { loop } = await server((_s, res) => json(res, 500, { error: { message: 'CUDA error: an illegal memory access was encountered (key sk-secret)', type: 'server_error' } }));
    const { check } = checkerOf({ env: { KEY: 'sk-secret' } });
    const result = await check(at(loop, 'vllm', { apiKeyEnv: 'KEY' }), undefined, ['m1']);
    expect(result).toMatchObject({ ok: false, model: 'm1', ttftMs: null, skipped: null, error: { kind: 'http' } });
    expect(result.error!.message).toContain('HTTP 500: CUDA error: an illegal memory access');
    expect(result.error!.message).not.toContain('sk-secret');
  });

  it('a server that never answers: a timeout at the probe deadline', async () => {
    const { loop } = await server(() => {
      /* never answers */
    });
    const { check } = checkerOf({ timeoutMs: 300 });
    const started = Date.now();
    const result = await check(at(loop, 'vllm'), undefined, ['m1']);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(result).toMatchObject({ ok: false, model: 'm1', ttftMs: null, error: { kind: 'timeout' } });
  });

  it('HTML garbage with a 200: a parse failure that never echoes the markup', async () => {
    const { loop } = await server((_s, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html><body><script>alert(1)</script>Sign in to the proxy\u001b[2J</body></html>');
    });
    const { check } = checkerOf();
    const result = await check(at(loop, 'lmstudio'), undefined, ['m1']);
    expect(result).toMatchObject({ ok: false, error: { kind: 'parse', message: 'expected JSON, got HTML' } });
  });

  it('a 200 without choices, or only an error: failures', async () => {
    let body: unknown = { id: 'x' };
    const { loop } = await server((_s, res) => json(res, 200, body));
    const { check } = checkerOf();
    expect((await check(at(loop, 'vllm'), undefined, ['m1'])).error).toEqual({ kind: 'parse', message: 'no "choices" in the completion answer' });
    body = { error: { message: 'model m1 is not served' } };
    expect((await check(at(loop, 'vllm'), undefined, ['m1'])).error).toEqual({ kind: 'http', message: 'HTTP 200: model m1 is not served' });
  });

  it('no completion endpoint (a bare 404/405/501): skipped, saying so; a 404 with the server reason is a failure', async () => {
    let reply: [number, unknown] = [404, { detail: 'Not Found' }];
    const { loop } = await server((_s, res) => json(res, reply[0], reply[1]));
    const { check } = checkerOf();
    expect(await check(at(loop, 'vllm'), undefined, ['m1'])).toMatchObject({ ok: false, error: null, skipped: 'the completion endpoint is not served here (HTTP 404)' });
    reply = [405, 'Method Not Allowed'];
    expect((await check(at(loop, 'generic'), undefined, ['m1'])).skipped).toBe('the completion endpoint is not served here (HTTP 405)');
    reply = [404, { object: 'error', message: 'The model `m1` does not exist.', type: 'NotFoundError', code: 404 }];
    expect(await check(at(loop, 'vllm'), undefined, ['m1'])).toMatchObject({ ok: false, skipped: null, error: { kind: 'http', message: 'HTTP 404: The model `m1` does not exist.' } });
  });

  it('llama.cpp still loading its model (503 unavailable_error): skipped, not a failure', async () => {
    const { loop } = await server((_s, res) => json(res, 503, { error: { code: 503, message: 'Loading model', type: 'unavailable_error' } }));
    const { check } = checkerOf();
    expect(await check(at(loop, 'llamacpp'), undefined, ['m1'])).toMatchObject({ ok: false, error: null, skipped: 'backend is loading: Loading model' });
  });

  it('a refused connection: a connection failure', async () => {
    const { loop } = await server((_s, res) => json(res, 200, COMPLETION));
    const url = loop.url;
    await loop.close();
    const { check } = checkerOf();
    expect((await check(backend('gone', { url, type: 'vllm' }), undefined, ['m1'])).error?.kind).toBe('connection');
  });

  it('cloud types: OpenAI chat completions, Anthropic messages, Google generateContent, each one token, each with its key header', async () => {
    const { loop, seen } = await server((s, res) => {
      if (s.url.startsWith('/v1/chat/completions')) return json(res, 200, { choices: [{ message: { content: 'Hi' } }] });
      if (s.url === '/v1/messages') return json(res, 200, { content: [{ type: 'text', text: 'Hi' }] });
      return json(res, 200, { candidates: [{ content: { parts: [{ text: 'Hi' }] } }] });
    });
    const { check } = checkerOf({ env: { K: 'k1' } });
    expect(await check(at(loop, 'openai', { apiKeyEnv: 'K' }), 'gpt-4o-mini', [])).toMatchObject({ ok: true, model: 'gpt-4o-mini' });
    expect(await check(at(loop, 'anthropic', { apiKeyEnv: 'K' }), 'claude-haiku', [])).toMatchObject({ ok: true });
    expect(await check(at(loop, 'google', { apiKeyEnv: 'K' }), 'models/gemini-2.0-flash', [])).toMatchObject({ ok: true });
    expect(seen.map((s) => `${s.method} ${s.url}`)).toEqual(['POST /v1/chat/completions', 'POST /v1/messages', 'POST /v1beta/models/gemini-2.0-flash:generateContent']);
    expect(seen[0]!.body).toMatchObject({ model: 'gpt-4o-mini', max_tokens: 1 });
    expect(seen[1]!.body).toMatchObject({ model: 'claude-haiku', max_tokens: 1 });
    expect(seen[1]!.headers['x-api-key']).toBe('k1');
    expect(seen[2]!.body).toMatchObject({ generationConfig: { maxOutputTokens: 1 } });
    expect(seen[2]!.headers['x-goog-api-key']).toBe('k1');
  });
});

describe('generation check, Ollama', () => {
  const ps = (names: string[]) => ({ models: names.map((name) => ({ name, model: name, size: 100, size_vram: 100, expires_at: '2026-12-02T20:00:00Z' })) });

  async function ollama(loaded: string[]): Promise<{ loop: Loopback; seen: Seen[] }> {
    return server((s, res) => {
      if (s.url === '/api/ps') return json(res, 200, ps(loaded));
      if (s.url === '/api/generate') return json(res, 200, { model: (s.body as { model: string }).model, response: 'Hi', done: true });
      json(res, 404, { error: 'not found' });
    });
  }

  it('asks /api/generate (num_predict 1, stream false) for the first model /api/ps says is loaded', async () => {
    const { loop, seen } = await ollama(['qwen3:14b', 'llama3:latest']);
    const { check } = checkerOf();
    const result = await check(at(loop, 'ollama'), undefined, ['a:1', 'qwen3:14b']);
    expect(result).toMatchObject({ ok: true, model: 'qwen3:14b', error: null });
    expect(result.ttftMs).toBeGreaterThan(0);
    expect(seen.map((s) => `${s.method} ${s.url}`)).toEqual(['GET /api/ps', 'POST /api/generate']);
    expect(seen[1]!.body).toMatchObject({ model: 'qwen3:14b', stream: false, options: { num_predict: 1 } });
  });

  it('asks the named model when it is loaded (a name without a tag is :latest)', async () => {
    const { loop, seen } = await ollama(['qwen3:14b', 'llama3:latest']);
    const { check } = checkerOf();
    expect(await check(at(loop, 'ollama'), 'llama3', [])).toMatchObject({ ok: true, model: 'llama3:latest' });
    expect((seen[1]!.body as { model: string }).model).toBe('llama3:latest');
  });

  it('no model loaded: skipped, says so, and /api/generate is never called', async () => {
    const { loop, seen } = await ollama([]);
    const { check } = checkerOf();
    const result = await check(at(loop, 'ollama'), undefined, ['qwen3:14b']);
    expect(result).toMatchObject({ ok: false, model: null, ttftMs: null, error: null, skipped: 'no model loaded (the check never loads one)' });
    expect(seen.map((s) => s.url)).toEqual(['/api/ps']);
  });

  it('the named model not loaded: skipped, /api/generate never called', async () => {
    const { loop, seen } = await ollama(['qwen3:14b']);
    const { check } = checkerOf();
    expect(await check(at(loop, 'ollama'), 'mistral', [])).toMatchObject({ ok: false, skipped: 'mistral is not loaded', error: null });
    expect(seen.map((s) => s.url)).toEqual(['/api/ps']);
  });

  it('/api/ps failing or garbage: skipped (which model is loaded cannot be told), no generate asked', async () => {
    let bad = true;
    const { loop, seen } = await server((s, res) => {
      if (bad) return json(res, 500, { error: 'ps broke' });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"models": "nope"}');
    });
    const { check } = checkerOf();
    expect(await check(at(loop, 'ollama'), undefined, [])).toMatchObject({ ok: false, error: null, skipped: 'cannot tell which model is loaded: /api/ps: HTTP 500: ps broke' });
    bad = false;
    expect(await check(at(loop, 'ollama'), undefined, [])).toMatchObject({ ok: false, error: null, skipped: "cannot tell which model is loaded: /api/ps has no 'models' array" });
    expect(seen.every((s) => s.url === '/api/ps')).toBe(true);
  });

  it('/api/generate failing: the server words (a CUDA error), the model named', async () => {
    const { loop } = await server((s, res) => (s.url === '/api/ps' ? json(res, 200, ps(['qwen3:14b'])) : json(res, 500, { error: 'llama runner process has terminated: CUDA error' })));
    const { check } = checkerOf();
    expect(await check(at(loop, 'ollama'), undefined, [])).toMatchObject({ ok: false, model: 'qwen3:14b', error: { kind: 'http', message: 'HTTP 500: llama runner process has terminated: CUDA error' } });
  });
});
