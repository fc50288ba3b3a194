/**
 * How loaded a backend is, as each kind of server says it (pure parsers; the fetching is the shell's).
 * Every figure is null when the source does not report it or reports garbage: an unknown is never 0.
 */
import { cleanText, MAX_MODEL_ID } from '../../text/sanitize.js';
import { scanMetrics, type Sample } from './prom-scan.js';

import { NO_FIGURES, type LoadedModel, type LoadFigures } from '../../core/load.js';

export { NO_FIGURES, type LoadedModel, type LoadFigures };

/** A parse that found nothing usable says why, in words fit for the detail pane. */
export type LoadParse = { ok: true; figures: LoadFigures } | { ok: false; message: string };

const count = (v: number): number | null => (Number.isFinite(v) && v >= 0 ? Math.round(v) : null);
const fraction = (v: number): number | null => (Number.isFinite(v) && v >= 0 && v <= 1 ? v : null);

/** Summed over series (one per engine or rank); null when none has a usable value. */
function sum(samples: readonly Sample[] | undefined): number | null {
  let total: number | null = null;
  for (const s of samples ?? []) {
    const n = count(s.value);
    if (n !== null) total = (total ?? 0) + n;
  }
  return total;
}

/** The largest usable fraction over series: the fullest engine decides. */
function fullest(samples: readonly Sample[] | undefined): number | null {
  let max: number | null = null;
  for (const s of samples ?? []) {
    const f = fraction(s.value);
    if (f !== null) max = max === null ? f : Math.max(max, f);
  }
  return max;
}

/** Only one series is expected (TGI, llama.cpp have no labels); the last one wins if there are more. */
function single(samples: readonly Sample[] | undefined): number | null {
  const last = samples?.at(-1);
  return last === undefined ? null : last.value;
}

/** The servers whose `/metrics` we read, and the names each one uses. */
export type MetricsFamily = 'vllm' | 'sglang' | 'tgi' | 'llamacpp';

const VLLM = {
  running: 'vllm:num_requests_running',
  waiting: 'vllm:num_requests_waiting',
  // vLLM ≥ 0.9.2 (V1) renamed the KV gauge; older builds only have the GPU one.
  kv: 'vllm:kv_cache_usage_perc',
  kvOld: 'vllm:gpu_cache_usage_perc',
} as const;
const SGLANG = { running: 'sglang:num_running_reqs', waiting: 'sglang:num_queue_reqs', kv: 'sglang:token_usage' } as const;
const TGI = {
  waiting: 'tgi_queue_size',
  running: 'tgi_batch_current_size',
  tokens: 'tgi_batch_current_max_tokens',
  maxTokens: 'tgi_batch_max_total_tokens',
} as const;
const LLAMACPP = { running: 'llamacpp:requests_processing', waiting: 'llamacpp:requests_deferred' } as const;

const NAMES: Record<MetricsFamily, readonly string[]> = {
  vllm: Object.values(VLLM),
  sglang: Object.values(SGLANG),
  tgi: Object.values(TGI),
  llamacpp: Object.values(LLAMACPP),
};

/** Which server wrote this `/metrics` (for a generic or OpenAI-compatible backend), or null for none we read. */
export function metricsFamily(text: string): MetricsFamily | null {
  // The running-requests gauge is the one name each family always exposes.
  const marks: [MetricsFamily, string][] = [
    ['vllm', VLLM.running],
    ['sglang', SGLANG.running],
    ['llamacpp', LLAMACPP.running],
    ['tgi', TGI.waiting],
  ];
  for (const [family, name] of marks) if (scanMetrics(text, [name]).size > 0) return family;
  return null;
}

