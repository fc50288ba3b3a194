import cliTruncate from 'cli-truncate';
import { Box } from 'ink';
import { textWidth } from '../width.js';
import React from 'react';
import type { FleetSnapshot, FleetSummary, ReplayState } from '../../store/types.js';
import type { AppMeta } from '../actions.js';
import { dateTime, formatInterval } from '../format.js';
import type { Segment } from '../layout.js';
import { useScreen } from '../screen-context.js';
import { slowProbe } from '../steady.js';
import type { SortKey } from '../state/view-state.js';
import type { Theme } from '../theme.js';
import { Line } from './line.js';

/** `REPLAY fleet.ndjson  2026-11-24 10:31:07  x10  PAUSED`: the recording, the time in it, the speed, and whether it stopped. */
export function replaySegments(replay: ReplayState, at: number, paused: boolean): Segment[] {
  const out: Segment[] = [
    { text: 'REPLAY', bold: true, colour: 'cyan' },
    { text: ` ${replay.file}  ` },
    { text: dateTime(at), bold: true },
    { text: `  ${replay.speed === 'max' ? 'max speed' : `x${replay.speed}`}` },
  ];
  if (replay.ended) {
    out.push({ text: '  ' }, { text: 'ENDED', bold: true, colour: replay.stoppedAt ? 'red' : 'yellow' });
    if (replay.stoppedAt) out.push({ text: ` (${replay.stoppedAt})`, colour: 'red' });
  } else if (replay.paused || paused) {
    out.push({ text: '  ' }, { text: 'PAUSED', bold: true, colour: 'yellow' });
  }
  return out;
}

/** The counts line; when it does not fit, zero counts go first, then the wide gaps. */
export function summarySegments(s: FleetSummary, theme: Theme, width: number): Segment[] {
  const entries: Array<{ count: number; segment: Segment }> = [];
  for (const status of ['healthy', 'unhealthy', 'loading', 'draining', 'unknown'] as const) {
    const glyph = status === 'draining' ? '' : `${theme.statusGlyph(status)} `;
    const colour = s[status] > 0 ? theme.statusColour(status) : undefined;
    entries.push({ count: s[status], segment: { text: `${glyph}${s[status]} ${status}`, ...(colour ? { colour } : { dim: s[status] === 0 }) } });
  }
  // Flapping is counted whatever the status (a backend can be healthy and flapping).
  entries.push({ count: s.flapping, segment: { text: `${s.flapping} flapping`, ...(s.flapping > 0 ? { bold: true, ...(theme.color ? { colour: 'magenta' as const } : {}) } : { dim: true }) } });
  const build = (list: typeof entries, gap: string): Segment[] => [{ text: `${s.total} backends` }, ...list.flatMap((e) => [{ text: gap }, e.segment])];
  const size = (segments: Segment[]): number => segments.reduce((n, x) => n + textWidth(x.text), 0);
  let out = build(entries, '   ');
  if (size(out) <= width) return out;
  const nonZero = entries.filter((e) => e.count > 0);
  out = build(nonZero, '   ');
  if (size(out) <= width) return out;
  return build(nonZero, '  ');
}

const width = (segments: readonly Segment[]): number => segments.reduce((n, x) => n + textWidth(x.text), 0);

export function Header({ snapshot, meta, theme, sort, filter }: { snapshot: FleetSnapshot; meta: AppMeta; theme: Theme; sort: SortKey; filter: string }) {
  const { width: columns } = useScreen();
  const sep = { text: `  ${theme.glyph.separator}  `, dim: true };
  const checking = snapshot.backends.reduce((n, b) => n + (slowProbe(b.checkingSince, snapshot.at) ? 1 : 0), 0);
  const replay = snapshot.replay;
  const build = (o: { version: boolean; every: boolean; sort: boolean; file?: string }): Segment[] => {
    const top: Segment[] = [{ text: o.version ? `nexus-top ${meta.version}` : 'nexus-top', bold: true }, sep];
    // A replay says so first, with the time in the recording: nothing on screen is live.
    if (replay) top.push(...replaySegments(o.file === undefined ? replay : { ...replay, file: o.file }, snapshot.at, snapshot.paused));
    else top.push({ text: meta.source });
    if (o.every) top.push(sep, { text: `every ${formatInterval(snapshot.intervalMs)}` });
    if (o.sort) top.push(sep, { text: `sort: ${sort}` });
    if (filter) top.push(sep, { text: `filter: ${filter}`, colour: 'cyan' });
    if (snapshot.paused && !replay) top.push(sep, { text: 'PAUSED', colour: 'yellow', bold: true });
    // The activity mark: probes running for a second or more (quick ones would only make it flicker).
    if (checking > 0) top.push(sep, { text: `${theme.glyph.checking} ${checking}`, dim: true });
    return top;
  };
  let top = build({ version: true, every: true, sort: true });
  if (replay && width(top) > columns) {
    // A replay's state (PAUSED, ENDED) must stay in view: the sort, the interval and the version give way
    // first, then the start of a long file path.
    const options = { version: true, every: true, sort: true };
    for (const drop of ['sort', 'every', 'version'] as const) {
      options[drop] = false;
      top = build(options);
      if (width(top) <= columns) break;
    }
    const over = width(top) - columns;
    if (over > 0) {
      const room = Math.max(8, textWidth(replay.file) - over);
      top = build({ ...options, file: cliTruncate(replay.file, room, { position: 'start', truncationCharacter: theme.glyph.ellipsis }) });
    }
  }
  return (
    <Box flexDirection="column">
      <Line segments={top} />
      <Line segments={summarySegments(snapshot.summary, theme, columns)} />
    </Box>
  );
}
