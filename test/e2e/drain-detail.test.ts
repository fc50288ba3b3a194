/**
 * Draining a backend and its detail pane, in a real terminal (tmux) running the built binary.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, it } from 'vitest';
import { runCli } from '../helpers/run-cli.js';
import { killAllTerminals, withTerminal, type Screen, type Tmux } from '../helpers/tmux.js';
import { DEMO_NAMES, TEST_TIMEOUT, WAIT, dashboardReady, lastCheck, rowOf } from './demo.js';

afterAll(killAllTerminals);

const ready = 'the demo table with every backend probed';

/** The name on the row with the selection mark. */
function selectedName(s: Screen): string | undefined {
  return DEMO_NAMES.find((n) => rowOf(s, n)?.startsWith('›'));
}

/** `g`, then `j` until `name` is selected, one key at a time, waiting for the mark to move each time. */
async function select(t: Tmux, name: string): Promise<void> {
  await t.keys('g');
  await t.waitForScreen((s) => selectedName(s) === DEMO_NAMES[0], WAIT, `the selection on ${DEMO_NAMES[0]} after g`);
  for (let i = 1; i <= DEMO_NAMES.indexOf(name as (typeof DEMO_NAMES)[number]); i++) {
    await t.keys('j');
    await t.waitForScreen((s) => selectedName(s) === DEMO_NAMES[i], WAIT, `the selection on ${DEMO_NAMES[i]} after j`);
  }
}

interface JsonOut {
  summary: Record<string, number>;
  backends: Array<{ name: string; status: string; health: string }>;
}

/** `nexus-top --demo --once --json` with this terminal's HOME/XDG dirs. */
async function onceJson(t: Tmux): Promise<Map<string, { status: string; health: string }>> {
  const run = await runCli(['--demo', '--once', '--json'], { env: { ...t.sandboxEnv, NEXUS_TOP_CONFIG: undefined } });
  if (run.stdout === '') throw new Error(`no output from --once --json (code ${run.code}): ${run.stderr}`);
  const out = JSON.parse(run.stdout) as JsonOut;
  return new Map(out.backends.map((b) => [b.name, b]));
}

describe.concurrent('drain and details', () => {
  it(
    'd drains the selected backend; the drain outlives the dashboard (--once --json sees it)',
    ({ expect }) =>
      withTerminal('drain', { cols: 100, rows: 30, args: ['--demo'] }, async (t) => {
        await t.waitForScreen(dashboardReady, WAIT, ready);
        await select(t, 'ollama-gone');
        await t.keys('d');
        const s = await t.waitForScreen((x) => /draining \(down\)/.test(rowOf(x, 'ollama-gone') ?? ''), WAIT, 'ollama-gone shown as draining');
        expect(s.lines[1]).toMatch(/\b1 draining\b/);
        for (const n of DEMO_NAMES) if (n !== 'ollama-gone') expect(rowOf(s, n), n).not.toMatch(/draining/);
        await t.keys('q');
        const { code } = await t.waitForExit(WAIT);
        expect(code).toBe(0);
        expect(existsSync(join(t.sandboxEnv.XDG_STATE_HOME!, 'nexus-top', 'state.json'))).toBe(true);
        const after = await onceJson(t);
        // Drained, and still probed underneath: its real verdict shows through.
        expect(after.get('ollama-gone')).toMatchObject({ status: 'draining', health: 'unhealthy' });
        for (const n of DEMO_NAMES) if (n !== 'ollama-gone') expect(after.get(n)?.status, n).not.toBe('draining');
      }),
    TEST_TIMEOUT,
  );

  it(
    'keys typed in one burst act in order: "jjjd" after g drains the fourth row; d again undrains it',
    ({ expect }) =>
      withTerminal('burst', { cols: 100, rows: 30, args: ['--demo'] }, async (t) => {
        await t.waitForScreen(dashboardReady, WAIT, ready);
        await t.keys('g');
        await t.waitForScreen((s) => selectedName(s) === DEMO_NAMES[0], WAIT, 'the selection on the first row');
        await t.type('jjjd');
        const s = await t.waitForScreen((x) => /draining/.test(x.lines[1] ?? '') && !/\b0 draining\b/.test(x.lines[1] ?? ''), WAIT, 'a backend drained');
        expect(selectedName(s)).toBe('ollama-gone');
        expect(rowOf(s, 'ollama-gone')).toMatch(/draining \(down\)/);
        expect(rowOf(s, 'exo-behind-proxy')).not.toMatch(/draining/);
        await t.keys('d');
        await t.waitForScreen((x) => /\b0 draining\b/.test(x.lines[1] ?? '') && /✖ unhealthy/.test(rowOf(x, 'ollama-gone') ?? ''), WAIT, 'ollama-gone undrained');
      }),
    TEST_TIMEOUT,
  );

  it(
    'Enter opens the details of the selected backend; r checks it now (its last check moves); Esc closes',
    ({ expect }) =>
      // A long interval, so that only `r` moves the last check.
      withTerminal('detail', { cols: 100, rows: 30, args: ['--demo', '--interval', '5m'] }, async (t) => {
        const table = await t.waitForScreen(dashboardReady, WAIT, ready);
        expect(table.lines[0]).toContain('every 5m');
        await select(t, 'ollama-gpu1');
        await t.keys('Enter');
        const checkRe = /^(\d\d:\d\d:\d\d) \((\d+)s ago\)$/;
        let s = await t.waitForScreen((x) => x.lines[2] === 'ollama-gpu1' && checkRe.test(lastCheck(x) ?? ''), WAIT, 'the detail pane of ollama-gpu1');
        expect(s.text).toMatch(/^url\s+http:\/\/127\.0\.0\.1:\d+$/m);
        expect(s.text).toMatch(/^type\s+ollama$/m);
        expect(s.text).toMatch(/^status\s+● healthy since \d\d:\d\d:\d\d/m);
        expect(s.text).toMatch(/^models\s+2$/m);
        expect(s.text).toMatch(/^\s+deepseek-r1:latest$/m);
        expect(s.text).toMatch(/^\s+llama3\.2:latest$/m);
        expect(s.lines[28]).toMatch(/Esc back\s+r check/);
        const first = checkRe.exec(lastCheck(s)!)![1]!;
        // Let the clock move on, so a new check shows a different time; nothing else probes it meanwhile.
        s = await t.waitForScreen((x) => Number(checkRe.exec(lastCheck(x) ?? '')?.[2] ?? -1) >= 2, WAIT, 'the last check 2 s old');
        expect(checkRe.exec(lastCheck(s)!)![1]).toBe(first);
        await t.keys('r');
        s = await t.waitForScreen(
          (x) => {
            const m = checkRe.exec(lastCheck(x) ?? '');
            return m !== null && m[1] !== first && Number(m[2]) <= 1;
          },
          WAIT,
          `the last check moved from ${first} after r`,
        );
        expect(s.lines[2]).toBe('ollama-gpu1');
        await t.keys('Escape');
        s = await t.waitForScreen((x) => DEMO_NAMES.every((n) => rowOf(x, n)) && /move\s+Enter details/.test(x.lines[28] ?? ''), WAIT, 'the table back after Esc');
        expect(selectedName(s)).toBe('ollama-gpu1');
      }),
    TEST_TIMEOUT,
  );
});
