import { Box } from 'ink';
import React from 'react';
import type { GpuState } from '../../gpu/state.js';
import type { RouterView } from '../../core/load.js';
import { routerDetailLines } from '../router-detail.js';
import { formatBytes, formatLatency } from '../../output/format.js';
import type { FlapReason } from '../../health/flap.js';
import type { BackendView } from '../../store/types.js';
import { formatScore } from '../events.js';
import { clockTime, coarseAge, formatInterval } from '../format.js';
import { barLevels, historyGlyphs, sampleSegments } from '../history.js';
import { statusText, type Segment } from '../layout.js';
import { useScreen } from '../screen-context.js';
import { latencyStats } from '../stats.js';
import type { Theme } from '../theme.js';
import { Line } from './line.js';
import { generationLines, ttftText } from '../generation-lines.js';
import type { LoadSource } from '../../core/load.js';
import { KV_FULL, loadGlyphs } from '../load-cell.js';
import { textWidth } from '../width.js';

const LABEL = 14;
/** History cells are grouped by ten, so probes can be counted at a glance. */
const GROUP = 10;

function field(label: string, value: string, extra: Partial<Segment> = {}): Segment[] {
  return [{ text: `${label.padEnd(LABEL)}`, dim: true }, { text: value, ...extra }];
}

const indent = (): Segment => ({ text: ' '.repeat(LABEL) });

/** The whole history ring, oldest first, wrapped to the width in groups of ten, then a legend. */
function historyLines(b: BackendView, theme: Theme, width: number): Segment[][] {
  const h = b.history;
  if (h.length === 0) return [field('history', 'no probe yet')];
  const groupsPerLine = Math.max(1, Math.floor((width - LABEL + 1) / (GROUP + 1)));
  const perLine = groupsPerLine * GROUP;
  const lines: Segment[][] = [];
  const levels = barLevels(h);
  for (let i = 0; i < h.length; i += perLine) {
    const line: Segment[] = [i === 0 ? { text: 'history'.padEnd(LABEL), dim: true } : indent()];
    const chunk = h.slice(i, i + perLine);
    for (let g = 0; g < chunk.length; g += GROUP) {
      if (g > 0) line.push({ text: ' ' });
      line.push(...sampleSegments(chunk.slice(g, g + GROUP), theme, levels));
    }
    lines.push(line);
  }
  const count = (o: string): number => h.filter((s) => s.outcome === o).length;
  const g = historyGlyphs(theme);
  lines.push([indent(), { text: `oldest first: ${count('ok')} ok ${g.ok}, ${count('failure')} failed ${g.failure}, ${count('loading')} loading ${g.loading}`, dim: true }]);
  return lines;
}

/** Whether it flaps and why: the verdict, the status changes in the window with the first and last, the score. */
function flapLines(b: BackendView, now: number, theme: Theme): Segment[][] {
  const window = `the last ${formatInterval(b.flapWindowMs)}`;
  const changed = `its status changed ${b.flapChanges} ${b.flapChanges === 1 ? 'time' : 'times'} in ${window}`;
  const score = `score ${formatScore(b.flapScore)}`;
  const verdict: Record<FlapReason, string> = {
    changes: `yes: ${changed}`,
    score: `yes: its probes keep failing and passing (${score})`,
    both: `yes: ${changed}, ${score}`,
    holding: 'yes, settling down (it stops once both views below are quiet)',
  };
  const at = (t: number | null): string => (t === null ? '' : `${clockTime(t)} (${coarseAge(now - t)} ago)`);
  const changes =
    b.flapChanges === 0
      ? `none in ${window}`
      : b.flapChanges === 1
        ? `1 in ${window}, at ${at(b.flapFirstChangeAt)}`
        : `${b.flapChanges} in ${window}, first ${at(b.flapFirstChangeAt)}, last ${at(b.flapLastChangeAt)}`;
  return [
    field('flapping', b.flapReason === null ? 'no' : verdict[b.flapReason], b.flapping ? { bold: true, ...(theme.color ? { colour: 'magenta' as const } : {}) } : {}),
    field('  changes', changes),
    field('  score', formatScore(b.flapScore)),
  ];
}

const SOURCE_TEXT: Record<LoadSource, string> = { metrics: '/metrics', slots: '/slots', ps: '/api/ps', models: '/api/v0/models', router: 'the Nexus router' };
/** Kept loaded for more than a year: Ollama's way of writing `keep_alive: -1` (forever). */
const FOREVER_MS = 365 * 24 * 3600 * 1000;

