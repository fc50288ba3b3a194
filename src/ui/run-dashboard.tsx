import { render } from 'ink';
import React from 'react';
import type { Engine } from '../engine.js';
import type { Clock, TimerHandle } from '../monitor/clock.js';
import type { AppMeta, FleetActions } from './actions.js';
import { App } from './app.js';
import type { Theme } from './theme.js';

// The alternate screen keeps the user's scrollback intact and is restored on exit, as in less or htop.
const ENTER_SCREEN = '\u001b[?1049h\u001b[H\u001b[2J';
const LEAVE_SCREEN = '\u001b[?25h\u001b[?1049l';

export interface DashboardOptions {
  engine: Engine;
  meta: AppMeta;
  theme: Theme;
  clock: Clock;
  notice?: string;
  stdout?: NodeJS.WriteStream;
  stdin?: NodeJS.ReadStream;
}

export interface Dashboard {
  /** Resolves with the exit code once the terminal is restored. */
  exited: Promise<number>;
  /** The one way out: stop the engine, unmount Ink, restore the terminal. Idempotent. */
  shutdown(code: number, error?: unknown): Promise<number>;
}

/** Mount the live dashboard on a terminal. */
export function runDashboard(options: DashboardOptions): Dashboard {
  const { engine, meta, theme, clock } = options;
  const stdout = options.stdout ?? process.stdout;
  const stdin = options.stdin ?? process.stdin;
  let restored = false;
  const restore = (): void => {
    if (restored) return;
    restored = true;
    stdout.write(LEAVE_SCREEN);
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

  const shutdown = (code: number, error?: unknown): Promise<number> => {
    shuttingDown ??= (async () => {
      if (ticker !== undefined) clock.clearTimeout(ticker);
      instance.unmount();
      await instance.waitUntilExit().catch(() => {});
      restore();
      if (error !== undefined) {
        process.stderr.write(`nexus-top: ${error instanceof Error ? error.message : String(error)}\n`);
      }
      // Probes are cancelled after the terminal is back, so quitting feels instant.
      await engine.close();
      resolveExit(code);
      return code;
    })();
    return shuttingDown;
  };

  const actions: FleetActions = {
    checkNow: (name) => void engine.monitor.checkNow(name),
    toggleDrain: (name) => engine.monitor.toggleDrain(name),
    setIntervalMs: (ms) => engine.monitor.setIntervalMs(ms),
    setPaused: (paused) => (paused ? engine.monitor.pause() : engine.monitor.resume()),
    quit: () => void shutdown(0),
  };

  stdout.write(ENTER_SCREEN);
  const instance = render(<App store={engine.store} actions={actions} meta={meta} theme={theme} {...(options.notice ? { notice: options.notice } : {})} />, {
    stdout,
    stdin,
    exitOnCtrlC: false,
    patchConsole: true,
    maxFps: 15,
    incrementalRendering: true,
  });
  engine.monitor.start();
  ticker = clock.setTimeout(tick, 1_000);
  return { exited, shutdown };
}
