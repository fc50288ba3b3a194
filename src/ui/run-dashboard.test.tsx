/**
 * The dashboard's way out, on fake streams: the terminal comes back before anything is said, an error is
 * said once, a render error (which Ink catches and ends the app with) is reported and stops the engine,
 * and restoreNow gives the terminal back at once for a process about to end.
 */
import { Console } from 'node:console';
import { EventEmitter } from 'node:events';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { fakeClock } from '../../test/helpers/fake-clock.js';
import { configOf } from '../../test/helpers/fleet.js';
import type { Engine } from '../engine.js';
import type { Monitor } from '../monitor/monitor.js';
import { createStore } from '../store/store.js';
import { runDashboard } from './run-dashboard.js';
import { makeTheme } from './theme.js';

// Bracketed paste off, cursor shown, main screen back.
const LEAVE_SCREEN = '\u001b[?2004l\u001b[?25h\u001b[?1049l';

/** Every write to the (fake) terminal and to stderr, in order. */
type Log = Array<{ to: 'stdout' | 'stderr'; text: string }>;

class FakeStdout extends EventEmitter {
  columns = 100;
  rows = 30;
  isTTY = true;
  written = '';
  constructor(private readonly log: Log) {
    super();
  }
  write = (chunk: string, cb?: () => void): boolean => {
    this.written += chunk;
    this.log.push({ to: 'stdout', text: chunk });
    cb?.();
    return true;
  };
}

class FakeStdin extends EventEmitter {
  isTTY = true;
  rawModes: boolean[] = [];
  setEncoding(): void {}
  setRawMode(mode: boolean): void {
    this.rawModes.push(mode);
  }
  resume(): void {}
  pause(): void {}
  ref(): void {}
  unref(): void {}
  read = (): null => null;
}

/** An engine over a real store whose snapshots can be made to throw, and a monitor that only counts. */
function fixture() {
  const clock = fakeClock();
  const real = createStore(configOf(['a', 'b']), { clock });
  let boom = false;
  const store = {
    ...real,
    getSnapshot: () => {
      if (boom) throw new Error('render boom');
      return real.getSnapshot();
    },
  };
  const monitor = { start: vi.fn(), stop: vi.fn(async () => {}) } as unknown as Monitor;
  const close = vi.fn(async () => {});
  const engine: Engine = { config: configOf(['a', 'b']), store, monitor, close, reload: vi.fn() };
  const log: Log = [];
  const stdout = new FakeStdout(log);
  const stdin = new FakeStdin();
  const stderr = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    log.push({ to: 'stderr', text: String(chunk) });
    return true;
  });
  const onShutdown = vi.fn();
  return {
    log,
    clock,
    real,
    engine,
    close,
    stdout,
    stdin,
    stderr,
    onShutdown,
    explode: () => {
      boom = true;
      real.tick();
    },
    start: (onError?: (e: unknown) => void) =>
      runDashboard({
        engine,
        meta: { version: '0.0.0', source: 'test.toml' },
        theme: makeTheme({ color: false, unicode: true }),
        clock,
        stdout: stdout as unknown as NodeJS.WriteStream,
        stdin: stdin as unknown as NodeJS.ReadStream,
        onShutdown,
        ...(onError ? { onError } : {}),
      }),
  };
}

// Ink patches the console (patchConsole), which needs console.Console; vitest's console has none.
beforeAll(() => {
  (console as unknown as { Console?: typeof Console }).Console ??= Console;
});

afterEach(() => {
  vi.restoreAllMocks();
});

describe('runDashboard: the way out', () => {
  it('shutdown: told once, terminal restored, then the error said once, engine closed, the code given', async () => {
    const f = fixture();
    const ui = f.start();
    expect(f.stdout.written).toContain('\u001b[?1049h');
    expect(f.stdout.written).toContain('\u001b[?2004h');
    const first = ui.shutdown(70, 'internal error: it broke');
    // A second way out while the first runs: same promise, said nothing more.
    const second = ui.shutdown(0, 'internal error: something else');
    expect(second).toBe(first);
    expect(await ui.exited).toBe(70);
    expect(f.onShutdown).toHaveBeenCalledTimes(1);
    expect(f.close).toHaveBeenCalledTimes(1);
    expect(f.stdout.written.endsWith(LEAVE_SCREEN)).toBe(true);
    const said = f.stderr.mock.calls.map(([chunk]) => String(chunk));
    expect(said).toEqual(['nexus-top: internal error: it broke\n']);
  });

  it('an error after a plain quit: the code becomes the error\'s and the line is said (once the terminal is back)', async () => {
    const f = fixture();
    const ui = f.start();
    const done = ui.shutdown(0);
    ui.shutdown(70, 'internal error: late');
    expect(await done).toBe(70);
    expect(f.stderr.mock.calls.map(([c]) => String(c))).toEqual(['nexus-top: internal error: late\n']);
    // Said after the screen was left, not on the alternate screen, and nothing drawn after it.
    const left = f.log.findIndex((w) => w.to === 'stdout' && w.text.includes(LEAVE_SCREEN));
    const said = f.log.findIndex((w) => w.to === 'stderr');
    expect(left).toBeGreaterThanOrEqual(0);
    expect(said).toBeGreaterThan(left);
    expect(f.log.slice(said + 1).filter((w) => w.to === 'stdout' && w.text !== '')).toEqual([]);
  });

  it('a render error: reported to onError, and the engine keeps running until the caller shuts down', async () => {
    const f = fixture();
    const errors: unknown[] = [];
    const ui = f.start((e) => errors.push(e));
    vi.spyOn(console, 'error').mockImplementation(() => {});
    f.explode();
    await vi.waitFor(() => expect(errors).toHaveLength(1));
    expect(errors[0]).toMatchObject({ message: 'render boom' });
    expect(await ui.shutdown(70, 'internal error: render boom')).toBe(70);
    expect(f.close).toHaveBeenCalledTimes(1);
  });

  it('a render error without onError: the dashboard shuts down with 70 and says it', async () => {
    const f = fixture();
    const ui = f.start();
    vi.spyOn(console, 'error').mockImplementation(() => {});
    f.explode();
    expect(await ui.exited).toBe(70);
    expect(f.close).toHaveBeenCalledTimes(1);
    expect(f.stderr.mock.calls.map(([c]) => String(c))).toEqual(['nexus-top: render boom\n']);
  });

  it('restoreNow: raw mode off and the screen left at once, the pending error said; idempotent', async () => {
    const f = fixture();
    const ui = f.start();
    void ui.shutdown(70, 'internal error: stuck');
    ui.restoreNow();
    ui.restoreNow();
    expect(f.stdin.rawModes.at(-1)).toBe(false);
    expect(f.stdout.written.split(LEAVE_SCREEN)).toHaveLength(2);
    expect(f.stderr.mock.calls.map(([c]) => String(c))).toEqual(['nexus-top: internal error: stuck\n']);
    await ui.exited;
  });
});
