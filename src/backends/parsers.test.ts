import { describe, expect, it } from 'vitest';
import { LOAD_BODIES } from '../../test/helpers/load-bodies.js';
import { isRouterBody } from '../../test/helpers/router-bodies.js';
import { wireFiles, wireHttpAnswer } from '../../test/helpers/wire.js';
import type { ProbeOutcome } from '../core/outcome.js';
import { MAX_MESSAGE, MAX_MODEL_ID } from '../text/sanitize.js';
import {
  parseAnthropicModels,
  parseGoogleModels,
  parseLlamacppHealth,
  parseLlamacppModels,
  parseOllamaTags,
  parseOpenAIModels,
} from './index.js';
import type { HttpAnswer } from './types.js';

type Parse = (answer: HttpAnswer) => ProbeOutcome;

const ok = (models: string[] | null): ProbeOutcome => ({ outcome: 'ok', models });
const fail = (kind: 'http' | 'parse', message: string, status: number): ProbeOutcome => ({ outcome: 'failure', kind, message, status });

// prettier-ignore
const EXO_LEGACY = ["llama-3.3-70b","llama-3.2-1b","llama-3.2-1b-8bit","llama-3.2-3b","llama-3.2-3b-8bit","llama-3.2-3b-bf16","llama-3.1-8b","llama-3.1-70b","llama-3.1-70b-bf16","llama-3-8b","llama-3-70b","llama-3.1-405b","llama-3.1-405b-8bit","mistral-nemo","mistral-large","deepseek-coder-v2-lite","deepseek-coder-v2.5","deepseek-v3","deepseek-v3-3bit","deepseek-r1","deepseek-r1-3bit","deepseek-r1-distill-qwen-1.5b","deepseek-r1-distill-qwen-1.5b-3bit","deepseek-r1-distill-qwen-1.5b-6bit","deepseek-r1-distill-qwen-1.5b-8bit","deepseek-r1-distill-qwen-1.5b-bf16","deepseek-r1-distill-qwen-7b","deepseek-r1-distill-qwen-7b-3bit","deepseek-r1-distill-qwen-7b-6bit","deepseek-r1-distill-qwen-7b-8bit","deepseek-r1-distill-qwen-7b-bf16","deepseek-r1-distill-qwen-14b","deepseek-r1-distill-qwen-14b-3bit","deepseek-r1-distill-qwen-14b-6bit","deepseek-r1-distill-qwen-14b-8bit","deepseek-r1-distill-qwen-14b-bf16","deepseek-r1-distill-qwen-32b","deepseek-r1-distill-qwen-32b-3bit","deepseek-r1-distill-qwen-32b-6bit","deepseek-r1-distill-qwen-32b-8bit","deepseek-r1-distill-qwen-32b-bf16","deepseek-r1-distill-llama-8b","deepseek-r1-distill-llama-8b-3bit","deepseek-r1-distill-llama-8b-6bit","deepseek-r1-distill-llama-8b-8bit","deepseek-r1-distill-llama-8b-bf16","deepseek-r1-distill-llama-70b","deepseek-r1-distill-llama-70b-3bit","deepseek-r1-distill-llama-70b-6bit","deepseek-r1-distill-llama-70b-8bit","llava-1.5-7b-hf","qwen-2.5-0.5b","qwen-2.5-1.5b","qwen-2.5-coder-1.5b","qwen-2.5-3b","qwen-2.5-coder-3b","qwen-2.5-7b","qwen-2.5-coder-7b","qwen-2.5-math-7b","qwen-2.5-14b","qwen-2.5-coder-14b","qwen-2.5-32b","qwen-2.5-coder-32b","qwen-2.5-72b","qwen-2.5-math-72b","nemotron-70b","nemotron-70b-bf16","gemma2-9b","gemma2-27b","stable-diffusion-2-1-base","phi-3.5-mini","phi-4","dummy"];

/**
 * Every wire file, read by the parser of the endpoint it was captured from, and the verdict a user sees.
 * A new file under fixtures/wire fails the suite until it gets a row here.
 */
