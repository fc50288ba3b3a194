/**
 * The Nexus router's own view of the fleet (pure parsers; the fetching is in probe/router.ts).
 * `GET /v1/stats` gives per backend its request count, average latency and pending requests; `GET /health`
 * a summary. Nexus gives its backends a new UUID at every start, so backends are matched by name.
 * Every figure the router does not send, or sends as something that is not a number, is null.
 */
import type { RouterBackendStats, RouterHealth, RouterView, SideError } from '../core/load.js';
import { cleanText, MAX_MODEL_ID } from '../text/sanitize.js';
import { judgeAnswer } from './judge.js';
import type { Exchange, HttpAnswer } from './types.js';

export const ROUTER_STATS_PATH = '/v1/stats';
export const ROUTER_HEALTH_PATH = '/health';

export type RouterParse<T> = { ok: true; value: T } | { ok: false; error: SideError };

type JsonObject = Record<string, unknown>;
const isObject = (value: unknown): value is JsonObject => typeof value === 'object' && value !== null && !Array.isArray(value);

/** A count or a duration: a finite number, not negative; anything else is unknown. */
const figure = (value: unknown): number | null => (typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : null);
const whole = (value: unknown): number | null => {
  const n = figure(value);
  return n === null ? null : Math.round(n);
};

/** The JSON object of a 2xx answer, or why there is none (status, HTML, truncated JSON …) as a side error. */
function objectOf(answer: HttpAnswer): RouterParse<JsonObject> {
  const judged = judgeAnswer(answer);
  if ('json' in judged) return { ok: true, value: judged.json };
  const o = judged.outcome;
  if (o.outcome === 'failure') return { ok: false, error: { kind: o.kind, message: o.message } };
  // A 503 "loading" from something that is not a router: still not an answer.
  return { ok: false, error: { kind: 'http', message: cleanText(`HTTP ${answer.status}: ${o.outcome === 'loading' ? o.message : 'unexpected answer'}`) } };
}

/**
 * `GET /v1/stats` → the router's figures per backend name. Entries without a usable name are skipped; a
 * name listed twice (two router backends of one name) has its counts added up and its latency averaged
 * over the requests, as one backend of that name would show them.
 */
export function parseRouterStats(answer: HttpAnswer): RouterParse<Map<string, RouterBackendStats>> {
  const judged = objectOf(answer);
  if (!judged.ok) return judged;
  const list = judged.value.backends;
  if (list === undefined) return { ok: false, error: { kind: 'parse', message: 'no "backends" list in the answer (is it a Nexus router?)' } };
  if (!Array.isArray(list)) return { ok: false, error: { kind: 'parse', message: '"backends" is not an array' } };
  const out = new Map<string, RouterBackendStats>();
  for (const entry of list) {
    if (!isObject(entry) || typeof entry.name !== 'string') continue;
    const name = cleanText(entry.name, MAX_MODEL_ID);
    if (!name) continue;
    const stats: RouterBackendStats = { pending: whole(entry.pending), requests: whole(entry.requests), averageLatencyMs: figure(entry.average_latency_ms) };
    const before = out.get(name);
    out.set(name, before ? merged(before, stats) : stats);
  }
  return { ok: true, value: out };
}

const add = (a: number | null, b: number | null): number | null => (a === null || b === null ? null : a + b);

function merged(a: RouterBackendStats, b: RouterBackendStats): RouterBackendStats {
  const requests = add(a.requests, b.requests);
  let averageLatencyMs: number | null = null;
  if (a.averageLatencyMs !== null && b.averageLatencyMs !== null && a.requests !== null && b.requests !== null) {
    averageLatencyMs = requests === 0 ? 0 : (a.averageLatencyMs * a.requests + b.averageLatencyMs * b.requests) / requests!;
  }
  return { pending: add(a.pending, b.pending), requests, averageLatencyMs };
}

/** `GET /health` → the router's summary. A status it does not send reads `unknown`. */
export function parseRouterHealth(answer: HttpAnswer): RouterParse<RouterHealth> {
  const judged = objectOf(answer);
  if (!judged.ok) return judged;
  const json = judged.value;
  const backends = isObject(json.backends) ? json.backends : {};
  const status = typeof json.status === 'string' ? cleanText(json.status, 40) : '';
  return {
    ok: true,
    value: {
      status: status || 'unknown',
      backendsTotal: whole(backends.total),
      backendsHealthy: whole(backends.healthy),
      backendsUnhealthy: whole(backends.unhealthy),
      models: whole(json.models),
      uptimeSeconds: whole(json.uptime_seconds),
    },
  };
}

/** An exchange read by a parser: a transport failure (already classified) is the side error. */
export function readExchange<T>(exchange: Exchange, parse: (answer: HttpAnswer) => RouterParse<T>): RouterParse<T> {
  if (!exchange.ok) return { ok: false, error: { kind: exchange.kind, message: cleanText(exchange.message) } };
  return parse(exchange);
}

const NO_BACKENDS: ReadonlyMap<string, RouterBackendStats> = new Map();

/**
 * One round of both endpoints as the views show it. What failed is unknown (null, no backends), never the
 * last reading passed off as now. When both failed the same way (the router is down), one error says so;
 * when one endpoint failed, the error names it.
 */
export function routerViewOf(url: string, at: number, stats: RouterParse<ReadonlyMap<string, RouterBackendStats>>, health: RouterParse<RouterHealth>): RouterView {
  let error: SideError | null = null;
  if (!stats.ok && !health.ok) error = stats.error.message === health.error.message ? stats.error : { kind: stats.error.kind, message: `${ROUTER_STATS_PATH}: ${stats.error.message}; ${ROUTER_HEALTH_PATH}: ${health.error.message}` };
  else if (!stats.ok) error = { kind: stats.error.kind, message: `${ROUTER_STATS_PATH}: ${stats.error.message}` };
  else if (!health.ok) error = { kind: health.error.kind, message: `${ROUTER_HEALTH_PATH}: ${health.error.message}` };
  return {
    url,
    at,
    error: error === null ? null : { kind: error.kind, message: cleanText(error.message) },
    health: health.ok ? health.value : null,
    backends: stats.ok ? stats.value : NO_BACKENDS,
  };
}

/** The view before the first round: a router is configured, nothing read yet. */
export function routerNotYetRead(url: string): RouterView {
  return { url, at: null, error: null, health: null, backends: NO_BACKENDS };
}

/** Nothing could be read from the router (the header says "unreachable"), as opposed to one endpoint failing. */
export const routerUnreachable = (view: RouterView): boolean => view.error !== null && view.health === null && view.backends.size === 0;
