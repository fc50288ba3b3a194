import type { FleetEvent } from '../store/types.js';
import { formatInterval } from './format.js';
import type { Segment } from './layout.js';
import type { Theme } from './theme.js';

/** A flap score as the dashboard shows it: `43.2 %`. */
export function formatScore(score: number): string {
  return `${score.toFixed(1)} %`;
}

/** `5 status changes, score 12.0 %`: the two views of flapping when it started or stopped. */
function flapFigures(e: { changes: number; score: number }): string {
  return `${e.changes} status ${e.changes === 1 ? 'change' : 'changes'}, score ${formatScore(e.score)}`;
}

/** The backend an event is about; null for the fleet as a whole (interval, pause). */
export function eventBackend(e: FleetEvent): string | null {
  return 'backend' in e ? e.backend : null;
}

/** What happened, in words: `healthy → unhealthy (timeout: timed out after 5s)`, `started flapping (score 35.0 %)`. */
export function eventWords(e: FleetEvent, theme: Theme): Segment {
  const arrow = theme.unicode ? '→' : '->';
  const colour = (c: Segment['colour']): Partial<Segment> => (theme.color && c ? { colour: c } : {});
  switch (e.type) {
    case 'status': {
      const why = e.kind ? `${e.kind}: ${e.message ?? ''}` : (e.message ?? '');
      return { text: `${e.from} ${arrow} ${e.to}${why ? ` (${why})` : ''}`, ...colour(theme.statusColour(e.to)) };
    }
    case 'flap_start':
      return { text: `started flapping (${flapFigures(e)})`, bold: true, ...colour('magenta') };
    case 'flap_stop':
      return { text: `stopped flapping (${flapFigures(e)})`, ...colour('magenta') };
    case 'drain':
      return { text: 'drained', ...colour('blue') };
    case 'undrain':
      return { text: 'undrained', ...colour('blue') };
    case 'interval':
      return { text: `interval ${formatInterval(e.from_ms)} ${arrow} ${formatInterval(e.to_ms)}` };
    case 'load':
      return e.waiting_to > 0
        ? { text: `queueing: ${e.waiting_to} waiting`, ...colour('yellow') }
        : { text: `queue drained (was ${e.waiting_from} waiting)` };
    case 'pause':
      return { text: 'paused', ...colour('yellow') };
    case 'resume':
      return { text: 'resumed' };
    case 'config_reload': {
      const parts = [
        e.added.length ? `added ${e.added.join(', ')}` : '',
        e.removed.length ? `removed ${e.removed.join(', ')}` : '',
        e.replaced.length ? `changed ${e.replaced.join(', ')}` : '',
      ].filter(Boolean);
      return { text: `config reloaded${parts.length ? `: ${parts.join('; ')}` : ''}`, ...colour('cyan') };
    }
    case 'config_error':
      return { text: `config not reloaded: ${e.message}`, bold: true, ...colour('red') };
  }
}

/** The events the log shows, newest first, narrowed to one backend when `only` is set. */
export function eventsShown(events: readonly FleetEvent[], only: string | null): FleetEvent[] {
  const out: FleetEvent[] = [];
  for (let i = events.length - 1; i >= 0; i--) {
    const e = events[i]!;
    if (only === null || eventBackend(e) === only) out.push(e);
  }
  return out;
}

/** Lines of the pane at this height that list events (the title takes one, a scroll notice another when needed). */
export function eventRows(count: number, height: number): number {
  const room = Math.max(1, height - 1);
  return count <= room ? room : Math.max(1, room - 1);
}

/** How far the log can scroll (0 when every event fits). */
export function eventScrollMax(count: number, height: number): number {
  return Math.max(0, count - eventRows(count, height));
}