const VERDICTS: Record<string, [Parse, ProbeOutcome]> = {
  'exo/v1_models.http': [parseOpenAIModels, ok(['mlx-community/Llama-3.2-1B-Instruct-4bit', 'mlx-community/Qwen3-0.6B-4bit'])],
  'exo/v1_models_v0.0.15.http': [parseOpenAIModels, ok(EXO_LEGACY)],
  'llamacpp/health_ok.http': [parseLlamacppHealth, ok(null)],
  'llamacpp/not_found.http': [parseOllamaTags, fail('http', 'HTTP 404: File Not Found', 404)],
  'llamacpp/unauthorized_props.http': [parseLlamacppModels, fail('http', 'HTTP 401: Invalid API Key', 401)],
  'llamacpp/v1_models.http': [parseLlamacppModels, ok(['llama-3.1-8b'])],
  'llamacpp/v1_models_older_build.http': [parseLlamacppModels, ok(['../models/Meta-Llama-3.1-8B-Instruct-Q4_K_M.gguf'])],
  'lmstudio/v1_models.http': [parseOpenAIModels, ok(['qwen/qwen3-8b', 'text-embedding-nomic-embed-text-v1.5'])],
  'ollama/api_tags.http': [parseOllamaTags, ok(['deepseek-r1:latest', 'llama3.2:latest'])],
  'ollama/api_tags_empty.http': [parseOllamaTags, ok([])],
  'ollama/api_tags_v0.33.http': [parseOllamaTags, ok(['llama3.2:latest'])],
  'ollama/not_found.http': [parseLlamacppHealth, fail('http', 'HTTP 404 Not Found', 404)],
  'ollama/root.http': [parseOpenAIModels, fail('parse', 'expected JSON, got text: Ollama is running', 200)],
  'ollama/v1_models.http': [parseOpenAIModels, ok(['deepseek-r1:latest', 'llama3.2:latest'])],
  'openai/v1_models.http': [parseOpenAIModels, ok(['model-id-0', 'model-id-1', 'model-id-2'])],
  'sglang/health_ok.http': [parseLlamacppHealth, ok(null)],
  'sglang/v1_models.http': [parseOpenAIModels, ok(['Qwen/Qwen2.5-7B-Instruct'])],
  // OSC title + CSI clear screen around "evil", and a raw C1 CSI before "red": only the text survives.
  'synthetic/ansi_in_model_name.http': [parseOpenAIModels, ok(['evil', 'red', 'llama-3.1-8b'])],
  'synthetic/empty_200.http': [parseOpenAIModels, fail('parse', 'empty body', 200)],
  'synthetic/ollama_models_not_array.http': [parseOllamaTags, fail('parse', '"models" is not an array', 200)],
  'synthetic/openai_data_not_array.http': [parseOpenAIModels, fail('parse', '"data" is not an array', 200)],
  'synthetic/proxy_502_nginx.http': [parseOpenAIModels, fail('http', 'HTTP 502 Bad Gateway', 502)],
  'synthetic/truncated_json.http': [parseOllamaTags, fail('parse', 'truncated JSON', 200)],
  'tgi/health_ok.http': [parseLlamacppHealth, ok(null)],
  'tgi/info.http': [parseOpenAIModels, fail('parse', 'no "data" list in the answer', 200)],
  'tgi/v1_models.http': [parseOpenAIModels, ok(['bigscience/bloom-560m'])],
  'vllm/health_ok.http': [parseLlamacppHealth, ok(null)],
  'vllm/not_found.http': [parseOllamaTags, fail('http', 'HTTP 404: Not Found', 404)],
  'vllm/v1_models.http': [parseOpenAIModels, ok(['meta-llama/Llama-3.1-8B-Instruct'])],
  'vllm/v1_models_lora.http': [parseOpenAIModels, ok(['meta-llama/Llama-3.1-8B-Instruct', 'sql-lora'])],
};

const ALL_PARSERS: Parse[] = [parseOpenAIModels, parseOllamaTags, parseLlamacppHealth, parseLlamacppModels, parseAnthropicModels, parseGoogleModels];
const UNSAFE = /[\u0000-\u001f\u007f-\u009f]/;

const json = (value: unknown, status = 200): HttpAnswer => ({
  status,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(value),
});
const text = (body: string, status = 200, headers: Record<string, string> = {}): HttpAnswer => ({ status, headers, body });