/** Every load figure with where it came from and how old it is, the loaded models, and why load is unknown. */
/** `routerShown`: the router's own lines follow (its pending among them), so the load lines do not repeat it. */
function loadLines(b: BackendView, now: number, theme: Theme, routerShown: boolean): Segment[][] {
  const load = b.load;
  if (load === null) return [field('load', '- (none: not read yet, load is off, or this type has no load endpoint)', { dim: true })];
  const g = loadGlyphs(theme);
  // Each figure's line is [label, value, source]; the sources are lined up in a column at the end.
  const sourced: Segment[][] = [];
  const from = (source: LoadSource): Segment => ({ text: `  from ${SOURCE_TEXT[source]}`, dim: true });
  const figure = (line: Segment[]): Segment[] => (sourced.push(line), line);
  const has = (source: LoadSource): boolean => load.sources.includes(source);
  // running and waiting come from /metrics when it answered; without it, running is llama.cpp's busy slots.
  const countSource: LoadSource = has('metrics') || !has('slots') ? 'metrics' : 'slots';
  const emphasis = (on: boolean, colour: 'yellow' | 'red'): Partial<Segment> => (on ? { bold: true, ...(theme.color ? { colour } : {}) } : {});
  const read = load.at === null ? 'not read yet' : `read ${clockTime(load.at)} (${coarseAge(now - load.at)} ago)`;
  const sources = load.sources.length > 0 ? `, from ${load.sources.map((s) => SOURCE_TEXT[s]).join(', ')}` : '';
  const lines: Segment[][] = [field('load', `${read}${sources}`)];
  if (load.running !== null) lines.push(figure([...field('  running', `${g.running} ${load.running}`), from(countSource)]));
  if (load.waiting !== null) lines.push(figure([...field('  waiting', `${g.waiting} ${load.waiting}`, emphasis(load.waiting > 0, 'yellow')), from(countSource)]));
  if (load.kvCache !== null) {
    const kv = `${g.kv(load.kvCache)} ${(load.kvCache * 100).toFixed(1)}%${load.kvCache >= KV_FULL ? ' (nearly full)' : ''}`;
    lines.push(figure([...field('  KV cache', kv, emphasis(load.kvCache >= KV_FULL, 'red')), from('metrics')]));
  }
  if (load.slots !== null) {
    const full = load.slots.total > 0 && load.slots.busy >= load.slots.total;
    lines.push(figure([...field('  slots', `${load.slots.busy} of ${load.slots.total} busy${full ? ' (all)' : ''}`, emphasis(full, 'yellow')), from('slots')]));
  }
  if (load.routerPending !== null && !routerShown) lines.push(figure([...field('  router', `${load.routerPending} pending`), from('router')]));
  if (load.loadedModels !== null) {
    const source: LoadSource = has('ps') || !has('models') ? 'ps' : 'models';
    lines.push(figure([...field('  loaded', load.loadedModels.length === 0 ? 'no model in memory' : `${load.loadedModels.length} ${load.loadedModels.length === 1 ? 'model' : 'models'}`), from(source)]));
    for (const m of load.loadedModels) {
      const parts = [m.name];
      if (m.sizeBytes !== null) parts.push(formatBytes(m.sizeBytes));
      if (m.vramBytes !== null) parts.push(`${formatBytes(m.vramBytes)} in VRAM`);
      const cpu = m.sizeBytes !== null && m.vramBytes !== null && m.vramBytes < m.sizeBytes;
      if (m.expiresAt !== null) parts.push(m.expiresAt - now > FOREVER_MS ? 'kept loaded' : m.expiresAt <= now ? `unloads now (due ${clockTime(m.expiresAt)})` : `unloads ${clockTime(m.expiresAt)} (in ${coarseAge(m.expiresAt - now)})`);
      lines.push([indent(), { text: parts.join('  ') }, ...(cpu ? [{ text: `  partly on CPU (${Math.round((m.vramBytes! / m.sizeBytes!) * 100)}% in VRAM)`, ...emphasis(true, 'yellow') }] : [])]);
    }
  }
  const valueWidth = Math.max(0, ...sourced.map((l) => textWidth(l[1]!.text)));
  for (const l of sourced) l[1] = { ...l[1]!, text: l[1]!.text + ' '.repeat(valueWidth - textWidth(l[1]!.text)) };
  if (load.error !== null) lines.push(field('  error', `${load.error.kind}: ${load.error.message} (load unknown; health is not affected)`, theme.color ? { colour: 'red' } : {}));
  else if (lines.length === 1) lines.push(field('  figures', 'none reported', { dim: true }));
  return lines;
}

