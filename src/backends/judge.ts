import type { ProbeOutcome } from '../core/outcome.js';
import { cleanText, MAX_MODEL_ID } from '../text/sanitize.js';
import type { Exchange, HttpAnswer } from './types.js';

/**
 * Rules every backend type shares (pure): how a 2xx body, an error status, a loading 503
 * and a transport failure become a ProbeOutcome.
 */

export type Failure = Extract<ProbeOutcome, { outcome: 'failure' }>;
type JsonObject = Record<string, unknown>;

const isObject = (value: unknown): value is JsonObject => typeof value === 'object' && value !== null && !Array.isArray(value);

export const isSuccess = (status: number): boolean => status >= 200 && status < 300;

/** A transport failure (already classified by the shell) as an outcome. */
export function exchangeFailure(exchange: Extract<Exchange, { ok: false }>): Failure {
  return { outcome: 'failure', kind: exchange.kind, message: cleanText(exchange.message) };
}

function parseFailure(message: string, status: number): Failure {
  return { outcome: 'failure', kind: 'parse', message, status };
}

/** The server's own words in an error body: `error.message`, `error` string, `detail`, `message`. */
export function serverMessage(json: unknown): string | undefined {
  if (!isObject(json)) return undefined;
  const { error, detail, message } = json;
  const candidates = [isObject(error) ? error.message : error, detail, message];
  for (const candidate of candidates) {
    if (typeof candidate === 'string') {
      const text = cleanText(candidate);
      if (text) return text;
    }
  }
  return undefined;
}

function tryJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

// Starts with markup, or carries a tag anywhere: never echoed.
const HTML = /^\s*<|<\/?[a-z!][^<>]*>/i;

/** Why a 2xx body is not JSON, in a few words (never echoing markup). */
function describeNonJson(body: string, error: unknown): string {
  const text = body.trim();
  if (!text) return 'empty body';
  if (text.startsWith('{') || text.startsWith('[')) {
    const reason = error instanceof Error ? error.message : '';
    const at = /at position (\d+)/.exec(reason);
    const truncated = /end of JSON input/i.test(reason) || (at !== null && Number(at[1]) >= body.trimEnd().length);
    return truncated ? 'truncated JSON' : 'invalid JSON';
  }
  if (HTML.test(text.slice(0, 2048))) return 'expected JSON, got HTML';
  const snippet = cleanText(text, 60);
  return snippet ? `expected JSON, got text: ${snippet}` : 'expected JSON, got text';
}

/** A 503 whose JSON is `error.type == "unavailable_error"` (llama.cpp while it loads): any type, any path. */
export function loadingOf(answer: HttpAnswer): ProbeOutcome | undefined {
  if (answer.status !== 503) return undefined;
  const json = tryJson(answer.body);
  if (!isObject(json) || !isObject(json.error) || json.error.type !== 'unavailable_error') return undefined;
  return { outcome: 'loading', message: serverMessage(json) ?? 'loading' };
}

