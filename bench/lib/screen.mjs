// Time to a screen, as a person in tmux waits for it: the program is started by the pane's shell (as on
// Enter), every byte it writes reaches a terminal model (@xterm/headless) as tmux passes it on, and the
// clock stops at the first chunk after which the model's screen is what was waited for.
import { execFileSync } from 'node:child_process';
import { closeSync, constants, openSync, rmSync, writeSync } from 'node:fs';
import { Socket } from 'node:net';
import { join } from 'node:path';
import xterm from '@xterm/headless';
import { Tmux } from './pty.mjs';
import { alive, findNodePid, killQuietly, sleep, tempDir } from './util.mjs';

const { Terminal } = xterm;

/** The model's screen: one string per row, trailing blanks cut. */
export function screenLines(term) {
  const b = term.buffer.active;
  const lines = [];
  for (let i = 0; i < term.rows; i++) lines.push(b.getLine(b.viewportY + i)?.translateToString(true) ?? '');
  return lines;
}

/**
 * Run `argv` in a fresh tmux pane of cols×rows; resolve with the ms from the moment the pane's shell is
 * told to start it to the arrival of the chunk after which `ready(lines)` holds, and the screen then.
 * `quit`: the signal the program gets afterwards (SIGTERM waits for it to exit, e.g. to write a profile).
 */
export async function timeToScreen({ argv, env, ready, cols = 120, rows = 40, timeoutMs = 20_000, quit = 'SIGKILL' }) {
  const dir = tempDir('screen');
  const gate = join(dir, 'gate');
  const out = join(dir, 'out');
  execFileSync('mkfifo', [gate, out]);
  const tmux = new Tmux({ cols, rows });
  const term = new Terminal({ cols, rows, allowProposedApi: true, scrollback: 0 });
  // Read and write end held here: no EOF between writers, no thread of the pool blocked in a read.
  const socket = new Socket({ fd: openSync(out, constants.O_RDWR | constants.O_NONBLOCK), readable: true, writable: false });
  let hitAt;
  let lines = [];
  let startedAt;
  let resolveHit;
  const hit = new Promise((r) => (resolveHit = r));
  socket.on('data', (chunk) => {
    const at = performance.now();
    term.write(chunk, () => {
      if (hitAt !== undefined) return;
      lines = screenLines(term);
      if (ready(lines)) {
        hitAt = at;
        resolveHit();
      }
    });
  });
  try {
    await tmux.start({ argv, env, gate });
    await tmux.pipeToFifo(out);
    // Let `cat` start (bytes meanwhile would wait in tmux, not be lost); the shell is waiting at the gate.
    await sleep(50);
    const g = openSync(gate, constants.O_WRONLY);
    startedAt = performance.now();
    writeSync(g, '\n');
    closeSync(g);
    const timer = setTimeout(resolveHit, timeoutMs);
    await hit;
    clearTimeout(timer);
    if (hitAt === undefined) throw new Error(`the screen waited for did not come within ${timeoutMs} ms; last screen:\n${screenLines(term).map((l) => `|${l}`).join('\n')}`);
    if (quit !== 'SIGKILL') {
      const pid = findNodePid(await tmux.panePid());
      if (pid) {
        killQuietly(pid, quit);
        const deadline = Date.now() + 10_000;
        while (alive(pid) && Date.now() < deadline) await sleep(20);
      }
    }
    return { ms: hitAt - startedAt, lines };
  } finally {
    await tmux.kill();
    socket.destroy();
    term.dispose();
    for (const d of [dir, tmux.dir]) rmSync(d, { recursive: true, force: true });
  }
}
