/**
 * Flap detection end to end: the demo's sglang-intermittent drops every other request, so the thresholds
 * keep it `healthy` while its history alternates; the dashboard must call it FLAPPING (and only it among
 * the steady ones), and the event log must say when it started.
 */
import { afterAll, describe, it } from 'vitest';
import { killAllTerminals, withTerminal, type Screen } from '../helpers/tmux.js';
import { TEST_TIMEOUT, WAIT, dashboardReady, rowOf } from './demo.js';

afterAll(killAllTerminals);

/** At 1 s a probe, alternating outcomes reach the flap threshold after about seven probes. */
const FLAP_WAIT = 25_000;

describe('flapping', () => {
  it(
    'the demo fleet\'s intermittent backend shows FLAPPING while the steady ones do not; e lists "started flapping"',
    ({ expect }) =>
      withTerminal('flapping', { cols: 120, rows: 30, args: ['--demo', '--interval', '1s'] }, async (t) => {
        await t.waitForScreen(dashboardReady, WAIT, 'the demo table with every backend probed');
        const s = await t.waitForScreen((x) => /\bFLAPPING\b/.test(rowOf(x, 'sglang-intermittent') ?? ''), FLAP_WAIT, 'FLAPPING on the sglang-intermittent row');
        const row = rowOf(s, 'sglang-intermittent')!;
        // Still healthy by the thresholds, flapping beside it; its history mixes ✖ with successes.
        expect(row).toMatch(/● healthy FLAPPING/);
        expect(row).toMatch(/(✖[▁▂▃▄▅▆▇█]+){3}/);
        for (const steady of ['vllm-a100', 'ollama-gpu1']) {
          expect(rowOf(s, steady), steady).not.toMatch(/FLAPPING/);
          expect(rowOf(s, steady), steady).toMatch(/● healthy/);
        }
        expect(s.lines[1]).toMatch(/\b[1-9]\d* flapping\b/);
        expect(s.text).toMatch(/MODELS\s+HISTORY\s+LAST ERROR/);

        await t.keys('e');
        const log = await t.waitForScreen(
          (x: Screen) => /^Event log\b/.test(x.lines[2] ?? '') && x.lines.some((l) => /^\d\d:\d\d:\d\d {2}sglang-intermittent +started flapping \(\d+ status changes?, score \d+\.\d %\)$/.test(l.trimEnd())),
          WAIT,
          'the event log with "started flapping" for sglang-intermittent',
        );
        expect(log.lines[2]).toMatch(/all backends/);
        // No steady backend ever flapped.
        expect(log.text).not.toMatch(/(vllm-a100|ollama-gpu1) +started flapping/);
        await t.keys('Escape');
        await t.waitForScreen((x) => rowOf(x, 'sglang-intermittent') !== undefined, WAIT, 'the table back after Esc');
      }),
    TEST_TIMEOUT,
  );
});
