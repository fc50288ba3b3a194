import React from 'react';
import { KEYMAP, keyLabel, type Action, type ModeKind } from '../keymap.js';
import type { Segment } from '../layout.js';
import type { Theme } from '../theme.js';
import { Line } from './line.js';

const PAIRS: Partial<Record<Action, Action>> = { up: 'down', 'interval-up': 'interval-down' };

/** The keys that work in this view, generated from the keymap that binds them. */
export function hintSegments(mode: ModeKind, theme: Theme): Segment[] {
  const out: Segment[] = [];
  for (const b of KEYMAP[mode]) {
    if (!b.hint) continue;
    // A hint names every key bound to its action here (↑/↓ for move).
    // A hint names its key and, for a pair, its partner's (↑/↓ move, +/- interval).
    const partner = PAIRS[b.action];
    const keys = [b, ...KEYMAP[mode].filter((o) => partner !== undefined && o.action === partner)];
    const label = keys.map((k) => keyLabel(k.keys[0]!, theme.unicode)).join('/');
    if (out.length > 0) out.push({ text: '  ' });
    out.push({ text: label, bold: true }, { text: ` ${b.hint}`, dim: true });
  }
  return out;
}

export function Footer({ mode, draft, theme }: { mode: ModeKind; draft: string; theme: Theme }) {
  if (mode === 'filter') {
    return <Line segments={[{ text: `/${draft}`, colour: 'cyan' }, { text: '_' }, { text: '   ' }, ...hintSegments('filter', theme)]} />;
  }
  return <Line segments={hintSegments(mode, theme)} />;
}
