import { Box } from 'ink';
import React from 'react';
import { KEYMAP, keyLabel, type ModeKind } from '../keymap.js';
import { fit } from '../layout.js';
import type { Theme } from '../theme.js';
import { Line } from './line.js';

const TITLES: Record<ModeKind, string> = { table: 'Table', detail: 'Detail pane', filter: 'Filter', help: 'Help' };

/** Every key of every view, rendered from the keymap itself (so it cannot drift from the bindings). */
export function helpLines(theme: Theme): Array<{ text: string; heading?: boolean }> {
  const lines: Array<{ text: string; heading?: boolean }> = [];
  for (const mode of ['table', 'detail', 'filter'] as const) {
    lines.push({ text: TITLES[mode], heading: true });
    for (const b of KEYMAP[mode]) {
      lines.push({ text: `  ${fit(b.keys.map((k) => keyLabel(k, theme.unicode)).join(' '), 14, 'left', theme.glyph.ellipsis)}  ${b.help}` });
    }
  }
  lines.push({ text: 'Legend', heading: true });
  lines.push({ text: `  ${theme.glyph.stale} after a number: stale (the last probe failed; the value is from before)` });
  lines.push({ text: `  ${theme.glyph.checking} before a name: a probe of it is running now` });
  return lines;
}

export function HelpOverlay({ theme, height, width }: { theme: Theme; height: number; width: number }) {
  const lines = helpLines(theme);
  // Two columns when the terminal is too short for one.
  const columns = lines.length > height && width >= 100 ? 2 : 1;
  const perColumn = Math.ceil(lines.length / columns);
  const cols = Array.from({ length: columns }, (_, i) => lines.slice(i * perColumn, (i + 1) * perColumn).slice(0, height));
  return (
    <Box flexDirection="row" gap={4}>
      {cols.map((col, i) => (
        <Box key={i} flexDirection="column">
          {col.map((l, j) => (
            <Line key={j} segments={[{ text: l.text, ...(l.heading ? { bold: true } : {}) }]} color={theme.color} />
          ))}
        </Box>
      ))}
    </Box>
  );
}
