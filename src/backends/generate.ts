/**
 * The generation check (issue 15 part 2), pure: which backends get one, which model, the request each
 * type wants, and what its answer means. The shell (probe/generate.ts) supplies `send` and the stopwatch.
 *
 * Not streamed: with one token asked, the whole answer IS the first token (prompt read, one token made),
 * so the time to the complete answer is the time to the first token plus a few hundred bytes of JSON.
 * A streamed request would need an SSE reader beside the probe's body reader (limit, decoding, deadline)
 * and behaves less uniformly across servers (Ollama's `stream` default, proxies buffering SSE) for a
 * difference well under a millisecond on the loopback.
 */
import type { BackendType } from '../config/types.js';
import type { SideError } from '../core/load.js';
import { cleanText } from '../text/sanitize.js';
import { driverFor } from './index.js';
import { httpFailure, judgeAnswer, loadingOf, serverMessage } from './judge.js';
import { parseOllamaPs } from './load/figures.js';
import type { Exchange, HttpAnswer, Send } from './types.js';

/** Cloud types bill every request: checked only when the backend is named in `[top.generate_models]`. */
const PAID: ReadonlySet<BackendType> = new Set<BackendType>(['openai', 'anthropic', 'google']);

/** Whether a backend of this type gets a generation check (`named`: its `[top.generate_models]` entry). */
export function generationApplies(type: BackendType, named: string | undefined): boolean {
  return !PAID.has(type) || named !== undefined;
}

/** A request to send: the path and its JSON body. */
export interface GenerationRequest {
  path: string;
  body: Record<string, unknown>;
}

/** The prompt: one short word, so the check costs one token in and one out. */
const PROMPT = 'hi';

/** One token of `model`, in the dialect of the type. */
export function generationRequest(type: BackendType, model: string): GenerationRequest {
  switch (type) {
    case 'ollama':
      // stream false: one JSON answer; no keep_alive given, so the check does not change how long it stays loaded.
      return { path: '/api/generate', body: { model, prompt: PROMPT, stream: false, options: { num_predict: 1 } } };
    case 'anthropic':
      return { path: '/v1/messages', body: { model, max_tokens: 1, messages: [{ role: 'user', content: PROMPT }] } };
    case 'google':
      return { path: `/v1beta/models/${encodeURIComponent(model.replace(/^models\//, ''))}:generateContent`, body: { contents: [{ parts: [{ text: PROMPT }] }], generationConfig: { maxOutputTokens: 1 } } };
    case 'openai':
    case 'exo':
      // OpenAI's own models answer chat completions only (the legacy endpoint serves a few instruct
      // models); Exo serves no other.
      return { path: '/v1/chat/completions', body: { model, max_tokens: 1, messages: [{ role: 'user', content: PROMPT }] } };
    default:
      return { path: '/v1/completions', body: { model, prompt: PROMPT, max_tokens: 1, stream: false } };
  }
}

/** What a completion answer means: it generated, it refused (the backend is loading), or it failed. */
export type GenerationVerdict = { outcome: 'ok' } | { outcome: 'skipped'; reason: string } | { outcome: 'failed'; error: SideError };

type JsonObject = Record<string, unknown>;
const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The key a type's completion answer must carry to count as generated. */
function generatedKey(type: BackendType): string {
  switch (type) {
    case 'ollama':
      return 'response';
    case 'anthropic':
      return 'content';
    case 'google':
      return 'candidates';
    default:
      return 'choices';
  }
}

/** The verdict on one completion exchange. A 2xx without the answer's key, or with only an error, failed. */
export function judgeGeneration(type: BackendType, exchange: Exchange): GenerationVerdict {
  if (!exchange.ok) return { outcome: 'failed', error: { kind: exchange.kind, message: cleanText(exchange.message) } };
  const loading = loadingOf(exchange);
  // A backend loading its model is not failing (the probe says loading); there is nothing to time yet.
  if (loading?.outcome === 'loading') return { outcome: 'skipped', reason: `backend is loading: ${loading.message}` };
  const absent = notServed(exchange);
  if (absent !== null) return { outcome: 'skipped', reason: absent };
  const judged = judgeAnswer(exchange);
  if ('outcome' in judged) {
    const o = judged.outcome;
    return o.outcome === 'failure' ? { outcome: 'failed', error: { kind: o.kind, message: o.message } } : { outcome: 'failed', error: { kind: 'parse', message: 'unexpected answer' } };
  }
  const { json } = judged;
  const key = generatedKey(type);
  if ('error' in json && json['error'] !== null && json['error'] !== undefined) return { outcome: 'failed', error: refused(exchange, json) };
  const value = json[key];
  const ok = key === 'response' ? typeof value === 'string' : Array.isArray(value) && (key !== 'choices' || value.length > 0);
  if (!ok) return { outcome: 'failed', error: { kind: 'parse', message: `no "${key}" in the completion answer` } };
  return { outcome: 'ok' };
}

/** What a server says when a route does not exist (FastAPI's `{"detail": "Not Found"}`, Go's text). */
const ROUTE_MISSING = /^(404 page )?(not found|method not allowed|not implemented)\.?$/i;

