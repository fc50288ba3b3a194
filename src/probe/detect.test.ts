import { afterEach, describe, expect, it } from 'vitest';
import { closedPort, serveRoutes, startLoopback, type Loopback } from '../../test/helpers/loopback.js';
import { loadWire } from '../../test/helpers/wire.js';
import type { WireAnswer } from '../demo/wire-file.js';
import { detectType, judgeDetection } from './detect.js';

const servers: Loopback[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});
async function track(server: Promise<Loopback>): Promise<Loopback> {
  const s = await server;
  servers.push(s);
  return s;
}

/** A wire answer without some headers (a proxy that strips `Server`). */
function without(file: string, header: string): WireAnswer {
  const w = loadWire(file);
  return { ...w, headers: w.headers.filter(([name]) => name.toLowerCase() !== header.toLowerCase()) };
}

const paths = (s: Loopback): string[] => s.requests.map((r) => r.url ?? '').sort();

interface Case {
  what: string;
  routes: Record<string, string>;
  notFound?: string;
  type: string;
  reason: string | RegExp;
}

describe('detectType against real bodies on loopback', () => {
  it.each<Case>([
    {
      what: 'Ollama',
      routes: { '/api/tags': 'ollama/api_tags.http', '/v1/models': 'ollama/v1_models.http', '/': 'ollama/root.http' },
      notFound: 'ollama/not_found.http',
      type: 'ollama',
      reason: 'GET /api/tags: Ollama model list',
    },
    {
      what: 'Ollama with no model pulled',
      routes: { '/api/tags': 'ollama/api_tags_empty.http' },
      notFound: 'ollama/not_found.http',
      type: 'ollama',
      reason: 'GET /api/tags: Ollama model list',
    },
    {
      what: 'llama.cpp',
      routes: { '/health': 'llamacpp/health_ok.http', '/v1/models': 'llamacpp/v1_models.http' },
      notFound: 'llamacpp/not_found.http',
      type: 'llamacpp',
      reason: /^GET \/[a-z/]+: Server: llama\.cpp$/,
    },
    {
      what: 'llama.cpp with --api-key (only /health and /v1/models are public)',
      routes: { '/health': 'llamacpp/health_ok.http', '/v1/models': 'llamacpp/v1_models.http', '/props': 'llamacpp/unauthorized_props.http' },
      notFound: 'llamacpp/unauthorized_props.http',
      type: 'llamacpp',
      reason: /Server: llama\.cpp$/,
    },
    {
      what: 'vLLM',
      routes: { '/v1/models': 'vllm/v1_models.http', '/health': 'vllm/health_ok.http' },
      notFound: 'vllm/not_found.http',
      type: 'vllm',
      reason: 'GET /v1/models: owned_by "vllm"',
    },
    {
      what: 'vLLM serving a LoRA adapter',
      routes: { '/v1/models': 'vllm/v1_models_lora.http', '/health': 'vllm/health_ok.http' },
      notFound: 'vllm/not_found.http',
      type: 'vllm',
      reason: 'GET /v1/models: owned_by "vllm"',
    },
    {
      what: 'LM Studio',
      routes: { '/v1/models': 'lmstudio/v1_models.http' },
      type: 'lmstudio',
      reason: 'GET /v1/models: owned_by "organization_owner"',
    },
    {
      what: 'Exo 1.x',
      routes: { '/v1/models': 'exo/v1_models.http' },
      type: 'exo',
      reason: 'GET /v1/models: owned_by "exo"',
    },
    {
      what: 'Exo 0.0.x',
      routes: { '/v1/models': 'exo/v1_models_v0.0.15.http' },
      type: 'exo',
      reason: 'GET /v1/models: owned_by "exo"',
    },
    {
      what: 'OpenAI',
      routes: { '/v1/models': 'openai/v1_models.http' },
      type: 'openai',
      reason: 'GET /v1/models: owned_by "openai"',
    },
    {
      what: 'SGLang (OpenAI-compatible, no type of its own)',
      routes: { '/v1/models': 'sglang/v1_models.http', '/health': 'sglang/health_ok.http' },
      type: 'generic',
      reason: 'GET /v1/models: OpenAI-compatible model list (owned_by "sglang")',
    },
    {
      what: 'TGI (OpenAI-compatible)',
      routes: { '/v1/models': 'tgi/v1_models.http', '/health': 'tgi/health_ok.http' },
      type: 'generic',
      reason: 'GET /v1/models: OpenAI-compatible model list (owned_by "bigscience/bloom-560m")',
    },
  ])('$what → $type', async ({ routes, type, reason, notFound }) => {
    const server = await track(serveRoutes(routes, notFound));
    const result = await detectType(server.url, { timeoutMs: 2_000 });
    expect(result.type).toBe(type);
    expect(result.detected).toBe(true);
    if (typeof reason === 'string') expect(result.reason).toBe(reason);
    else expect(result.reason).toMatch(reason);
    // Every candidate endpoint was asked once, concurrently.
    expect(paths(server)).toEqual(['/api/tags', '/api/version', '/health', '/props', '/v1/models']);
  });

  it('llama.cpp behind a proxy that strips Server: its owned_by, even on an older build that also answers /api/tags', async () => {
    const body = without('llamacpp/v1_models_older_build.http', 'server');
    const server = await track(serveRoutes({ '/api/tags': body, '/v1/models': body, '/health': without('llamacpp/health_ok.http', 'server') }));
    expect(await detectType(server.url, { timeoutMs: 2_000 })).toEqual({ type: 'llamacpp', detected: true, reason: 'GET /v1/models: owned_by "llamacpp"' });
  });

  it('a server behind a path prefix is asked under it', async () => {
    const inner = loadWire('vllm/v1_models.http');
    const server = await track(serveRoutes({ '/gpu1/v1/models': inner }));
    const result = await detectType(`${server.url}/gpu1/`, { timeoutMs: 2_000 });
    expect(result.type).toBe('vllm');
    expect(paths(server)).toEqual(['/gpu1/api/tags', '/gpu1/api/version', '/gpu1/health', '/gpu1/props', '/gpu1/v1/models']);
  });

  it('credentials in the URL go as Basic auth, never into the reason', async () => {
    const server = await track(serveRoutes({}, 'synthetic/proxy_502_nginx.http'));
    const url = server.url.replace('http://', 'http://admin:s3cret-pass@');
    const result = await detectType(url, { timeoutMs: 2_000 });
    expect(result).toMatchObject({ type: 'generic', detected: false });
    expect(result.reason).toBe('not recognised (GET /v1/models: HTTP 502); assuming generic OpenAI-compatible');
    expect(server.requests[0]!.headers.authorization).toBe(`Basic ${Buffer.from('admin:s3cret-pass').toString('base64')}`);
    expect(JSON.stringify(result)).not.toContain('s3cret');
  });

  it('a 200 that is not a model list is not taken for one', async () => {
    const server = await track(serveRoutes({ '/v1/models': 'synthetic/openai_data_not_array.http' }));
    expect(await detectType(server.url, { timeoutMs: 2_000 })).toEqual({
      type: 'generic',
      detected: false,
      reason: 'not recognised (GET /v1/models: HTTP 200 (not a model list)); assuming generic OpenAI-compatible',
    });
  });

  it('a dead URL falls back to generic at once, saying why', async () => {
    const port = await closedPort();
    const started = performance.now();
    const result = await detectType(`http://127.0.0.1:${port}`, { timeoutMs: 5_000 });
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(result).toEqual({ type: 'generic', detected: false, reason: 'no answer: connection: connection refused' });
  });

  it('a server that never answers is given up on at the deadline, not waited for', async () => {
    await track(startLoopback(() => {})).then(async (server) => {
      const started = performance.now();
      const result = await detectType(server.url, { timeoutMs: 300 });
      const took = performance.now() - started;
      expect(took).toBeGreaterThanOrEqual(290);
      expect(took).toBeLessThan(1_500);
      expect(result).toMatchObject({ type: 'generic', detected: false });
      expect(result.reason).toMatch(/^no answer: timeout: /);
    });
  });

  it('uses what answered by the deadline even if some endpoints hang', async () => {
    const vllm = loadWire('vllm/v1_models.http');
    const server = await track(
      startLoopback((req, res) => {
        if (req.url === '/v1/models') {
          res.writeHead(vllm.status, vllm.headers.flat()).end(vllm.body);
        }
        // Everything else hangs.
      }),
    );
    const result = await detectType(server.url, { timeoutMs: 300 });
    expect(result).toEqual({ type: 'vllm', detected: true, reason: 'GET /v1/models: owned_by "vllm"' });
  });

  it('rejects when its signal aborts', async () => {
    const server = await track(startLoopback(() => {}));
    const controller = new AbortController();
    const running = detectType(server.url, { timeoutMs: 5_000, signal: controller.signal });
    setTimeout(() => controller.abort(new Error('user quit')), 50);
    const started = performance.now();
    await expect(running).rejects.toThrow('user quit');
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it('refuses what is not an http(s) URL without any request', async () => {
    expect(await detectType('ftp://127.0.0.1/')).toEqual({ type: 'generic', detected: false, reason: 'unsupported URL scheme ftp:' });
    expect(await detectType('not a url')).toEqual({ type: 'generic', detected: false, reason: 'invalid URL' });
  });
});

describe('judgeDetection (pure)', () => {
  const answer = (body: unknown, headers: Record<string, string> = {}, status = 200) =>
    ({ ok: true, status, headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) }) as const;

  it('Ollama by /api/version alone (docs/api.md "Version": {"version":"0.5.1"})', () => {
    expect(judgeDetection({ '/api/version': answer({ version: '0.5.1' }) })).toEqual({ type: 'ollama', detected: true, reason: 'GET /api/version: Ollama 0.5.1' });
  });

  it('llama.cpp by /props when no Server header survived (tools/server/README.md "GET /props")', () => {
    const props = { default_generation_settings: { n_ctx: 4096 }, total_slots: 1, model_path: 'm.gguf', chat_template: '' };
    expect(judgeDetection({ '/props': answer(props) })).toEqual({ type: 'llamacpp', detected: true, reason: 'GET /props: llama.cpp server settings' });
  });

  it('a loading llama.cpp (503) is still llama.cpp', () => {
    const loading = answer({ error: { code: 503, message: 'Loading model', type: 'unavailable_error' } }, { server: 'llama.cpp' }, 503);
    expect(judgeDetection({ '/health': loading }).type).toBe('llamacpp');
  });

  it('nothing at all', () => {
    expect(judgeDetection({})).toEqual({ type: 'generic', detected: false, reason: 'not recognised (GET /v1/models: no answer); assuming generic OpenAI-compatible' });
  });
});