describe('every wire file', () => {
  const all = wireFiles();
  // Load bodies have their own table (test/helpers/load-bodies.ts, read in src/backends/load/).
  const files = all.filter((f) => !(f in LOAD_BODIES) && !isRouterBody(f));

  it('has an expected verdict (a new capture cannot be forgotten)', () => {
    expect(files.length).toBeGreaterThan(0);
    expect(files.filter((f) => !(f in VERDICTS))).toEqual([]);
    expect(Object.keys(VERDICTS).filter((f) => !files.includes(f))).toEqual([]);
    expect(Object.keys(LOAD_BODIES).filter((f) => !all.includes(f))).toEqual([]);
  });

  it.each(files)('%s', (file) => {
    const [parse, expected] = VERDICTS[file]!;
    expect(parse(wireHttpAnswer(file))).toEqual(expected);
  });

  it.each(all)('%s: any parser gives one verdict with terminal-safe strings', (file) => {
    for (const parse of ALL_PARSERS) {
      const verdict = parse(wireHttpAnswer(file));
      if (verdict.outcome === 'ok') for (const id of verdict.models ?? []) expect(id).not.toMatch(UNSAFE);
      else {
        expect(verdict.message).not.toMatch(UNSAFE);
        expect(verdict.message).not.toMatch(/<[a-z/]/i);
        expect(verdict.message.length).toBeGreaterThan(0);
      }
    }
  });
});

describe('rules shared by every type', () => {
  const LOADING = json({ error: { code: 503, message: 'Loading model', type: 'unavailable_error' } }, 503);

  it.each(ALL_PARSERS.map((p) => [p.name, p] as const))('a 503 unavailable_error is loading (%s)', (_name, parse) => {
    expect(parse(LOADING)).toEqual({ outcome: 'loading', message: 'Loading model' });
  });

  it('another 503 is an http failure, not loading', () => {
    expect(parseOpenAIModels(json({ error: { message: 'overloaded', type: 'server_error' } }, 503))).toEqual(
      fail('http', 'HTTP 503: overloaded', 503),
    );
    expect(parseOpenAIModels(text('', 503))).toEqual(fail('http', 'HTTP 503 Service Unavailable', 503));
  });

  it('a 200 that is only an error object is an http failure in the server words (LM Studio, unknown path)', () => {
    const answer = json({ error: 'Unexpected endpoint or method. (GET /api/tags)' });
    expect(parseOllamaTags(answer)).toEqual(fail('http', 'HTTP 200: Unexpected endpoint or method. (GET /api/tags)', 200));
    expect(parseLlamacppHealth(answer)).toMatchObject({ outcome: 'failure', kind: 'http' });
  });

  it('reads the server message from error.message, error, detail or message', () => {
    const messageOf = (verdict: ProbeOutcome): string | undefined => (verdict.outcome === 'ok' ? undefined : verdict.message);
    expect(messageOf(parseOpenAIModels(json({ error: { message: 'invalid x-api-key', type: 'authentication_error' }, type: 'error' }, 401)))).toBe('HTTP 401: invalid x-api-key');
    expect(messageOf(parseOpenAIModels(json({ error: 'model not found' }, 404)))).toBe('HTTP 404: model not found');
    expect(messageOf(parseOpenAIModels(json({ detail: 'Not authenticated' }, 403)))).toBe('HTTP 403: Not authenticated');
    expect(messageOf(parseOpenAIModels(json({ message: 'Forbidden' }, 403)))).toBe('HTTP 403: Forbidden');
    expect(messageOf(parseOpenAIModels(json({ detail: [{ loc: ['query'], msg: 'bad' }] }, 422)))).toBe('HTTP 422 Unprocessable Entity');
  });

  it('a redirect is an http failure naming where it points, without its query', () => {
    const answer = text('', 302, { location: 'https://sso.example.com/login?token=abc123' });
    expect(parseOpenAIModels(answer)).toEqual(fail('http', 'HTTP 302 Found (redirect to https://sso.example.com/login, not followed)', 302));
  });

  it('a 2xx is judged by its body, whatever its Content-Type says', () => {
    const html = '<!DOCTYPE html><html><head><title>Sign in</title></head><body>portal</body></html>';
    expect(parseOpenAIModels(text(html, 200, { 'content-type': 'application/json' }))).toEqual(fail('parse', 'expected JSON, got HTML', 200));
    expect(parseOpenAIModels(text('{"data":[{"id":"a"}]}', 200, { 'content-type': 'text/html' }))).toEqual(ok(['a']));
    expect(parseOpenAIModels(text('null'))).toEqual(fail('parse', 'expected a JSON object, got null', 200));
    expect(parseOpenAIModels(text('[{"id":"a"}]'))).toEqual(fail('parse', 'expected a JSON object, got an array', 200));
    expect(parseOpenAIModels(text('{"data":[1,'))).toEqual(fail('parse', 'truncated JSON', 200));
    expect(parseOpenAIModels(text('{"data" 1}'))).toEqual(fail('parse', 'invalid JSON', 200));
    expect(parseOpenAIModels(text('   \n'))).toEqual(fail('parse', 'empty body', 200));
    expect(parseOpenAIModels(text('Error: <b>denied</b>'))).toEqual(fail('parse', 'expected JSON, got HTML', 200));
  });

  it('never puts raw HTML in a message, even in a long error page', () => {
    const page = `<html><body><h1>403 Forbidden</h1><script>alert(1)</script>${'x'.repeat(5000)}</body></html>`;
    const verdict = parseOpenAIModels(text(page, 403, { 'content-type': 'text/html' }));
    expect(verdict).toEqual(fail('http', 'HTTP 403 Forbidden', 403));
  });

  it('skips entries without a usable string id and counts duplicates once, in server order', () => {
    const body = { data: [{ id: 'b' }, { id: 42 }, null, 'c', { name: 'd' }, { id: '' }, { id: ' \u001b[0m ' }, { id: 'a' }, { id: 'b' }] };
    expect(parseOpenAIModels(json(body))).toEqual(ok(['b', 'a']));
  });

  it('bounds model ids and messages', () => {
    const long = 'm'.repeat(2000);
    const verdict = parseOpenAIModels(json({ data: [{ id: long }] }));
    expect(verdict.outcome === 'ok' && verdict.models?.[0]?.length).toBe(MAX_MODEL_ID);
    const error = parseOpenAIModels(json({ error: { message: long } }, 500));
    expect(error.outcome === 'failure' && error.message.length).toBe(MAX_MESSAGE);
  });

  it('strips escape sequences from server messages', () => {
    const verdict = parseOpenAIModels(json({ error: { message: 'bad\u001b]0;owned\u0007 key\u001b[31m!\nnext' } }, 401));
    expect(verdict).toEqual(fail('http', 'HTTP 401: bad key! next', 401));
  });
});

