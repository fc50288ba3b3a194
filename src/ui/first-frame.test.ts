/**
 * The first frame, drawn before Ink loads, is the picture Ink's own first frame draws for the same fleet,
 * cell by cell (text, colours, bold, dim, inverse), and Ink takes over without a flash (no clear, no cell
 * changing on the way) or a jump (nothing at another place): both are written into a terminal model
 * (@xterm/headless) and compared, for fleets of short and long names, wide characters, narrow and wide
 * terminals, more backends than fit, a notice, with and without colour and Unicode.
 *
 * Ink renders nothing live when CI is set, and styles nothing without a colour terminal: this file runs
 * it as on a terminal (each test file runs in a process of its own).
 */
const savedEnv = vi.hoisted(() => {
  const saved = { CI: process.env.CI, CONTINUOUS_INTEGRATION: process.env.CONTINUOUS_INTEGRATION, FORCE_COLOR: process.env.FORCE_COLOR };
  delete process.env.CI;
  delete process.env.CONTINUOUS_INTEGRATION;
  process.env.FORCE_COLOR = '1';
  return saved;
});

import { Console } from 'node:console';
import { EventEmitter } from 'node:events';
import xterm from '@xterm/headless';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { fakeClock } from '../../test/helpers/fake-clock.js';
import { configOf, loading, ok, refused } from '../../test/helpers/fleet.js';
import { storeWith, type TimedOutcome } from '../../test/helpers/render-app.js';
import { NO_FIGURES, type LoadFigures } from '../core/load.js';
import type { Engine } from '../engine.js';
import type { Monitor } from '../monitor/monitor.js';
import type { FleetStore } from '../store/store.js';
import { drawFirstFrame, ENTER_SCREEN, firstFrame, firstFrameLines, lineText } from './first-frame.js';
import { runDashboard } from './run-dashboard.js';
import { makeTheme, type Theme } from './theme.js';

// Ink patches the console (patchConsole), which needs console.Console; vitest's console has none.
beforeAll(() => {
  (console as unknown as { Console?: typeof Console }).Console ??= Console;
});

