import type { FleetEvent } from '../store/types.js';

/**
 * One event as it goes on the wire (CONTRACT.md "Events"): `--events` prints these, one per line,
 * and recordings use the same shape for the operator actions they keep. `ts` is ISO-8601 (the store
 * keeps epoch ms); keys come in a fixed order so lines are stable and diffable.
 *
 * `status` always carries `kind` and `message`, `null` when there is none (a recovery has neither;
 * a backend going `loading` has its message but no failure kind), so consumers see one shape.
 */
export type EventJson =
  | { ts: string; type: 'status'; backend: string; from: string; to: string; kind: string | null; message: string | null }
  | { ts: string; type: 'flap_start' | 'flap_stop'; backend: string; changes: number; score: number }
  | { ts: string; type: 'drain' | 'undrain'; backend: string }
  | { ts: string; type: 'interval'; from_ms: number; to_ms: number }
  | { ts: string; type: 'pause' | 'resume' }
  | { ts: string; type: 'config_reload'; added: string[]; removed: string[]; replaced: string[] }
  | { ts: string; type: 'config_error'; message: string }
  | { ts: string; type: 'load'; backend: string; waiting_from: number; waiting_to: number };

export function eventJson(event: FleetEvent): EventJson {
  const ts = new Date(event.ts).toISOString();
  switch (event.type) {
    case 'status':
      return {
        ts,
        type: 'status',
        backend: event.backend,
        from: event.from,
        to: event.to,
        kind: event.kind ?? null,
        message: event.message ?? null,
      };
    case 'flap_start':
    case 'flap_stop':
      return { ts, type: event.type, backend: event.backend, changes: event.changes, score: event.score };
    case 'drain':
    case 'undrain':
      return { ts, type: event.type, backend: event.backend };
    case 'interval':
      return { ts, type: 'interval', from_ms: event.from_ms, to_ms: event.to_ms };
    case 'load':
      return { ts, type: 'load', backend: event.backend, waiting_from: event.waiting_from, waiting_to: event.waiting_to };
    case 'pause':
    case 'resume':
      return { ts, type: event.type };
    case 'config_reload':
      return { ts, type: 'config_reload', added: event.added, removed: event.removed, replaced: event.replaced };
    case 'config_error':
      return { ts, type: 'config_error', message: event.message };
  }
}

/** One NDJSON line, newline included. */
export function eventLine(event: FleetEvent): string {
  return `${JSON.stringify(eventJson(event))}\n`;
}
