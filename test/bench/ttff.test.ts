/**
 * bench/'s ttff figure stops its clock when a person sees the fleet: the column header and a row with every
 * backend's name on the screen of a real terminal (tmux, through a terminal model), not at the first bytes.
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/run-cli.js';

type Ready = (lines: string[]) => boolean;
interface Startup {
  tableReady(names: string[]): Ready;
}
interface ScreenTimer {
  timeToScreen(o: { argv: string[]; env: Record<string, string>; ready: Ready; cols?: number; rows?: number; timeoutMs?: number }): Promise<{ ms: number; lines: string[] }>;
}

let startup: Startup;
let screen: ScreenTimer;

beforeAll(async () => {
  // Plain JS of the bench: imported by URL, so the type checker does not look for its types.
  startup = (await import(pathToFileURL(join(ROOT, 'bench', 'figures', 'startup.mjs')).href)) as Startup;
  screen = (await import(pathToFileURL(join(ROOT, 'bench', 'lib', 'screen.mjs')).href)) as ScreenTimer;
});

describe('the table the ttff clock waits for', () => {
  it('is the column header and, below it, a row with every name; the header line alone or a missing name is not it', () => {
    const ready = startup.tableReady(['b0000', 'b0001']);
    expect(ready(['nexus-top 0.1.0  ·  nexus.toml'])).toBe(false);
    expect(ready(['nexus-top 0.1.0', '   NAME   TYPE    STATUS', '›  b0000  openai  ? unknown'])).toBe(false);
    expect(ready(['   b0000', '   b0001', '   NAME   TYPE    STATUS'])).toBe(false);
    expect(ready(['   b00001  x', '   NAME   TYPE    STATUS', '   b00001', '   b0001'])).toBe(false);
    expect(ready(['nexus-top 0.1.0', '   NAME   TYPE    STATUS', '›  b0000  openai  ? unknown', '   b0001  openai  ? unknown'])).toBe(true);
  });

  it(
    'is timed in tmux from the start of the program to the screen that shows it, not to its first bytes',
    async () => {
      // The header at once, the rows 400 ms later (as the dashboard did while Ink loaded).
      const program = "process.stdout.write('   NAME  TYPE  STATUS\\r\\n'); setTimeout(() => process.stdout.write('›  b0000  x\\r\\n   b0001  x\\r\\n'), 400); setTimeout(() => {}, 5000);";
      const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C.UTF-8', TERM: 'xterm-256color' };
      const r = await screen.timeToScreen({ argv: [process.execPath, '-e', program], env, ready: startup.tableReady(['b0000', 'b0001']), cols: 60, rows: 10, timeoutMs: 15_000 });
      expect(r.ms).toBeGreaterThanOrEqual(400);
      expect(r.lines.slice(0, 3)).toEqual(['   NAME  TYPE  STATUS', '›  b0000  x', '   b0001  x']);
    },
    30_000,
  );
});
