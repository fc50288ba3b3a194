import type { ProbeSample } from '../store/types.js';
import type { Segment } from './layout.js';
import type { Colour, Theme } from './theme.js';

/**
 * One probe of the history ring as one character cell.
 *
 * A success is a bar whose height is its latency on an absolute log scale, half a decade per step:
 * `▁` under ~3 ms, `▂` under 10 ms, `▃` under ~32 ms, `▄` under 100 ms, `▅` under ~316 ms, `▆` under 1 s,
 * `▇` under ~3.2 s, `█` slower. Absolute (not relative to the row's own maximum), so a steady fast
 * backend stays flat instead of turning its jitter into full-height bars, rows compare with each other,
 * and a cell never changes once drawn (a row changes only when a probe lands). In ASCII the bars are
 * three tiers: `.` under 100 ms, `:` under 1 s, `|` slower.
 *
 * A failure is `✖` (`x`), a loading answer `◌` (`~`): told apart by shape, so NO_COLOR loses nothing.
 * With colour: failures red, loading yellow, successes green.
 */
const BARS = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'] as const;

/** 0 … 7: the bar height of a successful probe's latency. */
export function latencyLevel(ms: number): number {
  if (!(ms > 0)) return 0;
  return Math.min(BARS.length - 1, Math.max(0, Math.floor(2 * Math.log10(ms))));
}

const OUTCOME_COLOUR: Record<ProbeSample['outcome'], Colour> = { ok: 'green', failure: 'red', loading: 'yellow' };

export function historyGlyph(sample: ProbeSample, unicode: boolean): string {
  if (sample.outcome === 'failure') return unicode ? '✖' : 'x';
  if (sample.outcome === 'loading') return unicode ? '◌' : '~';
  if (unicode) return BARS[latencyLevel(sample.latencyMs)]!;
  return sample.latencyMs < 100 ? '.' : sample.latencyMs < 1000 ? ':' : '|';
}

/** Cells as segments, runs of one outcome merged into one segment (fewer styled spans to draw). */
export function sampleSegments(samples: readonly ProbeSample[], theme: Theme): Segment[] {
  const out: Segment[] = [];
  let run: ProbeSample['outcome'] | undefined;
  for (const s of samples) {
    const glyph = historyGlyph(s, theme.unicode);
    if (s.outcome === run) out[out.length - 1]!.text += glyph;
    else out.push({ text: glyph, ...(theme.color ? { colour: OUTCOME_COLOUR[s.outcome] } : {}) });
    run = s.outcome;
  }
  return out;
}

/** The HISTORY cell: the newest `width` probes, newest on the right, padded on the left to `width` columns. */
export function historyCell(history: readonly ProbeSample[], width: number, theme: Theme): Segment[] {
  if (width <= 0) return [];
  const shown = history.length > width ? history.slice(history.length - width) : history;
  const pad = width - shown.length;
  return [...(pad > 0 ? [{ text: ' '.repeat(pad) }] : []), ...sampleSegments(shown, theme)];
}

/** What the cells mean, for the detail pane and the help. */
export function historyGlyphs(theme: Theme): { ok: string; failure: string; loading: string } {
  return theme.unicode ? { ok: '(▁…█ taller: slower)', failure: '✖', loading: '◌' } : { ok: '(. : | slower)', failure: 'x', loading: '~' };
}