afterAll(() => {
  for (const [k, v] of Object.entries(savedEnv)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});

const { Terminal } = xterm;
type Term = InstanceType<typeof Terminal>;

class FakeStdout extends EventEmitter {
  isTTY = true;
  writes: string[] = [];
  constructor(
    public columns: number,
    public rows: number,
  ) {
    super();
  }
  write = (chunk: string, cb?: () => void): boolean => {
    this.writes.push(String(chunk));
    cb?.();
    return true;
  };
}

class FakeStdin extends EventEmitter {
  isTTY = true;
  setEncoding(): void {}
  setRawMode(): void {}
  resume(): void {}
  pause(): void {}
  ref(): void {}
  unref(): void {}
  read = (): null => null;
}

/** A terminal model; a newline also returns the cursor to the line's start, as the tty does for the program (onlcr). */
function terminal(columns: number, rows: number): Term {
  return new Terminal({ cols: columns, rows, allowProposedApi: true, scrollback: 0, convertEol: true });
}

const write = (t: Term, data: string): Promise<void> => new Promise((resolve) => t.write(data, resolve));

/**
 * Every cell of the screen, a row a line: its text (wide characters taking their two cells), then runs of
 * cells drawn alike (colours and their modes, bold, dim, inverse, italic, underline) as `from+count:style`.
 */
function cells(t: Term): string[] {
  const b = t.buffer.active;
  const cell = b.getNullCell();
  const rows: string[] = [];
  for (let y = 0; y < t.rows; y++) {
    const line = b.getLine(b.viewportY + y)!;
    const chars: string[] = [];
    const runs: Array<{ from: number; count: number; style: string }> = [];
    for (let x = 0; x < t.cols; x++) {
      line.getCell(x, cell);
      chars.push(cell.getWidth() === 0 ? '' : cell.getChars() || ' ');
      const style = `fg${cell.getFgColorMode()}:${cell.getFgColor()} bg${cell.getBgColorMode()}:${cell.getBgColor()}${cell.isBold() ? ' bold' : ''}${cell.isDim() ? ' dim' : ''}${cell.isInverse() ? ' inverse' : ''}${cell.isItalic() ? ' italic' : ''}${cell.isUnderline() ? ' underline' : ''}`;
      const last = runs[runs.length - 1];
      if (last && last.style === style) last.count++;
      else runs.push({ from: x, count: 1, style });
    }
    rows.push(`${y}: ${chars.join('')}|  ${runs.map((r) => `${r.from}+${r.count}:${r.style}`).join(', ')}`);
  }
  return rows;
}

/** What Ink writes to the terminal when the dashboard mounts over this store (its first frame, then nothing while nothing changes). */
async function inkFirstFrame(store: FleetStore, theme: Theme, columns: number, rows: number, notice?: string): Promise<string[]> {
  const stdout = new FakeStdout(columns, rows);
  const config = { ...configOf([]), source: store.getSnapshot().source };
  const monitor = { start: vi.fn(), stop: vi.fn(async () => {}) } as unknown as Monitor;
  const engine: Engine = { config, store, monitor, close: vi.fn(async () => {}), reload: vi.fn() };
  const ui = runDashboard({
    screenEntered: true,
    engine,
    meta: { version: '1.2.3', source: config.source },
    theme,
    clock: fakeClock(store.getSnapshot().at),
    stdout: stdout as unknown as NodeJS.WriteStream,
    stdin: new FakeStdin() as unknown as NodeJS.ReadStream,
    ...(notice ? { notice } : {}),
  });
  // Ink draws at once; whatever else it writes while nothing changes is part of what the takeover writes.
  await new Promise((r) => setTimeout(r, 150));
  const written = [...stdout.writes];
  await ui.shutdown(0);
  return written;
}

interface Case {
  name: string;
  results: Record<string, TimedOutcome[]>;
  backends: string[];
  columns: number;
  rows: number;
  color?: boolean;
  unicode?: boolean;
  notice?: string;
  /** Load readings set before drawing (a replay can start with load on screen). */
  load?: Record<string, Partial<LoadFigures>>;
}

const names = (n: number, f: (i: number) => string = (i) => `b${String(i).padStart(4, '0')}`): string[] => Array.from({ length: n }, (_, i) => f(i));

const CASES: Case[] = [
  { name: 'ten backends, all unknown (as at start), 120×40', backends: names(10), results: {}, columns: 120, rows: 40 },
  {
    name: 'the first answers in: healthy, refused, loading, a long error',
    backends: ['alpha', 'beta', 'gamma', 'delta'],
    results: {
      alpha: [ok(['m1', 'm2'])],
      beta: [refused, refused, refused],
      gamma: [loading],
      delta: [{ outcome: 'failure', kind: 'http', status: 503, message: 'HTTP 503: the upstream model server is warming up and refuses requests for now' }],
    },
    columns: 120,
    rows: 30,
  },
  { name: 'long names on a narrow terminal (cut, columns dropped)', backends: ['a-very-long-backend-name-that-cannot-fit-anywhere-at-all', 'gpu-box-02.internal.example.com', 'x'], results: { x: [ok()] }, columns: 50, rows: 12 },
  { name: 'more backends than fit (the table is clipped, the footer stays)', backends: names(40), results: { b0003: [refused] }, columns: 100, rows: 15 },
  { name: 'wide characters and emoji in names', backends: ['日本語サーバ', '🦙 llama', 'ｗｉｄｅ', 'café'], results: { '🦙 llama': [ok()] }, columns: 90, rows: 14 },
  { name: 'a wide terminal', backends: names(5), results: { b0001: [ok(), ok()] }, columns: 220, rows: 50 },
  { name: 'a notice above the footer', backends: names(3), results: {}, columns: 80, rows: 12, notice: 'warning: the drain state file could not be read: permission denied' },
  { name: 'no colour, no Unicode (LANG=C, NO_COLOR)', backends: names(6), results: { b0002: [refused] }, columns: 80, rows: 20, color: false, unicode: false },
  { name: 'a terminal only a few rows tall', backends: names(8), results: {}, columns: 80, rows: 5 },
  {
    name: 'the LOAD column: a queue and a full KV cache (bold, coloured), all slots busy, models partly on CPU',
    backends: ['vllm', 'llamacpp', 'ollama', 'idle'],
    results: { vllm: [ok()], llamacpp: [ok()], ollama: [ok()], idle: [ok()] },
    load: {
      vllm: { running: 24, waiting: 31, kvCache: 0.98 },
      llamacpp: { running: 2, waiting: 1, slots: { busy: 2, total: 2 } },
      ollama: { loadedModels: [{ name: 'qwen3:14b', sizeBytes: 10, vramBytes: 8, expiresAt: null }] },
      idle: { running: 0, waiting: 0, kvCache: 0.1 },
    },
    columns: 100,
    rows: 12,
  },
  { name: 'the LOAD column narrowed, in ASCII', backends: ['vllm', 'x'], results: { vllm: [refused] }, load: { vllm: { running: 24, waiting: 31, kvCache: 0.98 } }, columns: 72, rows: 10, unicode: false },
];

describe('the first frame drawn before Ink', () => {
  for (const c of CASES) {
    it(`is Ink's first frame, cell by cell, and Ink takes over without a change: ${c.name}`, async () => {
      const { store } = storeWith({ ...configOf(c.backends), source: '/etc/nexus/nexus.toml' }, c.results, fakeClock(1_700_000_000_000));
      for (const [backend, figures] of Object.entries(c.load ?? {})) store.setLoad({ backend, at: 1_700_000_000_000, figures: { ...NO_FIGURES, ...figures }, sources: ['metrics'], error: null });
      store.flush();
      const theme = makeTheme({ color: c.color ?? true, unicode: c.unicode ?? true });
      const meta = { version: '1.2.3', source: '/etc/nexus/nexus.toml' };
      const pre = firstFrame({ snapshot: store.getSnapshot(), meta, theme, columns: c.columns, rows: c.rows, ...(c.notice ? { notice: c.notice } : {}) });
      const ink = await inkFirstFrame(store, theme, c.columns, c.rows, c.notice);
      expect(ink.join('').length).toBeGreaterThan(0);

      const before = terminal(c.columns, c.rows);
      await write(before, pre);
      const drawn = cells(before);
      // Something of the fleet is there: the column titles and the first backend's name.
      expect(drawn.join('\n')).toContain('NAME');
      if (c.load) expect(drawn.join('\n')).toContain('LOAD');

      // Ink alone, on the alternate screen as cli.tsx enters it: the same picture.
      const alone = terminal(c.columns, c.rows);
      await write(alone, ENTER_SCREEN);
      for (const chunk of ink) await write(alone, chunk);
      expect(cells(alone)).toEqual(drawn);

      // Ink over the first frame: after each thing it writes (and each line of it), the screen is still that picture.
      expect(ink.join('')).not.toMatch(/\u001b\[[0-3]?J|\u001bc/);
      const over = terminal(c.columns, c.rows);
      await write(over, pre);
      for (const chunk of ink) {
        for (const piece of chunk.split(/(?<=\n)/)) {
          await write(over, piece);
          expect(cells(over)).toEqual(drawn);
        }
      }
      for (const t of [before, alone, over]) t.dispose();
    });
  }
});

describe('firstFrameLines', () => {
  it('is as tall as the terminal less one row: the footer on the row before the last', () => {
    const { store } = storeWith(configOf(names(3)), {});
    const theme = makeTheme({ color: false, unicode: true });
    const lines = firstFrameLines({ snapshot: store.getSnapshot(), meta: { version: '1', source: 's' }, theme, columns: 80, rows: 10 });
    expect(lines).toHaveLength(9);
    const text = lines.map((l) => lineText(l, 80, theme));
    expect(text[2]).toMatch(/^ {3}NAME +TYPE +STATUS/);
    expect(text.slice(3, 6).map((l) => l.slice(0, 8))).toEqual(['›  b0000', '   b0001', '   b0002']);
    expect(text[8]).toMatch(/q quit$/);
  });
});

describe('firstFrame on a terminal too short for the frame', () => {
  it('is only the empty alternate screen: the frame would scroll it, and Ink clears it there before drawing', () => {
    const { store } = storeWith(configOf(names(3)), {});
    const theme = makeTheme({ color: true, unicode: true });
    const input = { snapshot: store.getSnapshot(), meta: { version: '1', source: 's' }, theme, columns: 80 };
    expect(firstFrame({ ...input, rows: 4 })).toBe(`\u001b[?2026h${ENTER_SCREEN}\u001b[?25l\u001b[?2026l`);
    expect(firstFrame({ ...input, rows: 5 })).toContain('NAME');
  });
});

describe('drawFirstFrame', () => {
  it("draws on a terminal of the stream's size, from the alternate screen's top-left corner, and leaves the cursor there for Ink", () => {
    const { store } = storeWith(configOf(['one']), {});
    const out: string[] = [];
    const stream = { columns: 60, rows: 8, write: (s: string) => (out.push(s), true) } as unknown as NodeJS.WriteStream;
    const theme = makeTheme({ color: false, unicode: false });
    const input = { snapshot: store.getSnapshot(), meta: { version: '1.2.3', source: 'f.toml' }, theme };
    drawFirstFrame(stream, input);
    expect(out).toEqual([firstFrame({ ...input, columns: 60, rows: 8 })]);
    expect(out[0]).toContain(`${ENTER_SCREEN}`);
    expect(out[0]).toContain('nexus-top 1.2.3  |  f.toml');
    expect(out[0]).toMatch(/\u001b\[H\u001b\[\?2026l$/);
  });
});
