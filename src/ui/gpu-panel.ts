/**
 * The GPU panel's lines (pure): one line per GPU — index, name, utilisation, memory used/total,
 * temperature, power against its limit — with bars that read without colour (filled and empty cells, and
 * the figure beside them), then the processes that belong to no backend, since they are often the answer
 * (a leftover engine holding 70 GB). What does not fit the width is dropped from the right, least useful first.
 */
import type { GpuView } from '../gpu/sample.js';
import { formatBytes } from '../output/format.js';
import type { GpuState } from '../gpu/state.js';
import { coarseAge } from './format.js';
import type { Colour } from './theme.js';
import type { Segment } from './layout.js';
import type { Theme } from './theme.js';

/** A bar of `cells` for a fraction: filled then empty cells, so it reads without colour; `?` cells when unknown. */
export function bar(fraction: number | null, cells: number, theme: Theme): string {
  const [full, empty] = theme.unicode ? ['█', '░'] : ['#', '.'];
  if (fraction === null) return '?'.repeat(cells);
  const n = Math.max(0, Math.min(cells, Math.round(fraction * cells)));
  return full.repeat(n) + empty.repeat(cells - n);
}

/** Busy, full or hot: the colour a figure takes at its level (never the only sign: the bar and the number say it). */
function level(fraction: number | null, theme: Theme): Colour | undefined {
  if (!theme.color || fraction === null) return undefined;
  return fraction >= 0.95 ? 'red' : fraction >= 0.8 ? 'yellow' : 'green';
}

const percent = (f: number | null): string => (f === null ? '  ?%' : `${String(Math.round(f * 100)).padStart(3)}%`);

interface Part {
  segments: Segment[];
  /** Dropped first when the line is too long: higher goes first. */
  drop: number;
}

function gpuParts(g: GpuView, theme: Theme, barCells: number, nameWidth: number): Part[] {
  const memFraction = g.memoryUsedBytes !== null && g.memoryTotalBytes ? g.memoryUsedBytes / g.memoryTotalBytes : null;
  const name = (g.name ?? (g.vendor === 'amd' ? 'AMD GPU' : 'GPU')).slice(0, nameWidth).padEnd(nameWidth);
  const degree = theme.unicode ? '°C' : 'C';
  const parts: Part[] = [
    { segments: [{ text: `GPU${g.index} `, bold: true }, { text: name }], drop: 0 },
    { segments: [{ text: '  util ', dim: true }, withColour({ text: bar(g.utilization, barCells, theme) }, level(g.utilization, theme)), { text: percent(g.utilization) }], drop: 1 },
    {
      segments: [
        { text: '  mem ', dim: true },
        withColour({ text: bar(memFraction, barCells, theme) }, level(memFraction, theme)),
        { text: ` ${formatBytes(g.memoryUsedBytes)}/${formatBytes(g.memoryTotalBytes)}` },
      ],
      drop: 1,
    },
    { segments: [{ text: `  ${g.temperatureC === null ? '?' : Math.round(g.temperatureC)}${degree}` }], drop: 3 },
    {
      segments: [{ text: `  ${g.powerW === null ? '?' : Math.round(g.powerW)}${g.powerLimitW === null ? '' : `/${Math.round(g.powerLimitW)}`} W` }],
      drop: 2,
    },
  ];
  return parts;
}

function withColour(segment: Segment, colour: Colour | undefined): Segment {
  return colour ? { ...segment, colour } : segment;
}

const length = (segments: readonly Segment[]): number => segments.reduce((n, s) => n + [...s.text].length, 0);

/** Drop parts, highest `drop` first, until the line fits. */
function fit(parts: Part[], width: number): Segment[] {
  const kept = [...parts];
  while (kept.length > 1 && length(kept.flatMap((p) => p.segments)) > width) {
    let worst = 0;
    for (let i = 1; i < kept.length; i++) if (kept[i]!.drop >= kept[worst]!.drop) worst = i;
    if (kept[worst]!.drop === 0) break;
    kept.splice(worst, 1);
  }
  const segments = kept.flatMap((p) => p.segments);
  return segments;
}

/** At most this many lines of processes that belong to no backend. */
const MAX_UNMAPPED_LINES = 2;

/** The panel: a title (the tool, and its trouble if any), a line per GPU, the processes no backend owns. */
export function gpuPanelLines(state: GpuState, now: number, width: number, theme: Theme): Segment[][] {
  const lines: Segment[][] = [];
  const gpus = state.gpus ?? [];
  if (state.error) {
    const when = state.gpusAt !== null ? ` (showing the reading of ${coarseAge(now - state.gpusAt)} ago)` : '';
    lines.push([{ text: `GPUs: ${state.error.message}${when}`, ...(theme.color ? { colour: 'red' as const } : {}) }]);
  } else if (gpus.length === 0) {
    lines.push([{ text: `GPUs: ${state.tool} reports none`, dim: true }]);
  }
  const barCells = width >= 110 ? 10 : width >= 90 ? 6 : 4;
  // The longest name sets the column (up to 24), so the bars line up and no name is cut short.
  const nameWidth = Math.max(8, Math.min(24, Math.max(0, ...gpus.map((g) => (g.name ?? (g.vendor === 'amd' ? 'AMD GPU' : 'GPU')).length))));
  for (const g of gpus) lines.push(fit(gpuParts(g, theme, barCells, nameWidth), width));
  const strays = gpus.flatMap((g) => g.processes.filter((p) => p.backend === null).map((p) => ({ ...p, gpu: g.index })));
  if (strays.length > 0) {
    strays.sort((a, b) => (b.memoryBytes ?? 0) - (a.memoryBytes ?? 0));
    const shown = strays.slice(0, MAX_UNMAPPED_LINES);
    for (const p of shown) {
      lines.push([
        { text: '  no backend: ', ...(theme.color ? { colour: 'yellow' as const } : {}) },
        { text: `pid ${p.pid} ${p.name} holds ${formatBytes(p.memoryBytes)} on GPU${p.gpu}` },
      ]);
    }
    if (strays.length > shown.length) lines.push([{ text: `  and ${strays.length - shown.length} more without a backend (Enter on a row, or --json)`, dim: true }]);
  }
  return lines;
}
