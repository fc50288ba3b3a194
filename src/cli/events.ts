import type { Engine } from '../engine.js';
import { errorCode } from '../error-code.js';
import { eventLine } from '../output/events.js';
import { EXIT } from '../output/exit-code.js';

export interface EventsOptions {
  /** Where the NDJSON goes (process.stdout). */
  out: NodeJS.WritableStream;
  /** Where SIGINT/SIGTERM/SIGHUP arrive (process). */
  signals: NodeJS.EventEmitter;
  /** Ends the stream by itself when it settles (a replay reaching the end of its recording). */
  until?: Promise<unknown>;
  /** One line on stderr for a write error that is not the reader going away. */
  say: (line: string) => void;
}

/**
 * `--events`: start the engine and write every event the store emits as one NDJSON line
 * (CONTRACT.md "Events"), one write per line and nothing buffered of our own, until
 *  - SIGINT or SIGTERM: stop, exit 0;
 *  - SIGHUP: the contract wants long-running headless modes to re-read the config on SIGHUP; config
 *    reload is a later issue, so for now SIGHUP stops like SIGTERM (exit 0);
 *  - the reader goes away (EPIPE: `nexus-top --events | head -1`): stop quietly, exit 0;
 *  - `until` settles (`--replay FILE --events` at the end of the recording): exit 0.
 * Any other write error (a full disk) is said on stderr and exits 70.
 */
export async function runEvents(engine: Engine, options: EventsOptions): Promise<number> {
  const { out, signals } = options;
  let code: number = EXIT.ok;
  let broken = false;
  let finish: () => void = () => {};
  const stopped = new Promise<void>((resolve) => (finish = resolve));

  const onError = (err: unknown): void => {
    if (broken) return;
    broken = true;
    const c = errorCode(err);
    if (c !== 'EPIPE' && c !== 'ERR_STREAM_DESTROYED') {
      options.say(`--events: cannot write to stdout: ${err instanceof Error ? err.message : String(err)}`);
      code = EXIT.internal;
    }
    finish();
  };
  out.on('error', onError);
  const onSignal = (): void => finish();
  const signalNames = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  for (const s of signalNames) signals.on(s, onSignal);

  const off = engine.store.onEvent((event) => {
    if (broken) return;
    try {
      out.write(eventLine(event));
    } catch (err) {
      onError(err);
    }
  });
  options.until?.then(finish, finish);
  try {
    engine.monitor.start();
    await stopped;
    // Still listening while the engine stops, so nothing recorded goes unprinted.
    await engine.close();
  } finally {
    off();
    for (const s of signalNames) signals.off(s, onSignal);
  }
  // The 'error' handler stays: a write that failed as we stopped must not become an uncaught error.
  return code;
}
