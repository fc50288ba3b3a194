import React from 'react';
import { KEYMAP, keyLabel, type Action, type ModeKind } from '../keymap.js';
import type { Segment } from '../layout.js';
import type { Theme } from '../theme.js';
import { Line } from './line.js';
import { textWidth } from '../width.js';
import { useScreen } from '../screen-context.js';

const PAIRS: Partial<Record<Action, Action>> = { up: 'down', 'interval-up': 'interval-down' };

/** The keys that work in this view, generated from the keymap that binds them. */
export function hintSegments(mode: ModeKind, theme: Theme, width = Infinity): Segment[] {
  const hints: Segment[][] = [];
  for (const b of KEYMAP[mode]) {
    if (!b.hint) continue;
    // A hint names its key and, for a pair, its partner's (↑/↓ move, +/- interval).
    const partner = PAIRS[b.action];
    const keys = [b, ...KEYMAP[mode].filter((o) => partner !== undefined && o.action === partner)];
    const label = keys.map((k) => keyLabel(k.keys[0]!, theme.unicode)).join('/');
    hints.push([{ text: label, bold: true }, { text: ` ${b.hint}`, dim: true }]);
  }
  // Too narrow for all: drop hints from just before the last two (help, quit), which always stay.
  const size = (list: Segment[][]): number => list.reduce((n, h) => n + h.reduce((m, s) => m + textWidth(s.text), 0), 0) + 2 * (list.length - 1);
  while (hints.length > 2 && size(hints) > width) hints.splice(hints.length - 3, 1);
  return hints.flatMap((h, i) => (i === 0 ? h : [{ text: '  ' }, ...h]));
}

export function Footer({ mode, draft, theme }: { mode: ModeKind; draft: string; theme: Theme }) {
  const { width } = useScreen();
  if (mode === 'filter') {
    const input: Segment[] = [{ text: `/${draft}`, colour: 'cyan' }, { text: '_' }, { text: '   ' }];
    return <Line segments={[...input, ...hintSegments('filter', theme, width - textWidth(`/${draft}_   `))]} />;
  }
  return <Line segments={hintSegments(mode, theme, width)} />;
}
