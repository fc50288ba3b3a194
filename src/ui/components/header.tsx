import { Box } from 'ink';
import React from 'react';
import type { FleetSnapshot } from '../../store/types.js';
import type { AppMeta } from '../actions.js';
import { formatInterval } from '../format.js';
import type { Segment } from '../layout.js';
import type { SortKey } from '../state/view-state.js';
import type { Theme } from '../theme.js';
import { Line } from './line.js';

export function Header({ snapshot, meta, theme, sort, filter }: { snapshot: FleetSnapshot; meta: AppMeta; theme: Theme; sort: SortKey; filter: string }) {
  const sep = { text: `  ${theme.glyph.separator}  `, dim: true };
  const checking = snapshot.backends.reduce((n, b) => n + (b.checking ? 1 : 0), 0);
  const top: Segment[] = [
    { text: `nexus-top ${meta.version}`, bold: true },
    sep,
    { text: meta.source },
    sep,
    { text: `every ${formatInterval(snapshot.intervalMs)}` },
    sep,
    { text: `sort: ${sort}` },
  ];
  if (filter) top.push(sep, { text: `filter: ${filter}`, colour: 'cyan' });
  if (snapshot.paused) top.push(sep, { text: 'PAUSED', colour: 'yellow', bold: true });
  // The activity mark: probes running right now.
  if (checking > 0) top.push(sep, { text: `${theme.glyph.checking} ${checking}`, dim: true });
  const s = snapshot.summary;
  const counts: Segment[] = [{ text: `${s.total} backends` }];
  for (const status of ['healthy', 'unhealthy', 'loading', 'draining', 'unknown'] as const) {
    const glyph = status === 'draining' ? '' : `${theme.statusGlyph(status)} `;
    const colour = s[status] > 0 ? theme.statusColour(status) : undefined;
    counts.push({ text: '   ' }, { text: `${glyph}${s[status]} ${status}`, ...(colour ? { colour } : { dim: s[status] === 0 }) });
  }
  return (
    <Box flexDirection="column">
      <Line segments={top} />
      <Line segments={counts} />
    </Box>
  );
}
