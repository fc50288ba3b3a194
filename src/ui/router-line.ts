/**
 * The header's router line (`[top] router_url`): the Nexus router's own verdict on the fleet, or why it
 * cannot be read — one line for the whole router, never an error per backend. Pure, like lines.ts.
 */
import type { RouterView } from '../core/load.js';
import { coarseAge } from './format.js';
import type { Segment } from './layout.js';
import type { Colour, Theme } from './theme.js';

const STATUS_LOOK: Record<string, { glyph: 'healthy' | 'loading' | 'unhealthy'; colour: Colour }> = {
  healthy: { glyph: 'healthy', colour: 'green' },
  degraded: { glyph: 'loading', colour: 'yellow' },
  unhealthy: { glyph: 'unhealthy', colour: 'red' },
};

/** `1d 2h`, `3h`, `12m`: how long the router has been up. */
function uptime(seconds: number): string {
  const days = Math.floor(seconds / 86_400);
  if (days >= 1) {
    const hours = Math.floor((seconds % 86_400) / 3_600);
    return hours > 0 ? `${days}d ${hours}h` : `${days}d`;
  }
  return coarseAge(seconds * 1000);
}

/**
 * `router ◐ degraded  1/2 healthy  ·  3 models  ·  up 1d  ·  http://nexus:8000`; unreachable it is
 * `router ✖ unreachable: connection refused  ·  http://nexus:8000`. The URL comes last: it is what a
 * narrow terminal cuts first.
 */
export function routerSegments(router: RouterView, now: number, theme: Theme): Segment[] {
  const sep: Segment = { text: `  ${theme.glyph.separator}  `, dim: true };
  const red = (text: string): Segment => ({ text, bold: true, ...(theme.color ? { colour: 'red' as const } : {}) });
  const out: Segment[] = [{ text: 'router ', bold: true }];
  const tail: Segment[] = [sep, { text: router.url, dim: true }];
  if (router.at === null) return [...out, { text: 'not read yet', dim: true }, ...tail];
  // Nothing could be read (as backends/router.ts routerUnreachable; not imported, to keep the first frame light).
  if (router.error !== null && router.health === null && router.backends.size === 0) {
    return [...out, red(`${theme.statusGlyph('unhealthy')} unreachable: ${router.error!.message}`), { text: ` (${coarseAge(now - router.at)} ago)`, dim: true }, ...tail];
  }
  const h = router.health;
  if (h) {
    const look = STATUS_LOOK[h.status];
    out.push({ text: `${theme.statusGlyph(look?.glyph ?? 'unknown')} ${h.status}`, bold: look !== undefined && look.glyph !== 'healthy', ...(theme.color && look ? { colour: look.colour } : {}) });
    if (h.backendsHealthy !== null && h.backendsTotal !== null) out.push({ text: `  ${h.backendsHealthy}/${h.backendsTotal} healthy` });
    if (h.models !== null) out.push(sep, { text: `${h.models} ${h.models === 1 ? 'model' : 'models'}` });
  }
  const pending = [...router.backends.values()].reduce<number | null>((n, s) => (s.pending === null ? n : (n ?? 0) + s.pending), null);
  if (pending !== null) out.push(sep, { text: `${pending} pending` });
  if (router.error) out.push(sep, red(router.error.message));
  if (h?.uptimeSeconds !== null && h?.uptimeSeconds !== undefined) out.push(sep, { text: `up ${uptime(h.uptimeSeconds)}`, dim: true });
  return [...out, ...tail];
}