/** Everything known about one backend: the answer to "since when, and why". */
/** The GPU memory the backend's processes hold, per GPU and process; or why there is nothing to show. */
function gpuLines(b: BackendView, gpu: GpuState | null, note: string | undefined): Segment[][] {
  if (gpu === null) return [field('gpu', note ?? 'no GPU reading')];
  const mine = (gpu.gpus ?? []).flatMap((g) => g.processes.filter((p) => p.backend === b.name).map((p) => ({ ...p, gpu: g.index })));
  if (mine.length === 0) return [field('gpu', gpu.gpus === null ? `no reading yet (${gpu.tool})` : 'no GPU process of this backend')];
  return [
    field('gpu', `${formatBytes(b.gpuMemoryBytes)} in ${mine.length} ${mine.length === 1 ? 'process' : 'processes'}`),
    ...mine.map((p) => [indent(), { text: `GPU${p.gpu}  pid ${p.pid}  ${formatBytes(p.memoryBytes).padStart(6)}  ${p.name}` }]),
  ];
}

export function detailLines(b: BackendView, now: number, theme: Theme, width = 80, gpu: GpuState | null = null, gpuNote?: string, router: RouterView | null = null): Segment[][] {
  const when = (t: number | null): string => (t === null ? 'never' : `${clockTime(t)} (${coarseAge(now - t)} ago)`);
  const colour = theme.statusColour(b.status);
  const stats = latencyStats(b.history);
  const lines: Segment[][] = [
    [{ text: b.name, bold: true }],
    field('url', b.url),
    field('type', b.type),
    field('check', b.check.text),
    field('status', `${statusText(b, theme)} since ${clockTime(b.statusSince)} (${coarseAge(now - b.statusSince)})`, colour ? { colour } : {}),
    ...flapLines(b, now, theme),
    field('last check', b.checking ? `${when(b.lastCheckAt)}, checking now ${theme.glyph.checking}` : when(b.lastCheckAt)),
    field('in a row', `${b.consecutiveSuccesses} ok, ${b.consecutiveFailures} failed`),
    field(
      'latency',
      `last ${formatLatency(b.latencyMs)}  ema ${formatLatency(b.latencyEmaMs)}  min ${formatLatency(b.latencyMinMs)}  max ${formatLatency(b.latencyMaxMs)}${b.latencyStale ? `  ${theme.glyph.stale}stale` : ''}`,
    ),
    [
      indent(),
      {
        text: stats
          ? `over the history: min ${formatLatency(stats.min)} / median ${formatLatency(stats.median)} / p95 ${formatLatency(stats.p95)} (${stats.count} ok)`
          : 'over the history: no successful probe',
      },
    ],
    ...(ttftText(b, now) !== null ? [[indent(), { text: ttftText(b, now)! }]] : []),
    ...historyLines(b, theme, width),
  ];
  if (b.loadingMessage) lines.push(field('loading', b.loadingMessage, theme.color ? { colour: 'yellow' } : {}));
  lines.push(...generationLines(b, now, theme, field, indent));
  const listed = b.modelsListedAt === null ? 'never listed' : `${b.models.length}${b.modelsStale ? `, stale: listed ${coarseAge(now - b.modelsListedAt)} ago` : ''}`;
  lines.push(...loadLines(b, now, theme, router !== null));
  lines.push(...gpuLines(b, gpu, gpuNote));
  lines.push(field('models', listed));
  for (const m of b.models) lines.push([indent(), { text: m }]);
  lines.push(...routerDetailLines(b.name, router, now, theme, LABEL));
  lines.push(field('last errors', b.recentErrors.length === 0 ? 'none' : ''));
  for (const e of [...b.recentErrors].reverse()) {
    lines.push([indent(), { text: `${clockTime(e.at)}  `, dim: true }, { text: `${e.stage ? `${e.stage} ` : ''}${e.kind}: ${e.message}`, ...(theme.color ? { colour: 'red' as const } : {}) }]);
  }
  return lines;
}

export function DetailPane({ backend, now, theme, height, gpu = null, gpuNote, router = null }: { backend: BackendView; now: number; theme: Theme; height: number; gpu?: GpuState | null; gpuNote?: string; router?: RouterView | null }) {
  const { width } = useScreen();
  const lines = detailLines(backend, now, theme, width, gpu, gpuNote, router);
  const shown = lines.length > height ? [...lines.slice(0, height - 1), [{ text: `${theme.glyph.ellipsis} ${lines.length - height + 1} more lines (make the terminal taller)`, dim: true }]] : lines;
  return (
    <Box flexDirection="column">
      {shown.map((segments, i) => (
        <Line key={i} segments={segments} />
      ))}
    </Box>
  );
}
