import type { ChildProcess } from 'node:child_process';
import type { AbortSignalLike } from './abort.js';

/** Output kept per stream; the rest is read and dropped, so a chatty program never blocks on a full pipe. */
export const OUTPUT_CAP_BYTES = 64 * 1024;
/** After the program exits, how long its stdout and stderr may stay open (a background child holding them). */
const CLOSE_GRACE_MS = 200;

export interface CommandRun {
  /** Exit status, or null when a signal ended it. */
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The start of each stream, at most OUTPUT_CAP_BYTES (or RunOptions.outputCapBytes), as UTF-8. */
  stdout: string;
  stderr: string;
  /** Set when the program could not be started at all (it vanished since the config was read). */
  spawnError?: NodeJS.ErrnoException;
  /** Ended because `signal` aborted (the deadline, or the engine stopping): killed with its process group. */
  aborted: boolean;
}

export interface RunOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  signal: AbortSignalLike;
  /** Output kept per stream; OUTPUT_CAP_BYTES unless given (a GPU tool's listing on a big box is larger). */
  outputCapBytes?: number;
}

/** SIGKILL the whole process group the command leads (it was spawned detached: pgid = its pid). */
function killGroup(child: ChildProcess): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // ESRCH: the group is gone already.
  }
}

/**
 * Run argv (no shell) with stdin closed, in a process group of its own. When `signal` aborts, the group
 * is killed (a `sh -c 'sleep 60'` loses its sleep too); when the program exits, whatever it left
 * running in its group is killed as well, so a check never leaves processes behind. Never rejects.
 * node:child_process is loaded on the first command check.
 */
export function runCommand(argv: readonly string[], options: RunOptions): Promise<CommandRun> {
  const { signal } = options;
  const [program, ...args] = argv;
  if (program === undefined) throw new Error('runCommand: empty argv');
  return new Promise<CommandRun>((resolve) => {
    const { spawn } = process.getBuiltinModule('node:child_process');
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const sizes = { out: 0, err: 0 };
    let aborted = false;
    let exit: { code: number | null; signal: NodeJS.Signals | null } | null = null;
    let graceTimer: NodeJS.Timeout | undefined;
    let settled = false;
    let child: ChildProcess;
    const finish = (spawnError?: NodeJS.ErrnoException): void => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      clearTimeout(graceTimer);
      const run: CommandRun = {
        code: exit?.code ?? null,
        signal: exit?.signal ?? null,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        aborted,
      };
      if (spawnError !== undefined) run.spawnError = spawnError;
      resolve(run);
    };
    const onAbort = (): void => {
      aborted = true;
      killGroup(child);
    };
    try {
      child = spawn(program, args, { cwd: options.cwd || undefined, env: options.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true, windowsHide: true });
    } catch (error) {
      // Invalid arguments are refused when the config is read; this is what is left (EACCES on some systems).
      finish(error as NodeJS.ErrnoException);
      return;
    }
    const cap = options.outputCapBytes ?? OUTPUT_CAP_BYTES;
    const keep = (chunks: Buffer[], key: 'out' | 'err') => (chunk: Buffer) => {
      const room = cap - sizes[key];
      if (room <= 0) return;
      chunks.push(room >= chunk.length ? chunk : chunk.subarray(0, room));
      sizes[key] += Math.min(room, chunk.length);
    };
    child.stdout?.on('data', keep(out, 'out'));
    child.stderr?.on('data', keep(err, 'err'));
    child.once('error', (error: NodeJS.ErrnoException) => {
      // Spawning failed (no 'exit' follows) or killing it did (the exit still comes).
      if (child.pid === undefined) finish(error);
    });
    child.once('exit', (code, sig) => {
      exit = { code, signal: sig };
      killGroup(child);
      graceTimer = setTimeout(() => {
        child.stdout?.destroy();
        child.stderr?.destroy();
        finish();
      }, CLOSE_GRACE_MS);
    });
    child.once('close', () => finish());
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
}