/** `HTTP 404: File Not Found` (the server said why) or `HTTP 502 Bad Gateway`; redirects say where to. */
export function httpFailure(answer: HttpAnswer, json: unknown = tryJson(answer.body)): Failure {
  const said = serverMessage(json);
  let message = said ? `HTTP ${answer.status}: ${said}` : `HTTP ${answer.status} ${process.getBuiltinModule('node:http').STATUS_CODES[answer.status] ?? ''}`.trimEnd();
  const location = answer.headers.location;
  if (answer.status >= 300 && answer.status < 400 && location) {
    // Only where it points, not its query (which may carry tokens).
    const target = cleanText(location.split(/[?#]/)[0] ?? '', 120);
    if (target) message += ` (redirect to ${target}, not followed)`;
  }
  return { outcome: 'failure', kind: 'http', message: cleanText(message), status: answer.status };
}

/**
 * The verdicts every answer gets before its type-specific reading: loading, non-2xx, non-JSON,
 * JSON that is not an object. Returns the JSON object to read, or the outcome already decided.
 */
export function judgeAnswer(answer: HttpAnswer): { json: JsonObject } | { outcome: ProbeOutcome } {
  const loading = loadingOf(answer);
  if (loading) return { outcome: loading };
  if (!isSuccess(answer.status)) return { outcome: httpFailure(answer) };
  let json: unknown;
  try {
    json = JSON.parse(answer.body);
  } catch (error) {
    return { outcome: parseFailure(describeNonJson(answer.body, error), answer.status) };
  }
  if (json === null) return { outcome: parseFailure('expected a JSON object, got null', answer.status) };
  if (Array.isArray(json)) return { outcome: parseFailure('expected a JSON object, got an array', answer.status) };
  if (!isObject(json)) return { outcome: parseFailure(`expected a JSON object, got ${typeof json}`, answer.status) };
  return { json };
}

/** A 2xx whose JSON is only an error (LM Studio on unknown paths): the server refused, in its words. */
export function errorOnly(json: JsonObject, status: number, listKey: string): Failure | undefined {
  if (listKey in json || !('error' in json)) return undefined;
  const said = serverMessage(json);
  if (said === undefined && !isObject(json.error) && typeof json.error !== 'string') return undefined;
  return { outcome: 'failure', kind: 'http', message: cleanText(`HTTP ${status}: ${said ?? 'error'}`), status };
}

/** Usable ids from a list of entries: strings only, sanitised, empty ones skipped, duplicates once, server order. */
export function idsOf(entries: readonly unknown[], field: string): string[] {
  const seen = new Set<string>();
  for (const entry of entries) {
    if (!isObject(entry)) continue;
    const raw = entry[field];
    if (typeof raw !== 'string') continue;
    const id = cleanText(raw, MAX_MODEL_ID);
    if (id) seen.add(id);
  }
  return [...seen];
}

export interface ListSpec {
  /** The key of the list in the body, e.g. `data` or `models`. */
  key: string;
  /** The field of each entry holding its id, e.g. `id` or `name`. */
  id: string;
  /** `"key": null` means no models (Ollama's /v1/models). */
  nullIsEmpty?: boolean;
  /** A body without the key means no models (Google omits empty lists). */
  missingIsEmpty?: boolean;
  /** Another list to read when `key` is absent (llama.cpp also carries `models[].name`). */
  fallback?: { key: string; id: string };
}

/** The whole verdict for an endpoint that lists models. */
export function modelListOutcome(answer: HttpAnswer, spec: ListSpec): ProbeOutcome {
  const judged = judgeAnswer(answer);
  if ('outcome' in judged) return judged.outcome;
  const { json } = judged;
  const refused = errorOnly(json, answer.status, spec.key);
  if (refused) return refused;
  let { key, id } = spec;
  if (!(key in json) && spec.fallback && spec.fallback.key in json) ({ key, id } = spec.fallback);
  const list = json[key];
  if (list === undefined) {
    return spec.missingIsEmpty ? { outcome: 'ok', models: [] } : parseFailure(`no "${key}" list in the answer`, answer.status);
  }
  if (list === null && spec.nullIsEmpty) return { outcome: 'ok', models: [] };
  if (!Array.isArray(list)) return parseFailure(`"${key}" is not an array`, answer.status);
  return { outcome: 'ok', models: idsOf(list, id) };
}

/** One GET and its list: the whole check of a single-endpoint backend. */
export async function checkList(get: (path: string) => Promise<Exchange>, path: string, parse: (answer: HttpAnswer) => ProbeOutcome): Promise<ProbeOutcome> {
  const exchange = await get(path);
  return exchange.ok ? parse(exchange) : exchangeFailure(exchange);
}

export const bearer = (apiKey: string): Record<string, string> => ({ authorization: `Bearer ${apiKey}` });
