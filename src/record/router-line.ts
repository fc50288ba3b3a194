/**
 * The Nexus router's view in a recording: `{"type":"router","ts":ISO,"url","error","health","backends"}`,
 * the `--json` shape with `ts` for `at`, written at each read of the router and replayed in order with the
 * probes. Pure. A recording is a file anyone can write: strings are made safe again, and a figure that is
 * not a number ≥ 0 reads as unknown.
 */
import type { RouterBackendStats, RouterHealth, RouterView, SideError } from '../core/load.js';
import { FAILURE_KINDS, type FailureKind } from '../core/outcome.js';
import { routerJson } from '../output/router-json.js';
import { cleanText, MAX_MODEL_ID } from '../text/sanitize.js';

/** The line for a read of the router; null before the first read (there is nothing to replay). */
export function routerLineJson(view: RouterView) {
  if (view.at === null) return null;
  const { at: _at, ...rest } = routerJson(view)!;
  return { type: 'router', ts: new Date(view.at).toISOString(), ...rest };
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const figure = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : null);

export type RouterLine = { type: 'router'; ts: number; view: RouterView };

/** A `router` line of a recording, or what is wrong with it. */
export function parseRouterLine(o: Obj): { ok: true; value: RouterLine } | { ok: false; error: string } {
  const ts = typeof o['ts'] === 'string' ? Date.parse(o['ts']) : NaN;
  if (!Number.isFinite(ts)) return { ok: false, error: "router: 'ts' must be an ISO-8601 time" };
  if (typeof o['url'] !== 'string') return { ok: false, error: "router: 'url' must be a string" };
  const e = o['error'];
  let error: SideError | null = null;
  if (isObj(e)) {
    const kind = (FAILURE_KINDS as readonly string[]).includes(e['kind'] as string) ? (e['kind'] as FailureKind) : 'connection';
    error = { kind, message: cleanText(typeof e['message'] === 'string' ? e['message'] : 'unknown error') };
  }
  const h = o['health'];
  const health: RouterHealth | null = isObj(h)
    ? {
        status: (typeof h['status'] === 'string' ? cleanText(h['status'], 40) : '') || 'unknown',
        backendsTotal: figure(h['backends_total']),
        backendsHealthy: figure(h['backends_healthy']),
        backendsUnhealthy: figure(h['backends_unhealthy']),
        models: figure(h['models']),
        uptimeSeconds: figure(h['uptime_seconds']),
      }
    : null;
  const backends = new Map<string, RouterBackendStats>();
  if (isObj(o['backends'])) {
    for (const [raw, s] of Object.entries(o['backends'])) {
      const name = cleanText(raw, MAX_MODEL_ID);
      if (!name || !isObj(s)) continue;
      backends.set(name, { pending: figure(s['pending']), requests: figure(s['requests']), averageLatencyMs: figure(s['average_latency_ms']) });
    }
  }
  return { ok: true, value: { type: 'router', ts, view: { url: cleanText(o['url'], 8192), at: ts, error, health, backends } } };
}
