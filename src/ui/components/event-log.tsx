import { Box } from 'ink';
import { textWidth } from '../width.js';
import React, { memo } from 'react';
import type { FleetEvent } from '../../store/types.js';
import { eventBackend, eventRows, eventsShown, eventWords } from '../events.js';
import { clockTime } from '../format.js';
import { fit, type Segment } from '../layout.js';
import type { Theme } from '../theme.js';
import { Line } from './line.js';

export interface EventLogProps {
  events: readonly FleetEvent[];
  /** Narrowed to this backend; null: every event. */
  only: string | null;
  offset: number;
  height: number;
  theme: Theme;
}

/** The last events, newest first: time, backend, what happened. Redrawn only when an event is added (or on a key). */
export const EventLog = memo(function EventLog({ events, only, offset, height, theme }: EventLogProps) {
  const shown = eventsShown(events, only);
  const sep = { text: `  ${theme.glyph.separator}  `, dim: true };
  const title: Segment[] = [
    { text: 'Event log', bold: true },
    sep,
    only === null ? { text: 'all backends' } : { text: `only ${only}`, ...(theme.color ? { colour: 'cyan' as const } : {}) },
    sep,
    { text: `${shown.length} event${shown.length === 1 ? '' : 's'}` },
    { text: `   (f: ${only === null ? 'only the selected backend' : 'all backends'})`, dim: true },
  ];
  const rows = eventRows(shown.length, height);
  const start = Math.min(offset, Math.max(0, shown.length - rows));
  const page = shown.slice(start, start + rows);
  // One width for the backend column over the whole list, so it does not move while scrolling.
  const nameWidth = Math.min(24, Math.max(5, ...shown.map((e) => textWidth(eventBackend(e) ?? ''))));
  const lines: Segment[][] = page.map((e) => {
    const backend = eventBackend(e);
    return [
      { text: `${clockTime(e.ts)}  `, dim: true },
      backend === null ? { text: fit('fleet', nameWidth, 'left', theme.glyph.ellipsis), dim: true } : { text: fit(backend, nameWidth, 'left', theme.glyph.ellipsis) },
      { text: '  ' },
      eventWords(e, theme),
    ];
  });
  if (shown.length === 0) lines.push([{ text: only === null ? 'no events yet' : `no events for ${only} yet`, dim: true }]);
  if (shown.length > rows) {
    const [upArrow, downArrow] = theme.unicode ? ['↑', '↓'] : ['Up', 'Down'];
    const below = shown.length - start - page.length;
    const parts = [start > 0 ? `${upArrow} ${start} newer` : 'newest shown', below > 0 ? `${downArrow} ${below} older` : 'oldest shown'];
    lines.push([{ text: `${parts.join('  ')}  (${upArrow}/${downArrow} PgUp/PgDn to scroll)`, dim: true }]);
  }
  return (
    <Box flexDirection="column">
      <Line segments={title} />
      {lines.map((segments, i) => (
        <Line key={i} segments={segments} />
      ))}
    </Box>
  );
});
