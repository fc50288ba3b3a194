import type { RouterView } from '../core/load.js';

/**
 * The --once table's router line: `router URL: degraded, 1/2 healthy, 3 models, 4 pending`, or why it
 * could not be read. Router backends the config does not name are listed (they are matched by name).
 */
export function routerText(router: RouterView, fleetNames: ReadonlySet<string>): string {
  const head = `router ${router.url}`;
  if (router.at === null) return `${head}: not read`;
  if (router.error !== null && router.health === null && router.backends.size === 0) return `${head}: unreachable (${router.error.kind}: ${router.error.message})`;
  const parts: string[] = [];
  const h = router.health;
  if (h) {
    parts.push(h.status);
    if (h.backendsHealthy !== null && h.backendsTotal !== null) parts.push(`${h.backendsHealthy}/${h.backendsTotal} healthy`);
    if (h.models !== null) parts.push(`${h.models} ${h.models === 1 ? 'model' : 'models'}`);
  }
  const stats = [...router.backends.values()];
  const pending = stats.reduce<number | null>((n, s) => (s.pending === null ? n : (n ?? 0) + s.pending), null);
  if (pending !== null) parts.push(`${pending} pending`);
  const strangers = [...router.backends.keys()].filter((name) => !fleetNames.has(name));
  if (strangers.length > 0) parts.push(`not in this config: ${strangers.slice(0, 3).join(', ')}${strangers.length > 3 ? ` and ${strangers.length - 3} more` : ''}`);
  if (router.error) parts.push(`${router.error.kind}: ${router.error.message}`);
  return `${head}: ${parts.join(', ')}`;
}
