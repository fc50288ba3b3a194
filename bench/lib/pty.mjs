// Real terminals for the measured program: `script` (util-linux) for byte streams and timings, tmux for
// a screen that can be captured. Both run the program with the environment given and nothing else.
import { execFile, execFileSync, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { alive, descendants, killQuietly, onInterrupt, sleep, tempDir } from './util.mjs';

const run = promisify(execFile);

export const shQuote = (s) => `'${String(s).replace(/'/g, `'\\''`)}'`;

/**
 * Run `argv` in a fresh pty of `cols`×`rows` under `script -qfec`: stdin is a pipe we keep open (so the
 * program sees a terminal on stdin and stdout, and no EOF), everything the program writes arrives on
 * `onData` as written. The clock starts at spawn(); `startedAt` is that performance.now().
 */
export function runInPty({ argv, env, cols = 120, rows = 40, cwd, onData }) {
  const command = `stty rows ${rows} cols ${cols}; exec ${argv.map(shQuote).join(' ')}`;
  const startedAt = performance.now();
  const child = spawn('script', ['-qfec', command, '/dev/null'], { env, cwd, stdio: ['pipe', 'pipe', 'pipe'] });
  let bytes = 0;
  child.stdout.on('data', (chunk) => {
    bytes += chunk.length;
    onData?.(chunk, performance.now());
  });
  child.stderr.resume();
  child.stdin.on('error', () => {});
  const exited = new Promise((resolve) => child.once('close', (code, signal) => resolve({ code, signal })));
  let done = false;
  const unregister = onInterrupt(() => {
    for (const p of descendants(child.pid)) killQuietly(p, 'SIGKILL');
    killQuietly(child.pid, 'SIGKILL');
  });
  exited.then(() => {
    done = true;
    unregister();
  });
  return {
    child,
    startedAt,
    exited,
    get bytes() {
      return bytes;
    },
    get done() {
      return done;
    },
    /** Everything below script (the shell that exec'd into the program, the program). */
    processes: () => (done ? [] : descendants(child.pid)),
    /** Send `signal` to the program (and anything below script), wait up to `graceMs`, then kill it all. */
    async stop(signal = 'SIGTERM', graceMs = 5_000) {
      if (done) return exited;
      const procs = descendants(child.pid);
      for (const p of procs) killQuietly(p, signal);
      const deadline = Date.now() + graceMs;
      while (!done && Date.now() < deadline && procs.some(alive)) await sleep(20);
      for (const p of [...procs, ...descendants(child.pid)]) killQuietly(p, 'SIGKILL');
      child.stdin.end();
      const timer = setTimeout(() => killQuietly(child.pid, 'SIGKILL'), 2_000);
      const r = await exited;
      clearTimeout(timer);
      return r;
    },
  };
}

/**
 * A private tmux server (own socket, no user config, no status line) running one program in a
 * cols×rows pane. `pipeTo(file)` appends every byte the program writes to the pane to `file`.
 */
export class Tmux {
  constructor({ cols = 120, rows = 40 } = {}) {
    this.cols = cols;
    this.rows = rows;
    this.dir = tempDir('tmux');
    this.socket = join(this.dir, 'tmux.sock');
    this.conf = join(this.dir, 'tmux.conf');
    writeFileSync(this.conf, 'set -g status off\nset -g history-limit 0\n');
  }

  async tmux(...args) {
    const env = {};
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !['TMUX', 'TMUX_PANE', 'LC_ALL', 'LC_CTYPE'].includes(k)) env[k] = v;
    env.TERM ??= 'xterm-256color';
    env.LANG = 'C.UTF-8';
    const { stdout } = await run('tmux', ['-u', '-S', this.socket, '-f', this.conf, ...args], { env, encoding: 'utf8', timeout: 10_000, maxBuffer: 16 << 20 });
    return stdout;
  }

  /**
   * `gate`: a FIFO the pane's shell reads a line from before it starts the program, so that whoever
   * writes that line knows when the program is started (as a shell starts a command on Enter).
   */
  async start({ argv, env, gate }) {
    // The program runs, then the pane waits (so a crash stays visible to capture).
    const script = join(this.dir, 'run.sh');
    const wait = gate ? `read _ < ${shQuote(gate)}\n` : '';
    writeFileSync(script, `${wait}${argv.map(shQuote).join(' ')}\necho "EXIT=$?"\nexec sleep 600\n`);
    const envArgs = Object.entries(env).map(([k, v]) => `${k}=${v}`);
    this.unregister = onInterrupt(() => {
      const pane = Number.parseInt(execFileSync('tmux', ['-S', this.socket, 'display', '-p', '-t', 'bench', '#{pane_pid}'], { encoding: 'utf8' }), 10);
      const procs = descendants(pane);
      execFileSync('tmux', ['-S', this.socket, 'kill-server']);
      for (const p of procs) killQuietly(p, 'SIGKILL');
    });
    await this.tmux('new-session', '-d', '-s', 'bench', '-x', String(this.cols), '-y', String(this.rows), '-c', this.dir, '--', '/usr/bin/env', '-i', ...envArgs, '/bin/sh', script);
  }

  async pipeTo(file) {
    await this.tmux('pipe-pane', '-o', '-t', 'bench', `cat >> ${shQuote(file)}`);
  }

  /** Every byte the program writes to the pane, as it arrives, through a FIFO (`pipe-pane`). */
  async pipeToFifo(fifo) {
    await this.tmux('pipe-pane', '-t', 'bench', `exec cat > ${shQuote(fifo)}`);
  }

  async stopPipe() {
    await this.tmux('pipe-pane', '-t', 'bench');
  }

  /** The screen; with escapes (`-e`) it is what a terminal needs to draw it (colours and attributes). */
  async capture({ escapes = false } = {}) {
    return this.tmux('capture-pane', '-p', ...(escapes ? ['-e'] : []), '-t', 'bench');
  }

  async panePid() {
    return Number.parseInt((await this.tmux('display', '-p', '-t', 'bench', '#{pane_pid}')).trim(), 10);
  }

  async kill() {
    this.unregister?.();
    let procs = [];
    try {
      procs = descendants(await this.panePid());
    } catch {
      // not running
    }
    try {
      await this.tmux('kill-server');
    } catch {
      // already gone
    }
    const deadline = Date.now() + 2_000;
    while (procs.some(alive) && Date.now() < deadline) await sleep(20);
    for (const p of procs) killQuietly(p, 'SIGKILL');
  }
}
