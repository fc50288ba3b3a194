import type { RouterView } from '../core/load.js';
import { isoTime } from './format.js';

/**
 * The Nexus router's view in `--json` (top level `"router"`): `null` without `[top] router_url`. What the
 * router did not say is null; `error` is set when an endpoint could not be read. `backends` is keyed by
 * the names the router uses (the same as the config's, when both read the same nexus.toml).
 */
export function routerJson(router: RouterView | null) {
  if (router === null) return null;
  const h = router.health;
  return {
    url: router.url,
    at: router.at === null ? null : isoTime(router.at),
    error: router.error ? { kind: router.error.kind, message: router.error.message } : null,
    health: h
      ? { status: h.status, backends_total: h.backendsTotal, backends_healthy: h.backendsHealthy, backends_unhealthy: h.backendsUnhealthy, models: h.models, uptime_seconds: h.uptimeSeconds }
      : null,
    // fromEntries defines own keys, so a name such as `__proto__` is data, not a prototype.
    backends: Object.fromEntries([...router.backends].map(([name, s]) => [name, { pending: s.pending, requests: s.requests, average_latency_ms: s.averageLatencyMs }])),
  };
}
