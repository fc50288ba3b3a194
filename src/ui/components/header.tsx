import { Box } from 'ink';
import React from 'react';
import type { FleetSnapshot } from '../../store/types.js';
import type { AppMeta } from '../actions.js';
import { headerSegments, summarySegments } from '../lines.js';
import { routerSegments } from '../router-line.js';
import { useScreen } from '../screen-context.js';
import type { SortKey } from '../state/view-state.js';
import type { Theme } from '../theme.js';
import { Line } from './line.js';

export function Header({ snapshot, meta, theme, sort, filter }: { snapshot: FleetSnapshot; meta: AppMeta; theme: Theme; sort: SortKey; filter: string }) {
  const { width } = useScreen();
  return (
    <Box flexDirection="column">
      <Line segments={headerSegments({ snapshot, meta, theme, sort, filter, width })} />
      <Line segments={summarySegments(snapshot.summary, theme, width)} />
      {snapshot.router ? <Line segments={routerSegments(snapshot.router, snapshot.at, theme)} /> : null}
    </Box>
  );
}
