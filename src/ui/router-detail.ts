/**
 * The Nexus router's figures for one backend, for the detail pane: its pending requests, request count and
 * average latency as the router sees them (matched by name). Pure.
 */
import type { RouterView } from '../core/load.js';
import { formatLatency } from '../output/format.js';
import { clockTime, coarseAge } from './format.js';
import type { Segment } from './layout.js';
import type { Theme } from './theme.js';

/** The detail pane's lines for `name` (label width `label`); none without a router. */
export function routerDetailLines(name: string, router: RouterView | null, now: number, theme: Theme, label: number): Segment[][] {
  if (router === null) return [];
  const field = (text: string, extra: Partial<Segment> = {}): Segment[] => [{ text: 'router'.padEnd(label), dim: true }, { text, ...extra }];
  if (router.at === null) return [field('not read yet', { dim: true })];
  const age: Segment = { text: `  read ${clockTime(router.at)} (${coarseAge(now - router.at)} ago)`, dim: true };
  const s = router.backends.get(name);
  if (s === undefined) {
    if (router.error) return [[...field(`unknown: ${router.error.message}`, theme.color ? { colour: 'red' } : {}), age]];
    return [[...field(`not among the router's ${router.backends.size} backends (matched by name)`, { dim: true }), age]];
  }
  const count = (n: number | null): string => (n === null ? '?' : String(n));
  const pending = `${count(s.pending)} pending`;
  return [
    [...field(pending, s.pending !== null && s.pending > 0 ? { bold: true } : {}), { text: `  ${count(s.requests)} requests  avg ${formatLatency(s.averageLatencyMs)}` }, age],
  ];
}
