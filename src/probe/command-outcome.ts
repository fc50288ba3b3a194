import { cleanText } from '../text/sanitize.js';
import { formatDuration } from './classify.js';
import type { ProbeOutcome } from '../core/outcome.js';

/** How a command check ended, as src/probe/command.ts reports it. */
export interface CommandEnd {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  /** Killed by the probe: `deadline` (its timeout passed) or `cancelled` (the engine stopping). */
  killed?: 'deadline' | 'cancelled';
  /** The program could not be started: its error code (ENOENT, EACCES…). */
  spawnErrorCode?: string;
}

/** The first line of the text that is not blank, sanitised and cut like any backend text. */
export function firstLine(text: string): string {
  for (const line of text.split(/\r?\n/)) {
    const clean = cleanText(line);
    if (clean !== '') return clean;
  }
  return '';
}

const SPAWN_PROBLEMS: Record<string, string> = {
  ENOENT: 'program not found',
  EACCES: 'permission denied',
  ENOEXEC: 'not an executable format',
  ENOTDIR: 'program not found',
};

/**
 * Exit 0 is success (no models: a command lists none); another exit is a failure of kind `command`,
 * `exit N: ` and the first line of stderr (else stdout); a signal or the deadline is a `timeout`.
 */
export function commandOutcome(end: CommandEnd, timeoutMs: number): ProbeOutcome {
  if (end.killed === 'deadline') return { outcome: 'failure', kind: 'timeout', message: `timed out after ${formatDuration(timeoutMs)} (command killed)` };
  if (end.killed === 'cancelled') return { outcome: 'failure', kind: 'timeout', message: 'cancelled' };
  if (end.spawnErrorCode !== undefined) {
    return { outcome: 'failure', kind: 'command', message: `cannot run the command: ${SPAWN_PROBLEMS[end.spawnErrorCode] ?? cleanText(end.spawnErrorCode, 40)}` };
  }
  if (end.signal !== null) return { outcome: 'failure', kind: 'timeout', message: `killed by ${cleanText(end.signal, 20)}` };
  if (end.code === 0) return { outcome: 'ok', models: null };
  const said = firstLine(end.stderr) || firstLine(end.stdout);
  const status = `exit ${end.code ?? '?'}`;
  return { outcome: 'failure', kind: 'command', message: said === '' ? status : cleanText(`${status}: ${said}`) };
}
