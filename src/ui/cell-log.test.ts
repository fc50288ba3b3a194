/**
 * The cell renderer (src/ui/cell-log.ts, put in place of Ink's incremental renderer by src/ink-patches.mjs)
 * against Ink's line renderer as the dashboard used it before (Ink's log-update.js with the other patches):
 * both driven through the same frames, each into its own terminal emulator (@xterm/headless), and after
 * every frame the two screens must be the same, cell by cell: character, width, colours, attributes, and
 * where the cursor is. Then the bytes: a dashboard whose history strips grow by a cell sends a fraction.
 */
import { Unicode11Addon } from '@xterm/addon-unicode11';
import { Terminal } from '@xterm/headless';
import { build, type Plugin } from 'esbuild';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import stringWidth from 'string-width';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LogStream, LogUpdate } from './cell-log.js';

interface LogUpdateModule {
  create(stream: LogStream, options: { showCursor?: boolean; incremental?: boolean }): LogUpdate;
}

const root = join(import.meta.dirname, '..', '..');
let dir: string;
let cellLog: LogUpdateModule;
let lineLog: LogUpdateModule;

/** Ink's log-update.js, bundled with the given patches as the build does. */
async function logUpdate(plugin: Plugin, name: string): Promise<LogUpdateModule> {
  const result = await build({
    stdin: { contents: `export { default } from ${JSON.stringify(join(root, 'node_modules', 'ink', 'build', 'log-update.js'))};`, resolveDir: root, loader: 'js' },
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'node',
    logLevel: 'silent',
    plugins: [plugin],
  });
  const file = join(dir, `${name}.mjs`);
  writeFileSync(file, result.outputFiles[0]!.text);
  return ((await import(pathToFileURL(file).href)) as { default: LogUpdateModule }).default;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'nexus-top-cell-log-'));
  const patches = (await import(pathToFileURL(join(root, 'src', 'ink-patches.mjs')).href)) as {
    inkPatcher(patches?: unknown): Plugin;
    INK_PATCHES_LINE_RENDERER: unknown;
  };
  [cellLog, lineLog] = await Promise.all([logUpdate(patches.inkPatcher(), 'cell'), logUpdate(patches.inkPatcher(patches.INK_PATCHES_LINE_RENDERER), 'line')]);
}, 30_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A terminal emulator as a stream Ink writes to (`\n` as a tty's output processing turns it: CR LF). */
class Screen implements LogStream {
  readonly isTTY = true;
  readonly term: Terminal;
  bytes = 0;
  constructor(
    public columns: number,
    public rows: number,
  ) {
    this.term = new Terminal({ cols: columns, rows, allowProposedApi: true, convertEol: true, scrollback: 0 });
    this.term.loadAddon(new Unicode11Addon());
    this.term.unicode.activeVersion = '11';
  }
  write(data: string): boolean {
    this.bytes += Buffer.byteLength(data);
    this.term.write(data);
    return true;
  }
  resize(columns: number, rows: number): void {
    this.columns = columns;
    this.rows = rows;
    this.term.resize(columns, rows);
  }
  /** Everything the terminal shows, a string per cell, once it has taken in what was written. */
  async state(): Promise<string[]> {
    await new Promise<void>((resolve) => this.term.write('', resolve));
    const buffer = this.term.buffer.active;
    const out = [`cursor ${buffer.cursorX},${buffer.cursorY}`];
    for (let y = 0; y < this.term.rows; y++) {
      const line = buffer.getLine(buffer.baseY + y);
      if (!line) continue;
      for (let x = 0; x < this.term.cols; x++) {
        const c = line.getCell(x);
        if (!c) continue;
        const attrs = [c.isBold(), c.isDim(), c.isItalic(), c.isUnderline(), c.isBlink(), c.isInverse(), c.isInvisible(), c.isStrikethrough()].map((a) => (a ? 1 : 0)).join('');
        out.push(`${y},${x} ${JSON.stringify(c.getChars() || ' ')} w${c.getWidth()} fg${c.getFgColorMode()}:${c.getFgColor()} bg${c.getBgColorMode()}:${c.getBgColor()} ${attrs}`);
      }
    }
    return out;
  }
  text(): string {
    const buffer = this.term.buffer.active;
    return Array.from({ length: this.term.rows }, (_, y) => buffer.getLine(buffer.baseY + y)?.translateToString(true) ?? '').join('\n');
  }
}

type Step = { frame: string } | { resize: [number, number] } | { clear: true } | { sync: string } | { write: string } | { cursor: { x: number; y: number } };

/** Ink's side of the calls: a frame, a resize (Ink clears first when the terminal got narrower), a clear. */
async function drive(steps: readonly Step[], cols: number, rows: number): Promise<{ cell: Screen; line: Screen }> {
  const cell = new Screen(cols, rows);
  const line = new Screen(cols, rows);
  const logs = [cellLog.create(cell, { incremental: true }), lineLog.create(line, { incremental: true })] as const;
  const screens = [cell, line] as const;
  const lastHeight = [0, 0];
  for (const [i, step] of steps.entries()) {
    for (const [k, log] of logs.entries()) {
      const screen = screens[k]!;
      if ('frame' in step) {
        // As Ink's onRender hands a frame over (ink.js): one as tall as the terminal goes without its last
        // newline, and the frame after one that tall is drawn after clearing the terminal, the renderer told.
        const output = step.frame.replace(/\n$/, '');
        const height = output.split('\n').length;
        const toRender = height >= screen.rows ? output : `${output}\n`;
        if (lastHeight[k]! >= screen.rows) {
          screen.write(`\u001b[2J\u001b[3J\u001b[H${output}`);
          log.sync(toRender);
        } else log(toRender);
        lastHeight[k] = height;
      }
      else if ('clear' in step) log.clear();
      else if ('write' in step) screen.write(step.write);
      else if ('cursor' in step) log.setCursorPosition(step.cursor);
      else if ('sync' in step) {
        screen.write(step.sync);
        log.sync(step.sync);
      } else {
        const narrower = step.resize[0] < screen.columns;
        screen.resize(...step.resize);
        if (narrower) log.clear();
      }
    }
    const [a, b] = await Promise.all([cell.state(), line.state()]);
    // After a frame as tall as the terminal (no newline at its end) the hidden cursor is somewhere on its last
    // row, and Ink clears the screen before the next frame: its column is no part of what anyone sees.
    if ('frame' in step && step.frame.split('\n').length - 1 >= cell.rows) {
      a[0] = a[0]!.replace(/ \d+,/, ' _,');
      b[0] = b[0]!.replace(/ \d+,/, ' _,');
    }
    if (a.join('\n') !== b.join('\n')) {
      expect({ step: i, cell: cell.text(), diff: a.filter((x, j) => x !== b[j]).slice(0, 8) }).toEqual({ step: i, cell: line.text(), diff: b.filter((x, j) => x !== a[j]).slice(0, 8) });
    }
  }
  return { cell, line };
}

/** A small deterministic PRNG (mulberry32). */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const E = '\u001b[';
const STYLES = [`${E}32m`, `${E}31m`, `${E}1m`, `${E}2m`, `${E}1;35m`, `${E}7m`, `${E}3m`, `${E}4m`, `${E}9m`, `${E}38;5;208m`, `${E}38;2;10;200;30m`, `${E}44m`, `${E}48;5;22m`, `${E}1;2m`, `${E}93m`];
const ENDS = [`${E}m`, `${E}39m`, `${E}22m`, `${E}0m`, `${E}27m`, `${E}49m`];
// (No ZWJ sequence here: terminals give them other widths than Ink does, so a line near the width wraps
// with either renderer; the next test has one on a short line.)
const WORDS = ['alpha', 'bravo', '● healthy', '✖ down', '◌ unknown', 'FLAPPING', '日本語', 'ｗｉｄｅ', '🦙', 'é', 'e\u0301', '▁▂▃▅▇', '12.5ms', '·', '   ', 'x', '⚠'];

/** A line of random words and styles, cut to `width` columns (as Ink's lines are). */
function randomLine(rnd: () => number, width: number): string {
  let line = '';
  let cols = 0;
  const n = Math.floor(rnd() * 9);
  for (let i = 0; i < n; i++) {
    const word = WORDS[Math.floor(rnd() * WORDS.length)]!;
    const w = stringWidth(word);
    if (cols + w + 1 > width) break;
    const styled = rnd() < 0.5;
    line += `${styled ? STYLES[Math.floor(rnd() * STYLES.length)] : ''}${word}${styled ? ENDS[Math.floor(rnd() * ENDS.length)] : ''}${rnd() < 0.7 ? ' ' : ''}`;
    cols += w + 1;
  }
  // Some end in styled blanks (a selected row padded in inverse to the width); every line ends unstyled, as
  // Ink's screen buffer writes them.
  if (rnd() < 0.1) line += `${E}7m${' '.repeat(Math.max(0, width - stringWidth(line)))}`;
  // Never wider than the terminal, as Ink cuts them.
  expect(stringWidth(line)).toBeLessThanOrEqual(width);
  return line.includes('\u001b') ? `${line}${E}m` : line;
}

/**
 * A line with its text touched (its escapes left alone): a letter or digit changed, or a character or two
 * taken out or put in (what follows moves sideways), never wider than `width`.
 */
function touch(line: string, rnd: () => number, width: number): string {
  const parts = line.split(/(\u001b\[[\d;]*m)/);
  const texts = parts.map((p, i) => (i % 2 === 0 && /[a-z\d]/.test(p) ? i : -1)).filter((i) => i >= 0);
  if (texts.length === 0) return line;
  const i = texts[Math.floor(rnd() * texts.length)]!;
  const text = [...parts[i]!];
  const at = Math.floor(rnd() * text.length);
  const how = rnd();
  if (how < 0.4) parts[i] = parts[i]!.replace(/[a-z]/, (ch) => ch.toUpperCase()).replace(/\d/, (d) => String((Number(d) + 1) % 10));
  else if (how < 0.7) parts[i] = [...text.slice(0, at), ...text.slice(at + 1 + Math.floor(rnd() * 2))].join('');
  else parts[i] = [...text.slice(0, at), ['x', '日', '▂', 'ab'][Math.floor(rnd() * 4)]!, ...text.slice(at)].join('');
  const touched = parts.join('');
  return stringWidth(touched) <= width ? touched : line;
}

/**
 * A dashboard: a header; rows whose SINCE ticks, whose LATENCY varies, and whose HISTORY strip (right-aligned,
 * the newest sample last, a bar's height its latency) takes a step left each frame; a footer.
 */
function dashboard(frame: number, backends: number, width: number, flip: boolean): string {
  const lines = [`${E}1mnexus-top 0.1.0${E}m${E}2m  ·  ${E}mdemo   ${backends} backends   ${E}32m● ${backends} healthy${E}m`, `${E}2m   NAME          STATUS        SINCE  LATENCY  HISTORY${E}m`];
  const strip = width - 50;
  const bars = '▁▂▃▅▇';
  const latency = (b: number, f: number): number => 1 + ((b * 7 + f * 13) % 11) / 3;
  for (let b = 0; b < backends; b++) {
    const down = flip && (frame + b) % 2 === 1;
    const samples = Array.from({ length: Math.min(frame + 1, strip) }, (_, i) => frame - Math.min(frame, strip - 1) + i);
    const history = samples.map((f) => (flip && (f + b) % 2 ? `${E}31m✖${E}m` : `${E}32m${bars[Math.floor(latency(b, f)) % 5]}${E}m`)).join('');
    const status = down ? `${E}31m✖ unhealthy${E}m` : `${E}32m● healthy  ${E}m`;
    const row = `${b === 0 ? '›' : ' '}  backend-${String(b).padStart(2, '0')}   ${status}   ${String(frame % 60).padStart(3)}s  ${latency(b, frame).toFixed(1).padStart(5)}ms  ${' '.repeat(strip - samples.length)}${history}`;
    lines.push(b === 0 ? `${E}7m${row}${E}m` : row);
  }
  lines.push(`${E}2mq quit  ? help  / filter${E}m`);
  return `${lines.join('\n')}\n`;
}

describe('cell renderer (src/ui/cell-log.ts) against Ink line renderer', () => {
  it.each([14, 7, 2026, 99])('shows the same screen after every one of 400 random frames (seed %i): styles, wide characters, emoji, lines and rows coming and going, resizes', async (seed) => {
    const rnd = random(seed);
    let cols = 60;
    let rows = 20;
    const steps: Step[] = [];
    let lines: string[] = [];
    for (let f = 0; f < 400; f++) {
      const r = rnd();
      if (r < 0.03) {
        const narrower = 30 + Math.floor(rnd() * 50);
        // Fewer rows than the frame has, at times: the terminal scrolls it up.
        rows = 12 + Math.floor(rnd() * 12);
        // A terminal getting narrower reflows the lines wider than it, which moves Ink's frame off its place
        // whichever renderer draws it (Ink clears and redraws; a known limit of Ink's, not modelled here):
        // the lines already fit when it does.
        lines = lines.map(() => randomLine(rnd, Math.min(cols, narrower)));
        steps.push({ frame: `${lines.join('\n')}\n` });
        cols = narrower;
        steps.push({ resize: [cols, rows] });
      } else if (r < 0.05) steps.push({ clear: true });
      // Rows come and go; now and then the frame is as tall as the terminal or taller (the dashboard's is
      // one row shorter, but the terminal may have just got smaller).
      const target = Math.max(1, Math.min(rnd() < 0.05 ? rows + 2 : rows - 2, lines.length + Math.floor(rnd() * 5) - 2));
      while (lines.length < target) lines.splice(Math.floor(rnd() * (lines.length + 1)), 0, randomLine(rnd, cols));
      while (lines.length > target) lines.splice(Math.floor(rnd() * lines.length), 1);
      // A few lines change, now and then most of them.
      const changes = rnd() < 0.1 ? lines.length : Math.floor(rnd() * 4);
      for (let c = 0; c < changes; c++) {
        const y = Math.floor(rnd() * lines.length);
        const old = lines[y]!;
        lines[y] = rnd() < 0.4 ? randomLine(rnd, cols) : touch(old, rnd, cols);
      }
      steps.push({ frame: `${lines.join('\n')}\n` });
    }
    await drive(steps, 60, 20);
  }, 60_000);

  it('shows the same screen when lines grow and shrink by a cell, reach the last column, wide characters shift, and a component places the cursor', async () => {
    const steps: Step[] = [];
    const cols = 24;
    const rows = ['日本語テキスト', 'ab日cd', `${E}31m●${E}m ok`, 'x'.repeat(cols), `${E}7m${' '.repeat(cols)}${E}m`];
    for (let f = 0; f < 60; f++) {
      const shift = ' '.repeat(f % 5);
      const grow = 'z'.repeat(f % 7);
      steps.push({
        frame: `${[
          `${shift}${rows[0]}`,
          `${rows[1]!.slice(0, 1 + (f % 5))}${f % 2 ? '日' : 'ab'}${grow}`,
          `${rows[2]} ${f % 3 ? `${E}1;2mbold-dim${E}22m` : `${E}2mdim${E}m`} ${f % 4 ? `${E}1mB${E}m` : 'B'}`,
          f % 3 ? rows[3]!.slice(0, cols - (f % 4)) : rows[3],
          rows[4],
          `${'🦙'.repeat(f % 3)}${grow}`,
          `${f % 4 < 2 ? '👩‍💻' : 'e\u0301'} ok ${f % 3 ? `${E}32mgreen${E}m` : 'plain'}`,
          `${f % 2 ? `${E}38;2;1;2;3m` : `${E}38;5;3m`}colour${E}39m ${f % 2 ? `${E}44m bg ${E}49m` : ' bg '}`,
        ].join('\n')}\n`,
      });
      if (f === 30) steps.push({ sync: '' });
      // A component placing the cursor (an input field): Ink's renderer takes over, and keeps it there.
      if (f === 50) steps.push({ cursor: { x: 3, y: 2 } });
    }
    await drive(steps, cols, 12);
  }, 60_000);

  it('frames of a dashboard, steady and flipping, with a resize: the same screen', async () => {
    // What is on the screen before Ink's first frame (src/ui/first-frame.ts) and is longer than its lines.
    const steps: Step[] = [{ write: `nexus-top 0.1.0 starting, a first line longer than the header\r\n\r\n${'x'.repeat(80)}\u001b[H` }];
    for (let f = 0; f < 40; f++) steps.push({ frame: dashboard(f, 8, 90, false) });
    steps.push({ resize: [70, 14] });
    for (let f = 40; f < 60; f++) steps.push({ frame: dashboard(f, 8, 70, true) });
    steps.push({ resize: [100, 14] });
    for (let f = 60; f < 80; f++) steps.push({ frame: dashboard(f, 8, 100, f % 5 === 0) });
    await drive(steps, 90, 14);
  }, 60_000);

  it('sends a fraction of the bytes: a history strip growing a cell a frame, statuses flipping', async () => {
    const bytes = async (flip: boolean): Promise<{ cell: number; line: number; full: number }> => {
      const steps: Step[] = Array.from({ length: 60 }, (_, f) => ({ frame: dashboard(f, 40, 160, flip) }));
      const { cell, line } = await drive(steps, 160, 50);
      // The first frame is the same whole screen for both.
      const first = Buffer.byteLength(dashboard(0, 40, 160, flip));
      return { cell: cell.bytes - first, line: line.bytes - first, full: steps.slice(1).reduce((n, s) => n + Buffer.byteLength('frame' in s ? s.frame : ''), 0) };
    };
    const steady = await bytes(false);
    expect(steady.line / steady.full).toBeGreaterThan(0.8);
    expect(steady.cell / steady.full).toBeLessThan(0.15);
    const flip = await bytes(true);
    expect(flip.cell / flip.full).toBeLessThan(0.4);
  }, 120_000);
});
