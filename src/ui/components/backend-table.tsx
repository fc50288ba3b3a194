import { Box } from 'ink';
import React, { memo, useRef } from 'react';
import type { BackendView } from '../../store/types.js';
import { rowAges, type LaidColumn, type Segment } from '../layout.js';
import { NO_MATCH, rowSegments, titleSegments } from '../lines.js';
import { createLatencyMemory, slowProbe } from '../steady.js';
import type { Theme } from '../theme.js';
import { Line } from './line.js';

/** What a row was last drawn from, and what it became. */
interface Drawn {
  view: BackendView;
  columns: readonly LaidColumn[];
  theme: Theme;
  selected: boolean;
  /** Everything else the row shows that moves: the clock's part (SINCE, an old error's age, the slow-probe mark) and the latency on screen. */
  moving: string;
  segments: Segment[];
  text: string;
}

/** A row re-renders only when its text changed (a steady fleet costs the link almost nothing). */
const Row = memo(
  function Row({ segments, selected }: { segments: Segment[]; text: string; selected: boolean }) {
    return <Line segments={segments} inverse={selected} />;
  },
  (a, b) => a.text === b.text && a.selected === b.selected,
);

export interface BackendTableProps {
  rows: readonly BackendView[];
  columns: readonly LaidColumn[];
  selectedIndex: number;
  offset: number;
  height: number;
  now: number;
  theme: Theme;
}

/** Only the visible window of rows is rendered. */
export const BackendTable = memo(function BackendTable({ rows, columns, selectedIndex, offset, height, now, theme }: BackendTableProps) {
  const title = titleSegments(columns, theme);
  const shown = rows.slice(offset, offset + height);
  const latencyOnScreen = useRef(createLatencyMemory()).current;
  // A row whose view, columns, selection and moving parts are as last time is not worked out again: the
  // same segments and text are handed to it (React keeps each render's props until the next one, so fresh
  // copies for every row on every update would be garbage that lives long enough to reach the old generation).
  const drawnRef = useRef(new Map<string, Drawn>());
  const drawn = new Map<string, Drawn>();
  // Not shrunk to the body's height: on a terminal too short for the titles and a row, the body clips it
  // at the bottom (as the first frame drawn before Ink does) instead of Yoga squeezing one line away.
  const out = (
    <Box flexDirection="column" flexShrink={0}>
      <Line segments={title} />
      {shown.map((b, i) => {
        const selected = offset + i === selectedIndex;
        const steady = latencyOnScreen(b.name, b.latencyEmaMs);
        const { since, errorAge } = rowAges(b, now);
        const moving = `${since}\u0000${errorAge ?? ''}\u0000${slowProbe(b.checkingSince, now) ? 1 : 0}\u0000${steady}`;
        let row = drawnRef.current.get(b.name);
        if (row === undefined || row.view !== b || row.columns !== columns || row.theme !== theme || row.selected !== selected || row.moving !== moving) {
          const segments = rowSegments(steady === b.latencyEmaMs ? b : { ...b, latencyEmaMs: steady }, columns, selected, now, theme);
          const text = segments.map((s) => s.text + '\u0001' + (s.colour ?? '') + (s.dim ? 'd' : '') + (s.bold ? 'b' : '')).join('\u0000');
          row = { view: b, columns, theme, selected, moving, segments, text };
        }
        drawn.set(b.name, row);
        return <Row key={b.name} segments={row.segments} text={row.text} selected={selected} />;
      })}
      {rows.length === 0 ? <Line segments={NO_MATCH} /> : null}
    </Box>
  );
  drawnRef.current = drawn;
  return out;
});
