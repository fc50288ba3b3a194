import { Gauge, type Registry } from 'prom-client';
import type { FleetSnapshot } from '../store/types.js';

/**
 * The Nexus router's view (`[top] router_url`): whether it could be read, and its pending requests per
 * backend. Labels are the config's backend names only (the router's own names never become labels), and
 * a pending series is absent while unknown: without a router, before its first read, for a backend it does
 * not name. `router_up` exists when a router was configured at start.
 */
/** `prefix`: registry.ts's METRIC_PREFIX (passed in: registry.ts imports this file). */
export function registerRouterMetrics(registry: Registry, snapshot: () => FleetSnapshot, prefix: string): void {
  const registers = [registry];
  // An unlabelled gauge always has a sample: registered only when a router is configured at start (the
  // metrics server is made after the engine, which sets the router view); 0 until the first good read.
  if (snapshot().router !== null) {
    const up = new Gauge({
      name: `${prefix}router_up`,
      help: 'Whether the last read of the Nexus router (/v1/stats and /health) succeeded (1) or not (0, also before the first read).',
      registers,
      collect() {
        const router = snapshot().router;
        up.set(router !== null && router.at !== null && router.error === null ? 1 : 0);
      },
    });
  }
  const pending = new Gauge({
    name: `${prefix}router_backend_pending`,
    help: "Requests the Nexus router has pending for the backend, as the router's /v1/stats says.",
    labelNames: ['backend'] as const,
    registers,
    collect() {
      pending.reset();
      const s = snapshot();
      if (!s.router) return;
      for (const b of s.backends) {
        const p = s.router.backends.get(b.name)?.pending;
        if (p !== undefined && p !== null) pending.set({ backend: b.name }, p);
      }
    },
  });
}
