/** The generation check's pure rules: who is asked, which model, which request, what an answer means. */
import { describe, expect, it } from 'vitest';
import { chooseLoaded, chooseModel, generationApplies, generationRequest, judgeGeneration, runGeneration } from './generate.js';
import type { Exchange, Send } from './types.js';

const answer = (status: number, body: unknown, headers: Record<string, string> = {}): Exchange => ({ ok: true, status, headers, body: typeof body === 'string' ? body : JSON.stringify(body) });

describe('who and which model', () => {
  it('cloud types only when named; every local type always', () => {
    for (const t of ['openai', 'anthropic', 'google'] as const) {
      expect(generationApplies(t, undefined)).toBe(false);
      expect(generationApplies(t, 'm')).toBe(true);
    }
    for (const t of ['ollama', 'vllm', 'llamacpp', 'lmstudio', 'exo', 'generic'] as const) expect(generationApplies(t, undefined)).toBe(true);
  });

  it('the named model, else the first listed, else skipped; Ollama only what is loaded', () => {
    expect(chooseModel('x', ['a'])).toEqual({ model: 'x' });
    expect(chooseModel(undefined, ['a', 'b'])).toEqual({ model: 'a' });
    expect(chooseModel(undefined, [])).toEqual({ skipped: 'no model listed yet' });
    expect(chooseLoaded(undefined, ['q:1', 'r:2'])).toEqual({ model: 'q:1' });
    expect(chooseLoaded('r:2', ['q:1', 'r:2'])).toEqual({ model: 'r:2' });
    expect(chooseLoaded('llama3', ['llama3:latest'])).toEqual({ model: 'llama3:latest' });
    expect(chooseLoaded('llama3', ['llama3:8b'])).toEqual({ skipped: 'llama3 is not loaded' });
    expect(chooseLoaded(undefined, [])).toEqual({ skipped: 'no model loaded (the check never loads one)' });
  });

  it('one token in every dialect', () => {
    expect(generationRequest('vllm', 'm')).toEqual({ path: '/v1/completions', body: { model: 'm', prompt: 'hi', max_tokens: 1, stream: false } });
    expect(generationRequest('ollama', 'q:1')).toEqual({ path: '/api/generate', body: { model: 'q:1', prompt: 'hi', stream: false, options: { num_predict: 1 } } });
    expect(generationRequest('exo', 'm').path).toBe('/v1/chat/completions');
    expect(generationRequest('google', 'models/gemini x').path).toBe('/v1beta/models/gemini%20x:generateContent');
  });
});

describe('what an answer means', () => {
  it('ok with the answer key; failures with the server words; garbage is parse; loading is skipped', () => {
    expect(judgeGeneration('vllm', answer(200, { choices: [{ text: '' }] }))).toEqual({ outcome: 'ok' });
    expect(judgeGeneration('vllm', answer(200, { choices: [] }))).toEqual({ outcome: 'failed', error: { kind: 'parse', message: 'no "choices" in the completion answer' } });
    expect(judgeGeneration('ollama', answer(200, { response: '', done: true }))).toEqual({ outcome: 'ok' });
    expect(judgeGeneration('vllm', answer(500, { error: { message: 'CUDA error\u001b[31m boom' } }))).toEqual({ outcome: 'failed', error: { kind: 'http', message: 'HTTP 500: CUDA error boom' } });
    expect(judgeGeneration('vllm', answer(502, '<html>bad gateway</html>'))).toEqual({ outcome: 'failed', error: { kind: 'http', message: 'HTTP 502 Bad Gateway' } });
    expect(judgeGeneration('vllm', answer(200, '{"choices": ['))).toEqual({ outcome: 'failed', error: { kind: 'parse', message: 'truncated JSON' } });
    expect(judgeGeneration('vllm', answer(200, 'null'))).toMatchObject({ outcome: 'failed', error: { kind: 'parse' } });
    expect(judgeGeneration('llamacpp', answer(503, { error: { message: 'Loading model', type: 'unavailable_error' } }))).toEqual({ outcome: 'skipped', reason: 'backend is loading: Loading model' });
    expect(judgeGeneration('vllm', { ok: false, kind: 'timeout', message: 'no answer within 5 s' })).toEqual({ outcome: 'failed', error: { kind: 'timeout', message: 'no answer within 5 s' } });
  });

  it('times only the completion, not /api/ps', async () => {
    let t = 0;
    const send: Send = async (path) => {
      t += path === '/api/ps' ? 1_000 : 7;
      return path === '/api/ps' ? answer(200, { models: [{ name: 'q:1' }] }) : answer(200, { response: 'x' });
    };
    const stopwatch = () => {
      const from = t;
      return () => t - from;
    };
    expect(await runGeneration({ type: 'ollama', named: undefined, listed: [] }, send, stopwatch)).toEqual({ outcome: 'ok', model: 'q:1', ttftMs: 7 });
  });
});
