import React from 'react';
import { KEYMAP, keyLabel, type ModeKind } from '../keymap.js';
import type { Segment } from '../layout.js';
import type { Theme } from '../theme.js';
import { Line } from './line.js';

/** The keys that work in this view, generated from the keymap that binds them. */
export function hintSegments(mode: ModeKind, theme: Theme): Segment[] {
  const out: Segment[] = [];
  for (const b of KEYMAP[mode]) {
    if (!b.hint) continue;
    // A hint names every key bound to its action here (↑/↓ for move).
    const keys = KEYMAP[mode].filter((o) => o.action === b.action || (b.action === 'up' && o.action === 'down') || (b.action === 'interval-up' && o.action === 'interval-down'));
    const label = [...new Set(keys.map((k) => keyLabel(k.keys[0]!, theme.unicode)))].join('/');
    if (out.length > 0) out.push({ text: '  ' });
    out.push({ text: label, bold: true }, { text: ` ${b.hint}`, dim: true });
  }
  return out;
}

export function Footer({ mode, draft, theme }: { mode: ModeKind; draft: string; theme: Theme }) {
  if (mode === 'filter') {
    return <Line segments={[{ text: `/${draft}`, colour: 'cyan' }, { text: '_' }, { text: '   ' }, ...hintSegments('filter', theme)]} color={theme.color} />;
  }
  return <Line segments={hintSegments(mode, theme)} color={theme.color} />;
}
