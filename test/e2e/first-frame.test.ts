/**
 * The first frame in a real terminal (tmux), against the built binary: the table with every backend's
 * name is on screen before any backend has answered (drawn before Ink loads), and once Ink draws (a key
 * works) every row is where it was. That the two frames are the same cell by cell is src/ui/first-frame.test.ts.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { startLoopback, type Loopback } from '../helpers/loopback.js';
import { killAllTerminals, withTerminal, type Screen } from '../helpers/tmux.js';
import { TEST_TIMEOUT, WAIT, rowOf } from './demo.js';

/** Backends that take every request and never answer: the fleet stays `unknown` for as long as the test looks. */
let hung: Loopback;
let dir: string;
let config: string;
const NAMES = Array.from({ length: 12 }, (_, i) => `gpu-${String(i + 1).padStart(2, '0')}`);

beforeAll(async () => {
  hung = await startLoopback(() => {});
  dir = mkdtempSync(join(tmpdir(), 'nexus-top-e2e-first-frame-'));
  config = join(dir, 'nexus.toml');
  const backends = NAMES.map((n) => `[[backends]]\nname = "${n}"\nurl = "${hung.url}/${n}"\ntype = "openai"\n`).join('\n');
  writeFileSync(config, `[health_check]\ninterval_seconds = 30\ntimeout_seconds = 30\n\n${backends}`);
});

afterAll(async () => {
  await killAllTerminals();
  await hung.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The column titles and, below them, a row for every backend. */
function tableShown(s: Screen): boolean {
  const titles = s.lines.findIndex((l) => /^ {3}NAME +TYPE +STATUS/.test(l));
  return titles >= 0 && NAMES.every((n) => s.lines.slice(titles + 1).some((l) => l.slice(3).startsWith(`${n} `)));
}

describe('the first frame in a terminal', () => {
  it(
    'shows the table with every backend (status unknown) before any answers, and Ink keeps every row in its place',
    ({ expect }) =>
      withTerminal('first-frame', { cols: 100, rows: 30, args: ['--config', config] }, async (t) => {
        const first = await t.waitForScreen(tableShown, WAIT, 'the column titles and a row for every backend');
        expect(first.lines[0]).toMatch(/^nexus-top \S+ {2}· {2}.*nexus\.toml {2}· {2}every 30s {2}· {2}sort: name/);
        expect(first.lines[1]).toContain('12 backends');
        for (const n of NAMES) expect(rowOf(first, n), n).toMatch(/\? unknown/);
        expect(rowOf(first, 'gpu-01')).toMatch(/^› /);
        expect(first.lines[28]).toMatch(/q quit$/);
        expect(first.lines[29]!.trim()).toBe('');

        // Ink is drawing once a key moves the selection; the rows have not moved.
        await t.keys('j');
        const after = await t.waitForScreen((s) => /^› /.test(rowOf(s, 'gpu-02') ?? ''), WAIT, 'the selection on gpu-02');
        for (const n of NAMES) {
          const at = first.lines.findIndex((l) => l === rowOf(first, n));
          expect(after.lines.findIndex((l) => l === rowOf(after, n)), n).toBe(at);
          // Past the selection and activity marks, the row is the same text at the same columns.
          expect(rowOf(after, n)!.slice(3), n).toBe(rowOf(first, n)!.slice(3));
        }
        expect(after.lines[2]).toBe(first.lines[2]);
        expect(after.lines[28]).toBe(first.lines[28]);
      }),
    TEST_TIMEOUT,
  );
});
