/**
 * The environment a person's terminal gives the dashboard: NO_COLOR, a non-UTF-8 locale.
 */
import { afterAll, describe, it } from 'vitest';
import { killAllTerminals, withTerminal } from '../helpers/tmux.js';
import { DEMO_NAMES, HEADER, TEST_TIMEOUT, WAIT, dashboardReady, rowOf } from './demo.js';

afterAll(killAllTerminals);

const ready = 'the demo table with every backend probed';

/** The parameters of every SGR sequence (`ESC [ … m`) in the text. */
function sgrParams(text: string): string[] {
  return [...text.matchAll(/\u001b\[([0-9;:]*)m/g)].map((m) => m[1]!);
}
/** An SGR that sets a foreground or background colour (8/16, 256 or true colour). */
const COLOUR_SGR = /(^|;)(3[0-79]|4[0-79]|9[0-7]|10[0-7]|[34]8[;:])/;

describe.concurrent('environment', () => {
  it(
    'NO_COLOR=1: not a single SGR escape on the screen, and the statuses still read in words',
    ({ expect }) =>
      withTerminal('no-color', { cols: 100, rows: 30, args: ['--demo'], env: { NO_COLOR: '1' } }, async (t) => {
        await t.waitForScreen(dashboardReady, WAIT, ready);
        const s = await t.capture({ escapes: true });
        const styled = sgrParams(s.text).filter((p) => p !== '' && p !== '0');
        expect(styled, `SGR sequences under NO_COLOR:\n${JSON.stringify(s.text)}`).toEqual([]);
        const plain = await t.capture();
        expect(rowOf(plain, 'exo-behind-proxy')).toMatch(/✖ unhealthy/);
        expect(rowOf(plain, 'ollama-gpu1')).toMatch(/● healthy/);
        expect(rowOf(plain, 'llamacpp-gpu2')).toMatch(/◐ loading/);
        // The selection shows by its mark, not by inverse video.
        expect(rowOf(plain, 'exo-behind-proxy')).toMatch(/^›/);
      }),
    TEST_TIMEOUT,
  );

  it(
    'without NO_COLOR (TERM=xterm-256color, FORCE_COLOR unset) the screen is in colour',
    ({ expect }) =>
      withTerminal('color', { cols: 100, rows: 30, args: ['--demo'] }, async (t) => {
        await t.waitForScreen(dashboardReady, WAIT, ready);
        const s = await t.capture({ escapes: true });
        const colours = sgrParams(s.text).filter((p) => COLOUR_SGR.test(p));
        expect(colours.length, `no colour SGR on the screen:\n${JSON.stringify(s.text)}`).toBeGreaterThan(0);
        // The selected row is shown in inverse video.
        expect(sgrParams(s.text).some((p) => /(^|;)7(;|$)/.test(p))).toBe(true);
      }),
    TEST_TIMEOUT,
  );

  it(
    'LANG=C (no LC_ALL, no LC_CTYPE): ASCII only on the screen, with ASCII marks and glyphs',
    ({ expect }) =>
      withTerminal('ascii', { cols: 100, rows: 30, args: ['--demo'], env: { LANG: 'C' } }, async (t) => {
        await t.waitForScreen(dashboardReady, WAIT, ready);
        // Over a few updates (the activity mark comes and goes).
        for (let i = 0; i < 10; i++) {
          const s = await t.capture();
          expect(s.lines[0]).toMatch(HEADER);
          expect(s.lines[0]).toMatch(/ {2}\| {2}demo {2}\| {2}every 2s/);
          for (const n of DEMO_NAMES) expect(rowOf(s, n), n).toBeDefined();
          expect(rowOf(s, 'exo-behind-proxy')).toMatch(/^>.*x unhealthy/);
          expect(rowOf(s, 'llamacpp-gpu2')).toMatch(/~ loading/);
          expect(rowOf(s, 'vllm-a100')).toMatch(/\+ healthy/);
          expect(s.lines[28]).toMatch(/^Up\/Down move\s+Enter details/);
          const odd = s.lines.filter((l) => /[^\x20-\x7e]/.test(l));
          expect(odd, `lines with non-ASCII characters (${[...new Set(odd.join('').replace(/[\x20-\x7e]/g, ''))].join(' ')}):\n${s.text}`).toEqual([]);
          await new Promise((r) => setTimeout(r, 200));
        }
      }),
    TEST_TIMEOUT,
  );
});