describe('per type', () => {
  it('Ollama /v1/models with "data": null is healthy with 0 models', () => {
    expect(parseOpenAIModels(text('{"object":"list","data":null}\n'))).toEqual(ok([]));
  });

  it('Ollama /api/tags without "models" is a parse failure', () => {
    expect(parseOllamaTags(json({ object: 'list' }))).toEqual(fail('parse', 'no "models" list in the answer', 200));
  });

  it('Anthropic lists data[].id', () => {
    const body = { data: [{ type: 'model', id: 'claude-sonnet-4-20250514', display_name: 'Claude Sonnet 4', created_at: '2025-05-22T00:00:00Z' }], has_more: false, first_id: 'claude-sonnet-4-20250514', last_id: 'claude-sonnet-4-20250514' };
    expect(parseAnthropicModels(json(body))).toEqual(ok(['claude-sonnet-4-20250514']));
    expect(parseAnthropicModels(json({ type: 'error', error: { type: 'authentication_error', message: 'invalid x-api-key' } }, 401))).toEqual(
      fail('http', 'HTTP 401: invalid x-api-key', 401),
    );
  });

  it('Google lists models[].name; an empty list is omitted from its JSON', () => {
    const body = { models: [{ name: 'models/gemini-2.0-flash', displayName: 'Gemini 2.0 Flash' }, { name: 'models/text-embedding-004' }], nextPageToken: 'x' };
    expect(parseGoogleModels(json(body))).toEqual(ok(['models/gemini-2.0-flash', 'models/text-embedding-004']));
    expect(parseGoogleModels(json({}))).toEqual(ok([]));
    expect(parseGoogleModels(json({ error: { code: 400, message: 'API key not valid. Please pass a valid API key.', status: 'INVALID_ARGUMENT' } }, 400))).toEqual(
      fail('http', 'HTTP 400: API key not valid. Please pass a valid API key.', 400),
    );
  });

  it('llama.cpp /health: an empty 200 and {"status":"ok"} are healthy; other states are not', () => {
    expect(parseLlamacppHealth(text(''))).toEqual(ok(null));
    expect(parseLlamacppHealth(json({ status: 'ok' }))).toEqual(ok(null));
    expect(parseLlamacppHealth(json({ status: 'error' }))).toEqual(fail('http', 'health status: error', 200));
    expect(parseLlamacppHealth(text('<html>hi</html>'))).toEqual(fail('parse', 'expected JSON, got HTML', 200));
  });

  it('llama.cpp /v1/models falls back to models[].name when data is absent', () => {
    expect(parseLlamacppModels(json({ models: [{ name: 'x.gguf' }] }))).toEqual(ok(['x.gguf']));
  });
});