/**
 * A server without the completion endpoint (an embeddings-only server, a proxy passing chat only):
 * a 404, 405 or 501 that names no reason beyond the route. Not a fault: the check is skipped, saying so.
 * A 404 with words of its own (vLLM's "The model `x` does not exist") is a failure.
 */
function notServed(answer: HttpAnswer): string | null {
  if (answer.status !== 404 && answer.status !== 405 && answer.status !== 501) return null;
  let said: string | undefined;
  try {
    said = serverMessage(JSON.parse(answer.body));
  } catch {
    said = cleanText(answer.body, 80) || undefined;
    if (said !== undefined && /[<>]/.test(said)) said = undefined;
  }
  if (said !== undefined && !ROUTE_MISSING.test(said.trim())) return null;
  return `the completion endpoint is not served here (HTTP ${answer.status})`;
}

/** A 2xx carrying an error (some proxies answer so): the server's words, as an HTTP failure. */
function refused(answer: HttpAnswer, json: JsonObject): SideError {
  const said = serverMessage(json);
  if (said !== undefined) return { kind: 'http', message: cleanText(`HTTP ${answer.status}: ${said}`) };
  const f = httpFailure(answer, json);
  return { kind: 'http', message: f.message };
}

/** The model to ask, or why there is none. */
export type ModelChoice = { model: string } | { skipped: string };

/** Not Ollama: the named model, else the first the backend lists, else none yet. */
export function chooseModel(named: string | undefined, listed: readonly string[]): ModelChoice {
  if (named !== undefined) return { model: named };
  const first = listed[0];
  return first !== undefined ? { model: first } : { skipped: 'no model listed yet' };
}

/**
 * Ollama: only a model `/api/ps` says is in memory, so the check never makes it load one (seconds to
 * minutes of disk and VRAM for a health check): the named one if loaded, else the first loaded.
 */
export function chooseLoaded(named: string | undefined, loaded: readonly string[]): ModelChoice {
  if (named !== undefined) {
    // Ollama names carry a tag (`qwen3:14b`, `llama3:latest`); a name without one means `latest`.
    const found = loaded.find((m) => m === named || m === `${named}:latest`);
    return found !== undefined ? { model: found } : { skipped: `${cleanText(named, 80)} is not loaded` };
  }
  const first = loaded[0];
  return first !== undefined ? { model: first } : { skipped: 'no model loaded (the check never loads one)' };
}

/** What one check found, before the shell stamps it with the backend and the time. */
export type GenerationFound =
  | { outcome: 'ok'; model: string; ttftMs: number }
  | { outcome: 'failed'; model: string | null; error: SideError }
  | { outcome: 'skipped'; model: string | null; reason: string };

export interface GenerationSpec {
  type: BackendType;
  /** Its `[top.generate_models]` entry. */
  named: string | undefined;
  /** The models its last probe listed. */
  listed: readonly string[];
}

/**
 * The whole check: (Ollama: `/api/ps` first), then one completion, timed by `stopwatch` (started just
 * before the request is sent; its function gives the elapsed ms). Sequences `send` only: no I/O of its own.
 */
export async function runGeneration(spec: GenerationSpec, send: Send, stopwatch: () => () => number): Promise<GenerationFound> {
  let choice: ModelChoice;
  if (spec.type === 'ollama') {
    const ps = await send('/api/ps');
    // Which model is loaded cannot be told: nothing is asked (a guess could make Ollama load one), and
    // the failure is not generation's (the probe reports an Ollama that does not answer).
    if (!ps.ok) return { outcome: 'skipped', model: null, reason: cleanText(`cannot tell which model is loaded: /api/ps: ${ps.message}`) };
    const judged = judgeAnswer(ps);
    if ('outcome' in judged) {
      const o = judged.outcome;
      const message = o.outcome === 'ok' ? 'unexpected answer' : o.message;
      return { outcome: 'skipped', model: null, reason: cleanText(`cannot tell which model is loaded: /api/ps: ${message}`) };
    }
    const read = parseOllamaPs(ps.body);
    if (!read.ok) return { outcome: 'skipped', model: null, reason: cleanText(`cannot tell which model is loaded: ${read.message}`) };
    choice = chooseLoaded(spec.named, (read.figures.loadedModels ?? []).map((m) => m.name));
  } else {
    let listed = spec.listed;
    // No list yet (the first round, --once where the probe runs beside): list them the probe's way first.
    if (spec.named === undefined && listed.length === 0) {
      const probed = await driverFor(spec.type).check(send);
      // A list that cannot be read is the probe's failure to report, not generation's: nothing to ask.
      if (probed.outcome === 'ok' && probed.models !== null) listed = probed.models;
    }
    choice = chooseModel(spec.named, listed);
  }
  if ('skipped' in choice) return { outcome: 'skipped', model: null, reason: choice.skipped };
  const { model } = choice;
  const request = generationRequest(spec.type, model);
  const elapsed = stopwatch();
  const answer = await send(request.path, request.body);
  const ms = elapsed();
  const verdict = judgeGeneration(spec.type, answer);
  if (verdict.outcome === 'ok') return { outcome: 'ok', model, ttftMs: ms };
  if (verdict.outcome === 'skipped') return { outcome: 'skipped', model, reason: verdict.reason };
  return { outcome: 'failed', model, error: verdict.error };
}