/** Running, waiting and KV from a `/metrics` body of `family`. */
export function parseMetricsLoad(text: string, family: MetricsFamily): LoadParse {
  const m = scanMetrics(text, NAMES[family]);
  if (m.size === 0) return { ok: false, message: `no ${family} load metrics in the /metrics body` };
  let figures: LoadFigures;
  switch (family) {
    case 'vllm':
      figures = { ...NO_FIGURES, running: sum(m.get(VLLM.running)), waiting: sum(m.get(VLLM.waiting)), kvCache: fullest(m.get(VLLM.kv)) ?? fullest(m.get(VLLM.kvOld)) };
      break;
    case 'sglang':
      figures = { ...NO_FIGURES, running: sum(m.get(SGLANG.running)), waiting: sum(m.get(SGLANG.waiting)), kvCache: fullest(m.get(SGLANG.kv)) };
      break;
    case 'tgi': {
      const tokens = single(m.get(TGI.tokens));
      const max = single(m.get(TGI.maxTokens));
      // TGI has no KV gauge; the tokens the current batch may take out of the most it can hold is close.
      const kv = tokens !== null && max !== null && max > 0 ? fraction(tokens / max) : null;
      figures = { ...NO_FIGURES, running: count(single(m.get(TGI.running)) ?? Number.NaN), waiting: count(single(m.get(TGI.waiting)) ?? Number.NaN), kvCache: kv };
      break;
    }
    case 'llamacpp':
      figures = { ...NO_FIGURES, running: count(single(m.get(LLAMACPP.running)) ?? Number.NaN), waiting: count(single(m.get(LLAMACPP.waiting)) ?? Number.NaN) };
      break;
  }
  return { ok: true, figures };
}

function json(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * llama.cpp `GET /slots`: one object per slot; busy is `is_processing` (builds before late 2024 said
 * `state`, 1 = processing). The number of slots is the array's length.
 */
export function parseLlamacppSlots(text: string): LoadParse {
  const slots = json(text);
  if (!Array.isArray(slots)) return { ok: false, message: '/slots is not a JSON array' };
  let busy = 0;
  for (const s of slots) {
    if (!isObject(s)) return { ok: false, message: '/slots has an entry that is not an object' };
    const processing = typeof s['is_processing'] === 'boolean' ? s['is_processing'] : s['state'] === 1;
    if (processing) busy++;
  }
  return { ok: true, figures: { ...NO_FIGURES, running: busy, slots: { busy, total: slots.length } } };
}

const bytes = (v: unknown): number | null => (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : null);

/** Ollama `GET /api/ps`: the models in memory now, with how much of each is in VRAM. */
export function parseOllamaPs(text: string): LoadParse {
  const body = json(text);
  const list = isObject(body) ? body['models'] : undefined;
  if (!Array.isArray(list)) return { ok: false, message: "/api/ps has no 'models' array" };
  const models: LoadedModel[] = [];
  for (const m of list) {
    if (!isObject(m) || typeof m['name'] !== 'string') continue;
    const expires = typeof m['expires_at'] === 'string' ? Date.parse(m['expires_at']) : Number.NaN;
    models.push({
      name: cleanText(m['name'], MAX_MODEL_ID),
      sizeBytes: bytes(m['size']),
      vramBytes: bytes(m['size_vram']),
      // Ollama writes a far-future time for a model kept forever (keep_alive -1); it is still a time.
      expiresAt: Number.isFinite(expires) ? expires : null,
    });
  }
  return { ok: true, figures: { ...NO_FIGURES, loadedModels: models } };
}

/** LM Studio `GET /api/v0/models`: which of its models are loaded (`state: "loaded"`); sizes are not given. */
export function parseLmStudioModels(text: string): LoadParse {
  const body = json(text);
  const list = isObject(body) ? body['data'] : undefined;
  if (!Array.isArray(list)) return { ok: false, message: "/api/v0/models has no 'data' array" };
  const models: LoadedModel[] = [];
  for (const m of list) {
    if (isObject(m) && typeof m['id'] === 'string' && m['state'] === 'loaded') {
      models.push({ name: cleanText(m['id'], MAX_MODEL_ID), sizeBytes: null, vramBytes: null, expiresAt: null });
    }
  }
  return { ok: true, figures: { ...NO_FIGURES, loadedModels: models } };
}
