/** The generation check on screen: the row's mark, and the detail pane's lines (pure). */
import { formatLatency } from '../output/format.js';
import type { BackendView } from '../store/types.js';
import { clockTime, coarseAge } from './format.js';
import type { Segment } from './segment.js';
import type { Theme } from './theme.js';

/** Beside the STATUS word when the last generation check failed: a glyph and a word, never colour alone. */
export const GENERATION_FAILED = 'gen';

/** The row's mark (`✖gen`), or null when the last check did not fail (ok, skipped, off). */
export function generationMark(b: BackendView, theme: Theme): string | null {
  const g = b.generation;
  return g !== null && !g.ok && g.skipped === null ? `${theme.glyph.failure}${GENERATION_FAILED}` : null;
}

/** LATENCY's detail: the last generation check's time to first token, when there is one. */
export function ttftText(b: BackendView, now: number): string | null {
  const g = b.generation;
  if (g === null) return null;
  if (g.ttftMs !== null) return `generation ttft ${formatLatency(g.ttftMs)} (${coarseAge(now - g.at)} ago)`;
  return `generation ttft - (last check ${g.skipped !== null ? 'skipped' : 'failed'})`;
}

/** The detail pane's `generation` field: model, TTFT, age, and the error or why it was skipped. */
export function generationLines(b: BackendView, now: number, theme: Theme, label: (name: string, value: string, extra?: Partial<Segment>) => Segment[], indent: () => Segment): Segment[][] {
  const g = b.generation;
  if (g === null) return [];
  const when = `${clockTime(g.at)} (${coarseAge(now - g.at)} ago)`;
  const model = g.model ?? 'no model';
  if (g.ok) return [label('generation', `${theme.glyph.success} ok  ${model}  ttft ${formatLatency(g.ttftMs)}  at ${when}`)];
  if (g.skipped !== null) return [label('generation', `skipped: ${g.skipped}  at ${when}`, { dim: true })];
  const red = theme.color ? { colour: 'red' as const } : {};
  return [label('generation', `${theme.glyph.failure} failed  ${model}  at ${when}`, red), [indent(), { text: `${g.error?.kind ?? 'error'}: ${g.error?.message ?? ''}`, ...red }]];
}
