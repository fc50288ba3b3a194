/**
 * The LOAD column in a real terminal (tmux), against the built binary and the demo fleet, whose backends
 * serve load bodies (vLLM saturating 30 s of every 90 s). `npm run build` first (npm test does).
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, it } from 'vitest';
import { killAllTerminals, ROOT, withTerminal, type Screen } from '../helpers/tmux.js';
import { dashboardReady, rowOf, TEST_TIMEOUT, WAIT } from './demo.js';

afterAll(killAllTerminals);

// The load engine (the schedule that asks each backend for load and fills the column) is built on another
// branch of issue 15; without it nothing reads load and the column never appears. Runs once it is in.
const ENGINE = existsSync(join(ROOT, 'src', 'monitor', 'load-schedule.ts'));

const titles = (s: Screen): string => s.lines.find((l) => /^ {3}NAME /.test(l)) ?? '';
const loadShown = (s: Screen): boolean => dashboardReady(s) && /LATENCY {2}LOAD/.test(titles(s)) && /◆2 cpu/.test(rowOf(s, 'ollama-gpu1') ?? '');
/** vLLM saturated: a queue, and its KV cache at 90 % or more (always a full bar). */
const VLLM_SATURATED = /▶\d+ ◷[1-9]\d* █(9\d|100)%/;

describe.skipIf(!ENGINE).concurrent('the LOAD column in a terminal (--demo)', () => {
  it(
    'appears with each backend’s figures, and shows vLLM saturating: a queue and its KV cache nearly full',
    ({ expect }) =>
      withTerminal('load', { cols: 140, rows: 24, args: ['--demo'] }, async (t) => {
        const figures = /▶\d+ ◷\d+ [▁▂▃▄▅▆▇█]\d+%/;
        // LM Studio answers slowly (~0.8 s): its load comes last.
        const s = await t.waitForScreen((x) => loadShown(x) && / ◆1 /.test(rowOf(x, 'lmstudio-slow') ?? ''), WAIT, 'the demo table with a LOAD column');
        expect(rowOf(s, 'vllm-a100')).toMatch(figures);
        expect(rowOf(s, 'sglang-intermittent')).toMatch(figures);
        // No load endpoint for OpenAI; the dead Ollama's cannot be read.
        expect(rowOf(s, 'openai-flaky')).toMatch(/\d(?:ms|s) {2}- /);
        expect(rowOf(s, 'ollama-gone')).toMatch(/ - {2}\? /);
        // Saturation comes 30 s into the demo (and every 90 s after).
        const hot = await t.waitForScreen((x) => VLLM_SATURATED.test(rowOf(x, 'vllm-a100') ?? ''), 75_000, 'vLLM saturated');
        expect(rowOf(hot, 'vllm-a100')).toMatch(VLLM_SATURATED);
        // The detail pane: each figure with its source and the age of the reading.
        await t.keys('G', 'Enter');
        const d = await t.waitForScreen((x) => x.lines.some((l) => /^load +read \d\d:\d\d:\d\d \(\d+s ago\), from \/metrics$/.test(l)), WAIT, 'the load lines of the detail pane');
        expect(d.text).toMatch(/^ {2}waiting +◷ [1-9]\d* +from \/metrics$/m);
        expect(d.text).toMatch(/^ {2}KV cache +█ (9\d|100)\.\d% \(nearly full\) +from \/metrics$/m);
      }),
    100_000,
  );

  it(
    'in ASCII without colour (LANG=C, NO_COLOR): letters for glyphs, nothing else lost',
    ({ expect }) =>
      withTerminal('load-ascii', { cols: 140, rows: 24, args: ['--demo'], env: { LANG: 'C', NO_COLOR: '1' } }, async (t) => {
        const s = await t.waitForScreen((x) => / m2 cpu /.test(rowOf(x, 'ollama-gpu1') ?? '') && /r\d+ q\d+ kv\d+%/.test(rowOf(x, 'vllm-a100') ?? ''), WAIT, 'the ASCII LOAD column');
        expect(titles(s)).toMatch(/LATENCY {2}LOAD/);
        expect(/[^\x00-\x7f]/.test(s.text)).toBe(false);
        const raw = await t.capture({ escapes: true });
        expect(raw.text).not.toMatch(/\u001b\[[0-9;]*3\dm/);
      }),
    TEST_TIMEOUT,
  );

  it(
    'narrowed on an 80-column terminal: the queue and KV figures stay',
    ({ expect }) =>
      withTerminal('load-80', { cols: 80, rows: 24, args: ['--demo'] }, async (t) => {
        const s = await t.waitForScreen((x) => dashboardReady(x) && /LOAD/.test(titles(x)) && /◷\d+ \d+%/.test(rowOf(x, 'vllm-a100') ?? ''), WAIT, 'a narrow LOAD column');
        expect(rowOf(s, 'vllm-a100')).not.toMatch(/▶/);
        for (const l of s.lines) expect(l.length).toBeLessThanOrEqual(80);
      }),
    TEST_TIMEOUT,
  );

  it(
    'a replay of a recording shows the same LOAD column',
    async ({ expect }) => {
      const dir = mkdtempSync(join(tmpdir(), 'nexus-top-load-'));
      const file = join(dir, 'demo.ndjson');
      try {
        await withTerminal('load-record', { cols: 140, rows: 24, args: ['--demo', '--record', file] }, async (t) => {
          await t.waitForScreen(loadShown, WAIT, 'the demo with load, recording');
          await t.keys('q');
          await t.waitForExit(WAIT);
        });
        await withTerminal('load-replay', { cols: 140, rows: 24, args: ['--replay', file, '--speed', 'max'] }, async (t) => {
          const s = await t.waitForScreen((x) => /ENDED/.test(x.lines[0] ?? '') && /LATENCY {2}LOAD/.test(titles(x)), WAIT, 'the replay, ended, with LOAD');
          expect(rowOf(s, 'vllm-a100')).toMatch(/▶\d+ ◷\d+ [▁▂▃▄▅▆▇█]\d+%/);
          expect(rowOf(s, 'ollama-gpu1')).toMatch(/◆2 cpu/);
        });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
    TEST_TIMEOUT,
  );
});
