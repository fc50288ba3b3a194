/**
 * The live table as a person sees it in a real terminal (tmux), against the built binary.
 * `npm run build` first (npm test does).
 */
import { afterAll, describe, it } from 'vitest';
import { displayWidth, killAllTerminals, withTerminal, type Screen } from '../helpers/tmux.js';
import { DEMO_NAMES, HEADER, TEST_TIMEOUT, WAIT, dashboardReady, rowOf } from './demo.js';

afterAll(killAllTerminals);

/** What must hold on every frame of a cols × rows terminal; returns the problems found. */
function frameProblems(s: Screen, cols: number, rows: number): string[] {
  const problems: string[] = [];
  if (s.lines.length !== rows) problems.push(`captured ${s.lines.length} lines, expected ${rows}`);
  if (!HEADER.test(s.lines[0] ?? '')) problems.push(`first line is not the header: ${JSON.stringify(s.lines[0])}`);
  // The frame is at most rows - 1 tall: the last line stays empty.
  if ((s.lines[rows - 1] ?? '').trim() !== '') problems.push(`last line is not empty: ${JSON.stringify(s.lines[rows - 1])}`);
  const seen = new Set<string>();
  s.lines.forEach((l, i) => {
    if (displayWidth(l) > cols) problems.push(`line ${i + 1} is ${displayWidth(l)} columns wide: ${JSON.stringify(l)}`);
    const key = l.trimEnd();
    if (key === '') return;
    if (seen.has(key)) problems.push(`line ${i + 1} appears twice: ${JSON.stringify(l)}`);
    seen.add(key);
  });
  for (const name of DEMO_NAMES) if (rowOf(s, name) === undefined) problems.push(`no row for ${name}`);
  return problems;
}

function show(s: Screen): string {
  return s.lines.map((l) => `|${l}`).join('\n');
}

describe.concurrent('the live table in a terminal', () => {
  it(
    'shows the header, every demo backend and its status',
    ({ expect }) =>
      // Wide enough for the whole `connection refused` beside a LOAD column.
      withTerminal('table', { cols: 140, rows: 30, args: ['--demo'] }, async (t) => {
        const s = await t.waitForScreen(dashboardReady, WAIT, 'the demo table with every backend probed');
        const header = s.lines[0]!;
        expect(header).toMatch(/^nexus-top /);
        expect(header).toContain('demo');
        expect(header).toContain('every 2s');
        expect(s.lines[1]).toContain(`${DEMO_NAMES.length} backends`);
        expect(s.text).toMatch(/NAME\s+TYPE\s+STATUS/);
        for (const name of DEMO_NAMES) expect(rowOf(s, name), name).toBeDefined();
        expect(rowOf(s, 'exo-behind-proxy')).toMatch(/unhealthy.*HTTP 502/);
        // llama.cpp answers "Loading model" for the first 20 s of the demo.
        expect(rowOf(s, 'llamacpp-gpu2')).toMatch(/loading.*Loading model/);
        expect(rowOf(s, 'ollama-gone')).toMatch(/unhealthy.*connection refused/);
        expect(rowOf(s, 'ollama-gpu1')).toMatch(/healthy/);
        expect(rowOf(s, 'ollama-gpu1')).not.toMatch(/unhealthy/);
        expect(rowOf(s, 'vllm-a100')).toMatch(/● healthy/);
      }),
    TEST_TIMEOUT,
  );

  it(
    'at 80x24 the frame stays in place through live updates: header first, nothing doubled, nothing too wide, footer shown',
    ({ expect }) =>
      withTerminal('frame', { cols: 80, rows: 24, args: ['--demo'] }, async (t) => {
        await t.waitForScreen(dashboardReady, WAIT, 'the demo table with every backend probed');
        // Watch ~5 s of updates (2-3 probe rounds at 2 s, the ages ticking every second).
        const distinct = new Set<string>();
        const until = Date.now() + 5_000;
        while (Date.now() < until) {
          const s = await t.capture();
          distinct.add(s.text);
          const problems = frameProblems(s, 80, 24);
          if (problems.length > 0) expect.fail(`${problems.join('\n')}\nscreen:\n${show(s)}`);
          // The footer of keys is the last line of the frame.
          expect(s.lines[22], show(s)).toMatch(/move\s+Enter details\s+r check\s+d drain/);
          await new Promise((r) => setTimeout(r, 100));
        }
        // It was live: the screen changed while we watched.
        expect(distinct.size).toBeGreaterThan(1);
      }),
    TEST_TIMEOUT,
  );

  it(
    'follows a resize: a smaller terminal gets a smaller frame, header still first, nothing doubled',
    ({ expect }) =>
      withTerminal('resize', { cols: 100, rows: 30, args: ['--demo'] }, async (t) => {
        await t.waitForScreen(dashboardReady, WAIT, 'the demo table with every backend probed');
        await t.tmux('resize-window', '-t', 'e2e', '-x', '70', '-y', '20');
        // A frame drawn for the new size; then it must stay that way through the next updates.
        await t.waitForScreen((s) => frameProblems(s, 70, 20).length === 0 && /drain/.test(s.lines[18] ?? ''), WAIT, 'a clean 70x20 frame');
        const until = Date.now() + 3_000;
        while (Date.now() < until) {
          const s = await t.capture();
          const problems = frameProblems(s, 70, 20);
          if (problems.length > 0) expect.fail(`${problems.join('\n')}\nscreen:\n${show(s)}`);
          await new Promise((r) => setTimeout(r, 100));
        }
      }),
    TEST_TIMEOUT,
  );

  it(
    'works with TERM=screen at 80x24',
    ({ expect }) =>
      withTerminal('screen', { cols: 80, rows: 24, args: ['--demo'], env: { TERM: 'screen' } }, async (t) => {
        const s = await t.waitForScreen(dashboardReady, WAIT, 'the demo table with every backend probed');
        const problems = frameProblems(s, 80, 24);
        expect(problems, show(s)).toEqual([]);
        expect(s.lines[0]).toContain('every 2s');
        expect(rowOf(s, 'exo-behind-proxy')).toMatch(/unhealthy/);
        expect(s.lines[22]).toMatch(/move\s+Enter details/);
      }),
    TEST_TIMEOUT,
  );

  it(
    'with stdout piped (`nexus-top --demo | cat`) prints the one-shot table instead',
    ({ expect }) =>
      withTerminal('pipe', { cols: 100, rows: 30, args: ['--demo'], suffix: '| cat' }, async (t) => {
        const { screen: s } = await t.waitForExit(WAIT);
        expect(s.text).toContain('stdout is not a terminal; probing once');
        expect(s.text).toMatch(/NAME\s+TYPE\s+STATUS\s+LATENCY\s+(?:LOAD\s+)?MODELS\s+LAST ERROR/);
        for (const name of DEMO_NAMES) expect(s.text).toContain(name);
        expect(s.text).toMatch(/exo-behind-proxy\s+exo\s+unhealthy.*HTTP 502/);
        const pane = await t.paneState();
        expect(pane.alternateOn).toBe(false);
        expect(pane.cursorVisible).toBe(true);
      }),
    TEST_TIMEOUT,
  );
});
