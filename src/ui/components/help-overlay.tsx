import { Box } from 'ink';
import { textWidth } from '../width.js';
import React from 'react';
import { KEYMAP, keyLabel, type ModeKind } from '../keymap.js';
import { fit, FLAPPING } from '../layout.js';
import type { Theme } from '../theme.js';
import { Line } from './line.js';

const TITLES: Record<ModeKind, string> = { table: 'Table', detail: 'Detail pane', events: 'Event log', filter: 'Filter', help: 'Help' };
/** The filter belongs to the table, so it follows it. */
const SECTIONS = ['table', 'filter', 'detail', 'events'] as const;

/** Every key of every view, rendered from the keymap itself (so it cannot drift from the bindings). */
export interface HelpLine {
  text: string;
  heading?: boolean;
}

/** The help in sections (a view's keys each, then the legend), so a wide terminal can set them side by side. */
export function helpSections(theme: Theme, gpuNote?: string): HelpLine[][] {
  const sections: HelpLine[][] = [];
  for (const mode of SECTIONS) {
    const lines: HelpLine[] = [{ text: TITLES[mode], heading: true }];
    for (const b of KEYMAP[mode]) {
      // Why `u` shows nothing on a box without GPUs (or with them turned off) is said beside it (its help
      // is short so that, with the note, the help still fits two columns on a 100-column terminal).
      const note = b.action === 'gpu-panel' && gpuNote ? ` (${gpuNote})` : '';
      lines.push({ text: `  ${fit(b.keys.map((k) => keyLabel(k, theme.unicode)).join(' '), 10, 'left', theme.glyph.ellipsis)}  ${b.help}${note}` });
    }
    sections.push(lines);
  }
  sections.push([
    { text: 'Legend', heading: true },
    { text: `  ${fit(`12ms${theme.glyph.stale}`, 10, 'left', theme.glyph.ellipsis)}  stale: the last probe failed` },
    { text: `  ${fit(`${theme.glyph.checking} name`, 10, 'left', theme.glyph.ellipsis)}  a probe running for 1s or more` },
    { text: `  ${fit(FLAPPING, 10, 'left', theme.glyph.ellipsis)}  up and down too often` },
    { text: `  ${fit(theme.unicode ? '▁▄█' : '.:|', 10, 'left', theme.glyph.ellipsis)}  ${theme.unicode ? 'history: ok, taller = slower' : 'history ok: <100ms, <1s, more'}` },
    { text: `  ${fit(theme.unicode ? '✖ ◌' : 'x ~', 10, 'left', theme.glyph.ellipsis)}  history: failed, loading` },
  ]);
  return sections;
}

export function helpLines(theme: Theme, gpuNote?: string): HelpLine[] {
  return helpSections(theme, gpuNote).flat();
}

/** How far the help can scroll at this height (0 when it fits). */
export function helpScrollMax(theme: Theme, height: number, gpuNote?: string): number {
  return Math.max(0, helpLines(theme, gpuNote).length - (height - 1));
}

/**
 * Every key, in one column (two when the terminal is wide enough for both in full); when it does not
 * fit, it scrolls and its last line says how much more there is, never cutting a line silently.
 */
export function HelpOverlay({ theme, height, width, offset, gpuNote }: { theme: Theme; height: number; width: number; offset: number; gpuNote?: string }) {
  const sections = helpSections(theme, gpuNote);
  const lines = sections.flat();
  const render = (l: HelpLine, key: number) => <Line key={key} segments={[{ text: l.text, ...(l.heading ? { bold: true } : {}) }]} />;
  if (lines.length <= height) return <Box flexDirection="column">{lines.map(render)}</Box>;
  // Side by side, split between sections, when both columns fit whole.
  for (let cut = 1; cut < sections.length; cut++) {
    const left = sections.slice(0, cut).flat();
    const right = sections.slice(cut).flat();
    const leftWidth = Math.max(...left.map((l) => textWidth(l.text)));
    const rightWidth = Math.max(...right.map((l) => textWidth(l.text)));
    if (left.length <= height && right.length <= height && leftWidth + 4 + rightWidth <= width) {
      return (
        <Box flexDirection="row" gap={4}>
          <Box flexDirection="column" width={leftWidth}>{left.map(render)}</Box>
          <Box flexDirection="column">{right.map(render)}</Box>
        </Box>
      );
    }
  }
  const shown = Math.max(1, height - 1);
  const start = Math.min(offset, Math.max(0, lines.length - shown));
  const below = lines.length - start - shown;
  const arrows = theme.unicode ? ['↑', '↓'] : ['Up', 'Down'];
  const more = below > 0 ? `${arrows[1]} ${below} more line${below === 1 ? '' : 's'} (${arrows[0]}/${arrows[1]} to scroll)` : `${arrows[0]} top (${arrows[0]}/${arrows[1]} to scroll)`;
  return (
    <Box flexDirection="column">
      {lines.slice(start, start + shown).map(render)}
      <Line segments={[{ text: more, dim: true }]} />
    </Box>
  );
}
