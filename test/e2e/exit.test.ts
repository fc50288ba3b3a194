/**
 * Every way out of the dashboard gives the terminal back as it was: exit code 0, main screen
 * restored, cursor visible, line editing (icanon, echo) back on, bracketed paste off, nothing left on the screen.
 */
import { readFileSync, readlinkSync, realpathSync } from 'node:fs';
import { afterAll, describe, it } from 'vitest';
import { killAllTerminals, withTerminal, type Tmux } from '../helpers/tmux.js';
import { TEST_TIMEOUT, WAIT, dashboardReady } from './demo.js';

afterAll(killAllTerminals);

const WAYS: Array<{ name: string; leave: (t: Tmux) => Promise<void> }> = [
  { name: 'q', leave: (t) => t.keys('q') },
  { name: 'Ctrl-C', leave: (t) => t.keys('C-c') },
  {
    name: 'SIGTERM',
    leave: async (t) => {
      process.kill(await nodePid(t), 'SIGTERM');
    },
  },
  {
    name: 'SIGHUP',
    leave: async (t) => {
      process.kill(await nodePid(t), 'SIGHUP');
    },
  },
];

/** The pid of the dashboard's node process (checked to be ours). */
async function nodePid(t: Tmux): Promise<number> {
  const pid = await t.pid();
  // The program renames itself (process.title = 'nexus-top'), so check what runs rather than its argv.
  const exe = readlinkSync(`/proc/${pid}/exe`);
  const argv0 = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  if (exe !== realpathSync(process.execPath) || !/(^nexus-top|dist\/cli\.js)/.test(argv0.replace(/\0/g, ' ')))
    throw new Error(`pid ${pid} is not nexus-top: ${exe} ${argv0}`);
  return pid;
}

describe.concurrent('leaving the dashboard', () => {
  for (const way of WAYS) {
    it(
      `${way.name} exits with code 0 and restores the terminal`,
      ({ expect }) =>
        withTerminal(`exit-${way.name}`, { cols: 80, rows: 24, args: ['--demo'] }, async (t) => {
          await t.waitForScreen(dashboardReady, WAIT, 'the demo table with every backend probed');
          const inside = await t.paneState();
          expect(inside.alternateOn, 'the dashboard runs on the alternate screen').toBe(true);
          await way.leave(t);
          const { code, tty, screen } = await t.waitForExit(WAIT);
          expect(code).toBe(0);
          const pane = await t.paneState();
          expect(pane.alternateOn, 'back on the main screen').toBe(false);
          expect(pane.cursorVisible, 'cursor visible').toBe(true);
          expect(tty, 'terminal modes after exit').toEqual(expect.arrayContaining(['icanon', 'echo']));
          // Nothing but the shell's own lines: no leftover frame, no error, no warning.
          expect(screen.lines.filter((l) => l.trim() !== '')).toEqual(['EXIT=0', 'TTY: icanon echo']);
          // Bracketed paste mode (on while the dashboard runs) is off again: the shell gets pastes as they are.
          expect(await t.pasteEchoesMarkers(WAIT), 'a paste after exit comes with ^[[200~ markers').toBe(false);
        }),
      TEST_TIMEOUT,
    );
  }
});
