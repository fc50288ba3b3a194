/**
 * A hostile backend against the live dashboard, in a real terminal (tmux) running the built binary:
 * model names and error bodies carrying window-title OSCs, a screen clear, an OSC 8 hyperlink, a C1 CSI,
 * BEL, bidi overrides, a DCS string, a cursor jump and a 100 KB name. The terminal must stay the user's:
 * same title, the header where it belongs, the names shown as plain text, no such sequence written at all.
 * `npm run build` first (npm test does).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import {
  forbiddenIn,
  HOSTILE_MODELS,
  HUGE_PLAIN_PREFIX,
  PAYLOAD_MARKERS,
  startHostileBackend,
  writeHostileConfig,
} from '../helpers/hostile-backend.js';
import type { Loopback } from '../helpers/loopback.js';
import { displayWidth, killAllTerminals, withTerminal, type Screen, type Tmux } from '../helpers/tmux.js';

const WAIT = 8_000;
const TEST_TIMEOUT = 20_000;
const NAMES = ['hostile-500', 'hostile-models', 'hostile-text'] as const;
/** The first line of the dashboard on this config. */
const HEADER = /^nexus-top \d+\.\d+\.\d+\S*  [·|]  \S*hostile\.toml  [·|]  every /;

let server: Loopback;
let dir: string;
let config: string;

