/**
 * The demo fleet's load: figures that move with the clock, written into the real load bodies under
 * fixtures/wire (vLLM and SGLang `/metrics`, llama.cpp `/slots` and `/metrics`, Ollama `/api/ps`), so the
 * parsers read them exactly as they read a real server's. Pure functions of the time since the demo
 * started, so a test can ask what the screen shows at any moment.
 *
 * vLLM saturates now and then: for `saturateForMs` of every `saturateEveryMs` its batch is full, a queue
 * builds up and drains again, and its KV cache runs up to 99 %. Everything else stays calm.
 */
import { wireAnswer } from './fixtures.js';
import type { WireAnswer } from './wire-file.js';

export const LOAD_TIMING = { saturateEveryMs: 90_000, saturateAtMs: 30_000, saturateForMs: 30_000 };

const wave = (elapsedMs: number, periodMs: number, phase = 0): number => Math.sin((2 * Math.PI * elapsedMs) / periodMs + phase);

/** Where vLLM is in a saturation, 0 … 1 (null outside one). */
export function saturation(elapsedMs: number): number | null {
  const { saturateEveryMs, saturateAtMs, saturateForMs } = LOAD_TIMING;
  const t = (elapsedMs % saturateEveryMs) - saturateAtMs;
  return t >= 0 && t < saturateForMs ? t / saturateForMs : null;
}

export function vllmFigures(elapsedMs: number): { running: number; waiting: number; kvCache: number } {
  const p = saturation(elapsedMs);
  if (p !== null) {
    const swell = Math.sin(Math.PI * p);
    return { running: 24, waiting: Math.max(1, Math.round(42 * swell)), kvCache: Math.round((0.91 + 0.08 * swell) * 1e4) / 1e4 };
  }
  return { running: Math.round(8 + 5 * wave(elapsedMs, 23_000)), waiting: 0, kvCache: Math.round((0.4 + 0.2 * wave(elapsedMs, 37_000)) * 1e4) / 1e4 };
}

/** llama.cpp's two slots, and a request deferred while both are busy now and then. */
export function llamacppFigures(elapsedMs: number): { busy: [boolean, boolean]; deferred: number } {
  const busy: [boolean, boolean] = [wave(elapsedMs, 17_000) > -0.3, wave(elapsedMs, 11_000, 1) > 0.4];
  return { busy, deferred: busy[0] && busy[1] && wave(elapsedMs, 5_000) > 0 ? 1 : 0 };
}

export function sglangFigures(elapsedMs: number): { running: number; waiting: number; kvCache: number } {
  return { running: Math.round(5 + 3 * wave(elapsedMs, 29_000)), waiting: 0, kvCache: Math.round((0.3 + 0.1 * wave(elapsedMs, 41_000)) * 1e4) / 1e4 };
}

/**
 * A Prometheus text body with the samples of the named metrics set to new values (every series of each);
 * whole numbers as `12.0` the way Python's client writes them, or `12` as llama.cpp does (`plainIntegers`).
 */
export function withMetricValues(body: string, values: Record<string, number>, plainIntegers = false): string {
  return body
    .split('\n')
    .map((line) => {
      if (line.startsWith('#')) return line;
      const end = line.search(/[{ ]/);
      const name = end === -1 ? line : line.slice(0, end);
      const value = values[name];
      if (value === undefined) return line;
      return `${line.slice(0, line.lastIndexOf(' '))} ${Number.isInteger(value) && !plainIntegers ? value.toFixed(1) : String(value)}`;
    })
    .join('\n');
}

/** The same answer with a new body (Content-Length is the sender's). */
const withBody = (answer: WireAnswer, body: string): WireAnswer => ({ ...answer, body: Buffer.from(body) });

/** The load endpoints of the demo backends: each answer for a moment `elapsedMs` into the demo (Ollama's also at clock time `now`). */
export function demoLoadAnswers(): {
  vllmMetrics(elapsedMs: number): WireAnswer;
  sglangMetrics(elapsedMs: number): WireAnswer;
  llamacppSlots(elapsedMs: number): WireAnswer;
  llamacppMetrics(elapsedMs: number): WireAnswer;
  ollamaPs(now: number, elapsedMs: number): WireAnswer;
  lmstudioModels(): WireAnswer;
} {
  const vllm = wireAnswer('vllm/metrics.http');
  const sglang = wireAnswer('sglang/metrics.http');
  const slots = wireAnswer('llamacpp/slots_busy.http');
  const llamaMetrics = wireAnswer('llamacpp/metrics_busy.http');
  const ps = wireAnswer('ollama/api_ps.http');
  const lmstudio = wireAnswer('lmstudio/api_v0_models.http');
  const slotList = JSON.parse(slots.body.toString('utf8')) as Array<Record<string, unknown>>;
  const psBody = JSON.parse(ps.body.toString('utf8')) as { models: Array<Record<string, unknown>> };
  return {
    vllmMetrics(elapsedMs) {
      const f = vllmFigures(elapsedMs);
      return withBody(vllm, withMetricValues(vllm.body.toString('utf8'), { 'vllm:num_requests_running': f.running, 'vllm:num_requests_waiting': f.waiting, 'vllm:kv_cache_usage_perc': f.kvCache }));
    },
    sglangMetrics(elapsedMs) {
      const f = sglangFigures(elapsedMs);
      return withBody(sglang, withMetricValues(sglang.body.toString('utf8'), { 'sglang:num_running_reqs': f.running, 'sglang:num_queue_reqs': f.waiting, 'sglang:token_usage': f.kvCache }));
    },
    llamacppSlots(elapsedMs) {
      const { busy } = llamacppFigures(elapsedMs);
      return withBody(slots, JSON.stringify(slotList.map((s, i) => ({ ...s, is_processing: busy[i] ?? false }))));
    },
    llamacppMetrics(elapsedMs) {
      const { busy, deferred } = llamacppFigures(elapsedMs);
      const processing = busy.filter(Boolean).length;
      return withBody(llamaMetrics, withMetricValues(llamaMetrics.body.toString('utf8'), { 'llamacpp:requests_processing': processing, 'llamacpp:requests_deferred': deferred }, true));
    },
    ollamaPs(now, elapsedMs) {
      // Ollama keeps a model five minutes after its last request; the demo's requests come every few minutes.
      const left = 5 * 60_000 - (elapsedMs % (3 * 60_000));
      const models = psBody.models.map((m) => ({ ...m, expires_at: new Date(now + left).toISOString() }));
      return withBody(ps, JSON.stringify({ models }));
    },
    lmstudioModels: () => lmstudio,
  };
}
