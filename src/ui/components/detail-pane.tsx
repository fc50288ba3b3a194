import { Box } from 'ink';
import React from 'react';
import { formatLatency } from '../../output/format.js';
import type { BackendView } from '../../store/types.js';
import { clockTime, coarseAge } from '../format.js';
import { statusText, type Segment } from '../layout.js';
import type { Theme } from '../theme.js';
import { Line } from './line.js';

const LABEL = 14;

function field(label: string, value: string, extra: Partial<Segment> = {}): Segment[] {
  return [{ text: `${label.padEnd(LABEL)}`, dim: true }, { text: value, ...extra }];
}

/** Everything known about one backend: the answer to "since when, and why". */
export function detailLines(b: BackendView, now: number, theme: Theme): Segment[][] {
  const when = (t: number | null): string => (t === null ? 'never' : `${clockTime(t)} (${coarseAge(now - t)} ago)`);
  const colour = theme.statusColour(b.status);
  const lines: Segment[][] = [
    [{ text: b.name, bold: true }],
    field('url', b.url),
    field('type', b.type),
    field('status', `${statusText(b, theme)} since ${clockTime(b.statusSince)} (${coarseAge(now - b.statusSince)})`, colour ? { colour } : {}),
    field('last check', b.checking ? `${when(b.lastCheckAt)}, checking now ${theme.glyph.checking}` : when(b.lastCheckAt)),
    field('in a row', `${b.consecutiveSuccesses} ok, ${b.consecutiveFailures} failed`),
    field(
      'latency',
      `last ${formatLatency(b.latencyMs)}  ema ${formatLatency(b.latencyEmaMs)}  min ${formatLatency(b.latencyMinMs)}  max ${formatLatency(b.latencyMaxMs)}${b.latencyStale ? `  ${theme.glyph.stale}stale` : ''}`,
    ),
  ];
  if (b.loadingMessage) lines.push(field('loading', b.loadingMessage, theme.color ? { colour: 'yellow' } : {}));
  const listed = b.modelsListedAt === null ? 'never listed' : `${b.models.length}${b.modelsStale ? `, stale: listed ${coarseAge(now - b.modelsListedAt)} ago` : ''}`;
  lines.push(field('models', listed));
  for (const m of b.models) lines.push([{ text: ' '.repeat(LABEL) }, { text: m }]);
  lines.push(field('last errors', b.recentErrors.length === 0 ? 'none' : ''));
  for (const e of [...b.recentErrors].reverse()) {
    lines.push([{ text: ' '.repeat(LABEL) }, { text: `${clockTime(e.at)}  `, dim: true }, { text: `${e.kind}: ${e.message}`, ...(theme.color ? { colour: 'red' as const } : {}) }]);
  }
  return lines;
}

export function DetailPane({ backend, now, theme, height }: { backend: BackendView; now: number; theme: Theme; height: number }) {
  const lines = detailLines(backend, now, theme);
  const shown = lines.length > height ? [...lines.slice(0, height - 1), [{ text: `${theme.glyph.ellipsis} ${lines.length - height + 1} more lines (make the terminal taller)`, dim: true }]] : lines;
  return (
    <Box flexDirection="column">
      {shown.map((segments, i) => (
        <Line key={i} segments={segments} />
      ))}
    </Box>
  );
}