beforeAll(async () => {
  server = await startHostileBackend();
  dir = mkdtempSync(join(tmpdir(), 'nexus-top-hostile-e2e-'));
  config = writeHostileConfig(dir, server.url);
});
afterAll(async () => {
  await killAllTerminals();
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function rowOf(s: Screen, name: string): string | undefined {
  return s.lines.find((l) => l.slice(3).startsWith(`${name} `));
}

/** Header first, every backend probed (no `unknown` row), the models counted. */
function ready(s: Screen): boolean {
  return HEADER.test(s.lines[0] ?? '') && NAMES.every((n) => rowOf(s, n) !== undefined && !/\bunknown\b/.test(rowOf(s, n)!)) && /\b11\b/.test(rowOf(s, 'hostile-models') ?? '');
}

function show(s: Screen): string {
  return s.lines.map((l) => `|${l}`).join('\n');
}

/** Copy every byte the program writes to the pane into a file of the terminal's temp dir. */
async function tapPane(t: Tmux): Promise<string> {
  const file = join(t.dir, 'pane-output.bin');
  await t.tmux('pipe-pane', '-o', '-t', 'e2e', `cat >> '${file}'`);
  return file;
}

/** The pane's own default title: the host name (what it must still be after the probes). */
async function defaultTitle(t: Tmux): Promise<string> {
  return t.display('#{host}');
}

/** What must hold for any frame: no escape payload as text, the header first, nothing wider than the pane. */
function frameProblems(s: Screen, cols: number): string[] {
  const problems: string[] = [];
  if (!HEADER.test(s.lines[0] ?? '')) problems.push(`first line is not the header: ${JSON.stringify(s.lines[0])}`);
  for (const marker of PAYLOAD_MARKERS) if (s.text.includes(marker)) problems.push(`${JSON.stringify(marker)} on the screen`);
  const bad = forbiddenIn(s.text);
  if (bad.length > 0) problems.push(`control or bidi characters on the screen: ${bad.join(' ')}`);
  s.lines.forEach((l, i) => {
    if (displayWidth(l) > cols) problems.push(`line ${i + 1} is ${displayWidth(l)} columns wide`);
  });
  return problems;
}

/** The escapes a hostile name could smuggle in: any OSC (title, hyperlink), DCS/SOS/PM/APC, BEL, C1, bidi. */
function smuggled(bytes: string): string[] {
  const found: string[] = [];
  if (/\u001b\]/.test(bytes)) found.push('OSC (ESC ])');
  if (/\u001b[PX^_]/.test(bytes)) found.push('DCS/SOS/PM/APC');
  if (bytes.includes('\u0007')) found.push('BEL');
  if (/[\u0080-\u009f]/.test(bytes)) found.push('C1 control');
  if (/[\u202a-\u202e\u2066-\u2069]/.test(bytes)) found.push('bidi override');
  if (/\u001b[78]/.test(bytes)) found.push('cursor save/restore (ESC 7/8)');
  if (bytes.includes('\ufffd')) found.push('invalid UTF-8');
  for (const marker of PAYLOAD_MARKERS) if (bytes.includes(marker)) found.push(JSON.stringify(marker));
  // A model name glued to an escape: the server's own sequence, not Ink's drawing.
  for (const m of HOSTILE_MODELS) {
    const prefix = m.plain.split('-')[0]!;
    if (new RegExp(`${prefix}-[\\u001b\\u0007\\u0080-\\u009f\\u202a-\\u202e]`).test(bytes)) found.push(`${prefix}- followed by a control`);
  }
  return found;
}

describe.concurrent('a hostile backend on the live dashboard', () => {
  it(
    'calibration: this terminal obeys an OSC 2 title and reports it as pane_title (so the checks below can fail)',
    ({ expect }) =>
      withTerminal('hostile-calibrate', { cols: 80, rows: 10, args: ['--version'], suffix: `; printf '\\033]2;PWNED-BY-SHELL\\033\\\\'` }, async (t) => {
        await t.waitForExit(WAIT);
        const deadline = Date.now() + WAIT;
        let title = '';
        while (Date.now() < deadline && !(title = (await t.paneState()).title).includes('PWNED')) await new Promise((r) => setTimeout(r, 50));
        expect(title).toBe('PWNED-BY-SHELL');
      }),
    TEST_TIMEOUT,
  );

  it(
    'the table: title untouched, header kept, frames clean, errors in plain words; no OSC, BEL, C1 or bidi written to the pane',
    ({ expect }) =>
      // 160: room for the whole error beside the LOAD column (the hostile Ollama has load, unreadable: `?`).
      withTerminal('hostile-table', { cols: 160, rows: 30, args: ['--config', config] }, async (t) => {
        const tap = await tapPane(t);
        const before = await defaultTitle(t);
        expect(before).not.toContain('PWNED');
        const s = await t.waitForScreen(ready, WAIT, 'the hostile fleet, every backend probed');
        expect(frameProblems(s, 160), show(s)).toEqual([]);
        expect(rowOf(s, 'hostile-models')).toMatch(/● healthy/);
        expect(rowOf(s, 'hostile-500')).toMatch(/✖ unhealthy.*http: HTTP 500: boomevil click/);
        expect(rowOf(s, 'hostile-text')).toMatch(/✖ unhealthy.*parse: expected JSON, got text: plain t/);
        // Watch two more probe rounds (interval 1 s): every frame stays clean, the title never moves.
        const until = Date.now() + 2_500;
        while (Date.now() < until) {
          const f = await t.capture();
          const problems = frameProblems(f, 160);
          if (problems.length > 0) expect.fail(`${problems.join('\n')}\n${show(f)}`);
          expect((await t.paneState()).title).toBe(before);
          await new Promise((r) => setTimeout(r, 100));
        }
        const escaped = await t.capture({ escapes: true });
        expect(escaped.text).not.toMatch(/\u001b\]/);
        expect(escaped.text).not.toContain('\u0007');
        const bytes = readFileSync(tap, 'utf8');
        // The tap saw the table being drawn…
        expect(bytes).toContain('hostile-models');
        expect(bytes).toContain('HTTP 500: boomevil click');
        // …and nothing the server sent in it.
        expect(smuggled(bytes)).toEqual([]);
      }),
    TEST_TIMEOUT,
  );

  it(
    'Enter on the backend: every model name in plain text, the 100 KB one cut to the width; the 500 shows its error plainly',
    ({ expect }) =>
      withTerminal('hostile-detail', { cols: 120, rows: 45, args: ['--config', config] }, async (t) => {
        const tap = await tapPane(t);
        const before = await defaultTitle(t);
        await t.waitForScreen(ready, WAIT, 'the hostile fleet, every backend probed');
        // Sorted by name: hostile-500, hostile-models, hostile-text; the first row is selected.
        await t.keys('j');
        await t.waitForScreen((x) => (rowOf(x, 'hostile-models') ?? '').startsWith('›'), WAIT, 'hostile-models selected');
        await t.keys('Enter');
        const d = await t.waitForScreen((x) => x.lines.some((l) => /^models\s+11$/.test(l.trim())), WAIT, 'the detail pane of hostile-models with its 11 models');
        expect(frameProblems(d, 120), show(d)).toEqual([]);
        expect(d.lines.some((l) => l.trim() === 'hostile-models')).toBe(true);
        for (const m of HOSTILE_MODELS) expect(d.lines.filter((l) => l.trim() === m.plain), `${m.attack}: ${m.plain} on a line of its own\n${show(d)}`).toHaveLength(1);
        const huge = d.lines.find((l) => l.trim().startsWith(HUGE_PLAIN_PREFIX));
        expect(huge, show(d)).toBeDefined();
        expect(displayWidth(huge!)).toBeLessThanOrEqual(120);
        expect(huge!.trimEnd().endsWith('…')).toBe(true);
        const escaped = await t.capture({ escapes: true });
        expect(escaped.text).not.toMatch(/\u001b\]/);
        // Back, then the backend whose 500 carried the escapes.
        await t.keys('Escape');
        await t.waitForScreen(ready, WAIT, 'the table again');
        await t.keys('k');
        await t.waitForScreen((x) => (rowOf(x, 'hostile-500') ?? '').startsWith('›'), WAIT, 'hostile-500 selected');
        await t.keys('Enter');
        const e = await t.waitForScreen((x) => x.lines.some((l) => l.trim() === 'hostile-500') && x.lines.some((l) => /^last errors/.test(l)), WAIT, 'the detail pane of hostile-500');
        expect(frameProblems(e, 120), show(e)).toEqual([]);
        expect(e.lines.some((l) => /^\s+\d\d:\d\d:\d\d\s+http: HTTP 500: boomevil click end$/.test(l.trimEnd())), show(e)).toBe(true);
        expect((await t.paneState()).title).toBe(before);
        const bytes = readFileSync(tap, 'utf8');
        for (const m of HOSTILE_MODELS) expect(bytes).toContain(m.plain);
        expect(smuggled(bytes)).toEqual([]);
      }),
    TEST_TIMEOUT,
  );
});
