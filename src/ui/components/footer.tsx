import React from 'react';
import type { ModeKind } from '../keymap.js';
import { footerSegments } from '../lines.js';
import { useScreen } from '../screen-context.js';
import type { Theme } from '../theme.js';
import { Line } from './line.js';

export function Footer({ mode, draft, theme }: { mode: ModeKind; draft: string; theme: Theme }) {
  const { width } = useScreen();
  return <Line segments={footerSegments(mode, draft, theme, width)} />;
}
