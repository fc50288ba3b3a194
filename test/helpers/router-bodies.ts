/**
 * The wire files that are Nexus router bodies (read by src/backends/router.ts, not by the health parsers).
 * src/backends/parsers.test.ts requires every wire file to be a health verdict there, a load body
 * (load-bodies.ts) or a router body here, so a new capture cannot be forgotten.
 */
export const ROUTER_BODIES = {
  'nexus/v1_stats.http': 'stats',
  'nexus/health.http': 'health',
} as const satisfies Record<string, 'stats' | 'health'>;

export const isRouterBody = (file: string): boolean => file in ROUTER_BODIES;
