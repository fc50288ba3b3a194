import type { ProbeSample } from '../store/types.js';
import type { Segment } from './segment.js';
import type { Colour, Theme } from './theme.js';

/**
 * One probe of the history ring as one character cell.
 *
 * A success is a bar whose height is its latency on an absolute log scale, half a decade per step:
 * `▁` under 10 ms (fast: a person does not tell 2 ms from 7 ms), `▂` under ~32 ms, `▃` under 100 ms,
 * `▄` under ~316 ms, `▅` under 1 s, `▆` under ~3.2 s, `▇` under 10 s, `█` slower. Absolute (not relative
 * to the row's own maximum), so a steady fast backend stays flat instead of turning its jitter into
 * full-height bars, and rows compare with each other. A bar keeps the height of the one before it while
 * its latency is within 1.5× of that height's range, so a backend that hovers at a boundary draws a
 * flat line rather than a saw, and the bar of a probe never changes once drawn: a steady row's text
 * stays the same as it scrolls, and nothing is rewritten over the link. In ASCII the bars are three
 * tiers: `.` under 100 ms, `:` under 1 s, `|` slower.
 *
 * A failure is `✖` (`x`), a loading answer `◌` (`~`): told apart by shape, so NO_COLOR loses nothing.
 * With colour: failures red, loading yellow, successes green.
 */
const BARS = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'] as const;
const FASTEST_MS = 10;
const STICKY_FACTOR = 1.5;

/** 0 … 7: the bar height of a successful probe's latency, on its own. */
export function latencyLevel(ms: number): number {
  if (!(ms >= FASTEST_MS)) return 0;
  return Math.min(BARS.length - 1, Math.floor(2 * Math.log10(ms / FASTEST_MS)) + 1);
}

/** The latencies of one bar height: [low, high). */
function levelRange(level: number): [number, number] {
  const low = level === 0 ? 0 : FASTEST_MS * 10 ** ((level - 1) / 2);
  const high = level === BARS.length - 1 ? Infinity : FASTEST_MS * 10 ** (level / 2);
  return [low, high];
}

/** The height of a bar after one of height `previous`: the same while the latency stays near its range. */
export function stickyLevel(previous: number | undefined, ms: number): number {
  const own = latencyLevel(ms);
  if (previous === undefined || own === previous) return own;
  const [low, high] = levelRange(previous);
  return ms >= low / STICKY_FACTOR && ms < high * STICKY_FACTOR ? previous : own;
}

/** Heights decided once per probe (samples are immutable and shared between snapshots). */
const decided = new WeakMap<ProbeSample, number>();

/** The bar height of every successful probe of a history, oldest first; failures break the run. */
export function barLevels(history: readonly ProbeSample[]): Map<ProbeSample, number> {
  const out = new Map<ProbeSample, number>();
  let previous: number | undefined;
  for (const sample of history) {
    if (sample.outcome !== 'ok') {
      previous = undefined;
      continue;
    }
    let level = decided.get(sample);
    if (level === undefined) {
      level = stickyLevel(previous, sample.latencyMs);
      decided.set(sample, level);
    }
    out.set(sample, level);
    previous = level;
  }
  return out;
}

const OUTCOME_COLOUR: Record<ProbeSample['outcome'], Colour> = { ok: 'green', failure: 'red', loading: 'yellow' };

export function historyGlyph(sample: ProbeSample, unicode: boolean, level = latencyLevel(sample.latencyMs)): string {
  if (sample.outcome === 'failure') return unicode ? '✖' : 'x';
  if (sample.outcome === 'loading') return unicode ? '◌' : '~';
  if (unicode) return BARS[level]!;
  return sample.latencyMs < 100 ? '.' : sample.latencyMs < 1000 ? ':' : '|';
}

/** Cells as segments, runs of one outcome merged into one segment (fewer styled spans to draw). */
export function sampleSegments(samples: readonly ProbeSample[], theme: Theme, levels = barLevels(samples)): Segment[] {
  const out: Segment[] = [];
  let run: ProbeSample['outcome'] | undefined;
  for (const s of samples) {
    const glyph = historyGlyph(s, theme.unicode, levels.get(s));
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
  // Heights follow the whole ring, so the first visible bar is the same as when it was drawn further right.
  return [...(pad > 0 ? [{ text: ' '.repeat(pad) }] : []), ...sampleSegments(shown, theme, barLevels(history))];
}

/** What the cells mean, for the detail pane and the help. */
export function historyGlyphs(theme: Theme): { ok: string; failure: string; loading: string } {
  return theme.unicode ? { ok: '(▁…█ taller: slower)', failure: '✖', loading: '◌' } : { ok: '(. : | slower)', failure: 'x', loading: '~' };
}
