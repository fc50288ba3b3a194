import { routerText } from './router-text.js';
import cliTruncate from 'cli-truncate';
import stringWidth from 'string-width';
import type { BackendView, FleetSnapshot } from '../store/types.js';
import type { GpuState } from '../gpu/state.js';
import { formatBytes, formatLatency } from './format.js';
import { loadText } from './load-text.js';

export interface Column {
  title: string;
  cell(b: BackendView): string;
}

export function lastErrorText(b: BackendView): string {
  if (b.status === 'loading' || (b.health === 'loading' && b.loadingMessage)) return b.loadingMessage ? `loading: ${b.loadingMessage}` : '';
  if (!b.lastError) return '';
  // A failed generation check says so: the probe (model list) may be fine.
  return `${b.lastError.stage ? `${b.lastError.stage} ` : ''}${b.lastError.kind}: ${b.lastError.message}`;
}

export function modelsText(b: BackendView): string {
  if (b.modelsListedAt === null) return '-';
  return `${b.models.length}${b.modelsStale ? ' (stale)' : ''}`;
}

export function latencyText(b: BackendView): string {
  return `${formatLatency(b.latencyEmaMs)}${b.latencyStale && b.latencyEmaMs !== null ? ' (stale)' : ''}`;
}

export const ONCE_COLUMNS: readonly Column[] = [
  { title: 'NAME', cell: (b) => b.name },
  { title: 'TYPE', cell: (b) => b.type },
  { title: 'STATUS', cell: (b) => (b.drained ? `draining (${b.health})` : b.status) },
  { title: 'LATENCY', cell: latencyText },
  { title: 'MODELS', cell: modelsText },
  { title: 'LAST ERROR', cell: lastErrorText },
];

/** A plain-text table, columns padded by display width; `maxWidth` truncates the last column. */
export function renderTable(rows: readonly BackendView[], columns: readonly Column[], maxWidth = Infinity): string {
  const cells = [columns.map((c) => c.title), ...rows.map((b) => columns.map((c) => c.cell(b)))];
  const widths = columns.map((_, i) => Math.max(...cells.map((r) => stringWidth(r[i]!))));
  const lines = cells.map((r) => {
    const line = r.map((cell, i) => (i === r.length - 1 ? cell : cell + ' '.repeat(widths[i]! - stringWidth(cell)))).join('  ');
    const trimmed = line.trimEnd();
    return Number.isFinite(maxWidth) && stringWidth(trimmed) > maxWidth ? cliTruncate(trimmed, maxWidth) : trimmed;
  });
  return lines.join('\n');
}

export function summaryLine(snapshot: FleetSnapshot): string {
  const s = snapshot.summary;
  const parts = [`${s.healthy}/${s.total} healthy`];
  for (const k of ['unhealthy', 'loading', 'draining', 'unknown'] as const) if (s[k] > 0) parts.push(`${s[k]} ${k}`);
  // With a Nexus router, its own view follows on the next line.
  if (snapshot.router) return `${parts.join(', ')}\n${routerText(snapshot.router, new Set(snapshot.byName.keys()))}`;
  return parts.join(', ');
}

/** The GPU section under the backends: a line per GPU, then its processes and the backend each serves. */
export function gpuText(gpu: GpuState, maxWidth = Infinity): string {
  const out: string[] = [];
  if (gpu.error) out.push(`GPUs: ${gpu.error.message}`);
  const gpus = gpu.gpus ?? [];
  if (gpus.length === 0) return `${out.length ? out.join('\n') : `GPUs: ${gpu.tool} reports none`}\n`;
  const percent = (f: number | null): string => (f === null ? '?' : `${Math.round(f * 100)}%`);
  const rows = gpus.map((g) => ({
    index: String(g.index),
    name: g.name ?? '?',
    util: percent(g.utilization),
    memory: `${formatBytes(g.memoryUsedBytes)}/${formatBytes(g.memoryTotalBytes)}`,
    temp: g.temperatureC === null ? '?' : `${Math.round(g.temperatureC)}°C`,
    power: `${g.powerW === null ? '?' : Math.round(g.powerW)}${g.powerLimitW === null ? '' : `/${Math.round(g.powerLimitW)}`} W`,
  }));
  const cols: { title: string; key: keyof (typeof rows)[number] }[] = [
    { title: 'GPU', key: 'index' },
    { title: 'NAME', key: 'name' },
    { title: 'UTIL', key: 'util' },
    { title: 'MEMORY', key: 'memory' },
    { title: 'TEMP', key: 'temp' },
    { title: 'POWER', key: 'power' },
  ];
  const widths = cols.map((c) => Math.max(stringWidth(c.title), ...rows.map((r) => stringWidth(r[c.key]))));
  const line = (cells: string[]): string => cells.map((c, i) => (i === cells.length - 1 ? c : c + ' '.repeat(widths[i]! - stringWidth(c)))).join('  ');
  const cut = (l: string): string => (Number.isFinite(maxWidth) && stringWidth(l) > maxWidth ? cliTruncate(l, maxWidth) : l);
  out.push(cut(line(cols.map((c) => c.title))));
  gpus.forEach((g, i) => {
    out.push(cut(line(cols.map((c) => rows[i]![c.key]))));
    for (const p of g.processes) {
      const owner = p.backend ?? `no backend (${p.unmapped ?? 'unknown'})`;
      out.push(cut(`     pid ${p.pid}  ${p.name}  ${formatBytes(p.memoryBytes)}  ${owner}`));
    }
  });
  return `${out.join('\n')}\n`;
}

export function onceText(snapshot: FleetSnapshot, maxWidth = Infinity): string {
  const gpu = snapshot.gpu;
  // Load joins the table when some backend has a reading (or a reason it has none), after LATENCY; with
  // GPUs, the memory each backend holds, before the error text.
  const columns = [...ONCE_COLUMNS.slice(0, -1)];
  if (snapshot.backends.some((b) => b.load !== null)) columns.splice(columns.findIndex((c) => c.title === 'LATENCY') + 1, 0, { title: 'LOAD', cell: (b: BackendView) => loadText(b.load) });
  if (gpu) columns.push({ title: 'GPU MEM', cell: (b: BackendView) => (b.gpuMemoryBytes === null ? '-' : formatBytes(b.gpuMemoryBytes)) });
  columns.push(ONCE_COLUMNS.at(-1)!);
  if (!gpu) return `${renderTable(snapshot.backends, columns, maxWidth)}\n\n${summaryLine(snapshot)}\n`;
  return `${renderTable(snapshot.backends, columns, maxWidth)}\n\n${summaryLine(snapshot)}\n\n${gpuText(gpu, maxWidth)}`;
}
