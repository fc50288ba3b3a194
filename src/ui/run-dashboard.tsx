import { render } from 'ink';
import React from 'react';
import type { Engine } from '../engine.js';
import type { Clock, TimerHandle } from '../core/clock.js';
import type { AppMeta, FleetActions } from './actions.js';
import { App } from './app.js';
import { EXIT } from '../output/exit-code.js';
import type { Theme } from './theme.js';

import { ENTER_SCREEN, LEAVE_SCREEN } from './first-frame.js';

export interface DashboardOptions {
  /** drawFirstFrame already entered the alternate screen. */
  screenEntered?: boolean;
  engine: Engine;
  meta: AppMeta;
  theme: Theme;
  clock: Clock;
  notice?: string;
  stdout?: NodeJS.WriteStream;
  stdin?: NodeJS.ReadStream;
  /** Told once when the way out begins, whatever started it (a key, a signal, an error). */
  onShutdown?: () => void;
  /** An error the UI itself ran into (a render error, which Ink catches and ends the app with). */
  onError?: (error: unknown) => void;
}

export interface Dashboard {
  /** Resolves with the exit code once the terminal is restored and the engine closed. */
  exited: Promise<number>;
  /**
   * The one way out: stop the engine, unmount Ink, restore the terminal, then say `error` (one line,
   * as given, after `nexus-top: `). Idempotent: a later call returns the first one's promise, but an
   * error it brings still makes the exit code `code` and is said (once, after the terminal is back).
   */
  shutdown(code: number, error?: string): Promise<number>;
  /**
   * Give the terminal back now, synchronously (main screen, cursor, line mode) and say the error
   * given to shutdown, if any: for a process about to end without waiting for anything. Idempotent.
   */
  restoreNow(): void;
}

/**
 * The screen follows the fleet at most this often (a change shows within it). A busy fleet publishes every
 * few milliseconds and each update is a whole frame for Ink to build; keys are not held back by it.
 */
export const FLEET_UPDATE_MS = 250;

/** Mount the live dashboard on a terminal. */
export function runDashboard(options: DashboardOptions): Dashboard {
  const { engine, meta, theme, clock } = options;
  const stdout = options.stdout ?? process.stdout;
  const stdin = options.stdin ?? process.stdin;
  const stderr = process.stderr;
  let restored = false;
  let errorText: string | undefined;
  let errorSaid = false;
  const sayError = (): void => {
    if (!restored || errorText === undefined || errorSaid) return;
    errorSaid = true;
    stderr.write(`nexus-top: ${errorText}\n`);
  };
  const restore = (): void => {
    if (!restored) {
      restored = true;
      // The terminal may be gone already (a hang-up): nothing left to restore then.
      try {
        stdout.write(LEAVE_SCREEN);
      } catch {
        // gone
      }
    }
    sayError();
  };
  // Last resort: whatever ends the process, the screen and cursor come back.
  process.once('exit', restore);

  let ticker: TimerHandle | undefined;
  const tick = (): void => {
    engine.store.tick();
    ticker = clock.setTimeout(tick, 1_000);
  };

  let resolveExit: (code: number) => void = () => {};
  const exited = new Promise<number>((resolve) => (resolveExit = resolve));
  let shuttingDown: Promise<number> | undefined;
  let exitCode = 0;

  const shutdown = (code: number, error?: string): Promise<number> => {
    if (error !== undefined && errorText === undefined) {
      errorText = error;
      exitCode = code;
      // Already restored (an error while the engine closes): said now.
      sayError();
    }
    if (shuttingDown) return shuttingDown;
    if (error === undefined) exitCode = code;
    options.onShutdown?.();
    shuttingDown = (async () => {
      if (ticker !== undefined) clock.clearTimeout(ticker);
      instance.unmount();
      await instance.waitUntilExit().catch(() => {});
      restore();
      // Probes are cancelled after the terminal is back, so quitting feels instant.
      await engine.close();
      resolveExit(exitCode);
      return exitCode;
    })();
    return shuttingDown;
  };

  const restoreNow = (): void => {
    // Ink leaves raw mode when it unmounts; a process ending before that must do it itself.
    if (stdin.isTTY) {
      try {
        stdin.setRawMode(false);
      } catch {
        // not a terminal any more
      }
    }
    restore();
  };

  const actions: FleetActions = {
    checkNow: (name) => void engine.monitor.checkNow(name),
    toggleDrain: (name) => engine.monitor.toggleDrain(name),
    setIntervalMs: (ms) => engine.monitor.setIntervalMs(ms),
    setPaused: (paused) => (paused ? engine.monitor.pause() : engine.monitor.resume()),
    quit: () => void shutdown(0),
  };

  if (!options.screenEntered) stdout.write(ENTER_SCREEN);
  const instance = render(<App store={engine.store} actions={actions} meta={meta} theme={theme} pace={{ clock, ms: FLEET_UPDATE_MS }} {...(options.notice ? { notice: options.notice } : {})} />, {
    stdout,
    stdin,
    exitOnCtrlC: false,
    patchConsole: true,
    maxFps: 15,
    incrementalRendering: true,
  });
  // Ink ends the app by itself on a render error (its error boundary): that is an internal error, and the
  // engine must stop with it rather than keep probing behind a dead screen.
  instance.waitUntilExit().then(
    () => void shutdown(0),
    (error: unknown) => (options.onError ? options.onError(error) : void shutdown(EXIT.internal, error instanceof Error ? error.message : String(error))),
  );
  engine.monitor.start();
  ticker = clock.setTimeout(tick, 1_000);
  return { exited, shutdown, restoreNow };
}
