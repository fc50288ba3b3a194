import { render } from 'ink-testing-library';
import React from 'react';
import stripAnsi from 'strip-ansi';
import { vi } from 'vitest';
import type { Config } from '../../src/config/types.js';
import type { ProbeOutcome, ProbeResult } from '../../src/core/outcome.js';
import { createStore, type FleetStore } from '../../src/store/store.js';
import type { FleetActions } from '../../src/ui/actions.js';
import { App } from '../../src/ui/app.js';
import type { Pace } from '../../src/ui/hooks/use-fleet.js';
import { makeTheme } from '../../src/ui/theme.js';
import { fakeClock, type FakeClock } from './fake-clock.js';

/** Key bytes as a terminal sends them. */
export const KEYS = {
  up: '\u001b[A',
  down: '\u001b[B',
  pageUp: '\u001b[5~',
  pageDown: '\u001b[6~',
  enter: '\r',
  escape: '\u001b',
  backspace: '\u007f',
  ctrlC: '\u0003',
} as const;

/** A probe outcome for `storeWith`, optionally with its latency (12 ms otherwise). */
export type TimedOutcome = ProbeOutcome & { latencyMs?: number };

/** A store built in the test: results recorded on a fake clock. */
export function storeWith(config: Config, results: Record<string, TimedOutcome[]>, clock: FakeClock = fakeClock(1_700_000_000_000)): { store: FleetStore; clock: FakeClock } {
  const store = createStore(config, { clock });
  for (const [name, outcomes] of Object.entries(results)) {
    for (const o of outcomes) record(store, clock.now(), name, o);
  }
  store.flush();
  return { store, clock };
}

/** Record one probe result of `name` that finished at `at` (not published until the store flushes). */
export function record(store: FleetStore, at: number, name: string, outcome: TimedOutcome): void {
  const { latencyMs = 12, ...o } = outcome;
  store.recordResult({ ...o, backend: name, startedAt: at - latencyMs, finishedAt: at, latencyMs } as ProbeResult);
}

export function spyActions() {
  return {
    checkNow: vi.fn<FleetActions['checkNow']>(),
    toggleDrain: vi.fn<FleetActions['toggleDrain']>(),
    setIntervalMs: vi.fn<FleetActions['setIntervalMs']>(),
    setPaused: vi.fn<FleetActions['setPaused']>(),
    quit: vi.fn<FleetActions['quit']>(),
  };
}

export function renderApp(
  store: FleetStore,
  options: { columns?: number; rows?: number; color?: boolean; unicode?: boolean; actions?: FleetActions; notice?: string; pace?: Pace; gpuNote?: string } = {},
) {
  const actions = options.actions ?? spyActions();
  const theme = makeTheme({ color: options.color ?? true, unicode: options.unicode ?? true });
  const size = { columns: options.columns ?? 120, rows: options.rows ?? 30 };
  const r = render(<App store={store} actions={actions} meta={{ version: '9.9.9', source: 'test.toml', ...(options.gpuNote ? { gpuNote: options.gpuNote } : {}) }} theme={theme} size={size} {...(options.notice ? { notice: options.notice } : {})} {...(options.pace ? { pace: options.pace } : {})} />);
  const screen = (): string => stripAnsi(r.lastFrame() ?? '');
  /** Write key bytes, then let Ink parse them and React re-render. */
  const press = async (...keys: string[]): Promise<void> => {
    for (const k of keys) {
      r.stdin.write(k);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  };
  return { ...r, actions, screen, press, size };
}
