import { hostPort, substitute, type PlaceholderValues } from '../config/placeholders.js';
import type { BackendCheck, BackendConfig } from '../config/types.js';
import { displayUrl } from '../text/redact.js';
import { ProbeAbort } from './abort.js';
import { classifyError, ProbeDeadlineError } from './classify.js';
import { runCommand } from './command.js';
import { elapsedMs } from './elapsed.js';
import { commandOutcome } from './command-outcome.js';
import { createSemaphore, type Semaphore } from './semaphore.js';
import { tcpConnect } from './tcp.js';
import type { ProbeOutcome } from '../core/outcome.js';

export interface CheckPart {
  outcome: ProbeOutcome;
  /** The connect's or the command's run time, ms. */
  latencyMs: number;
}

export interface CheckRunnerOptions {
  timeoutMs: number;
  env: Record<string, string | undefined>;
  hiddenEnv: (() => Iterable<string | undefined>) | undefined;
  concurrency: number;
  /** Cancel `signal` when `external` aborts; returns the undo. */
  link: (signal: ProbeAbort, external: AbortSignal | undefined) => () => void;
}

export interface CheckRunner {
  /** A TCP check under the probe's `signal`, or a command check (a slot of its own, its own deadline). Never rejects. */
  run(backend: BackendConfig, check: BackendCheck, signal: ProbeAbort, external: AbortSignal | undefined): Promise<CheckPart>;
}

/** The environment of nexus-top without the variables holding API keys. */
export function commandEnv(env: Record<string, string | undefined>, hidden: Iterable<string | undefined>): NodeJS.ProcessEnv {
  const drop = new Set(hidden);
  const out: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(env)) if (value !== undefined && !drop.has(key)) out[key] = value;
  return out;
}

/** What `${url}`, `${host}`, `${port}` and `${name}` stand for: the URL without its password. */
export function placeholderValues(backend: BackendConfig): PlaceholderValues {
  const { host, port } = hostPort(backend.url);
  return { url: displayUrl(backend.url), host, port: String(port), name: backend.name };
}

export function createCheckRunner(options: CheckRunnerOptions): CheckRunner {
  const { timeoutMs } = options;
  const deadlineMs = Math.min(Math.max(0, timeoutMs), 2 ** 31 - 1);
  let slots: Semaphore | undefined;
  const argvs = new WeakMap<BackendCheck, string[]>();

  async function tcp(backend: BackendConfig, signal: ProbeAbort): Promise<CheckPart> {
    const started = process.hrtime.bigint();
    let host: string | undefined;
    try {
      const target = hostPort(backend.url);
      host = target.host;
      await tcpConnect(target.host, target.port, signal);
      return { outcome: { outcome: 'ok', models: null }, latencyMs: elapsedMs(started) };
    } catch (error) {
      const classified = classifyError(signal.aborted ? signal.reason : error, { timeoutMs, ...(host !== undefined ? { host } : {}) });
      return { outcome: { outcome: 'failure', ...classified }, latencyMs: elapsedMs(started) };
    }
  }

  async function command(backend: BackendConfig, check: Extract<BackendCheck, { kind: 'command' }>, external: AbortSignal | undefined): Promise<CheckPart> {
    const abort = new ProbeAbort();
    const unlink = options.link(abort, external);
    try {
      const release = await (slots ??= createSemaphore(Math.max(1, options.concurrency))).acquire(abort);
      if (release === null) return { outcome: commandOutcome({ code: null, signal: null, stdout: '', stderr: '', killed: 'cancelled' }, timeoutMs), latencyMs: 0 };
      // The deadline runs from the start of the command, not from the wait for a slot.
      const timer = setTimeout(() => abort.abort(new ProbeDeadlineError(timeoutMs)), deadlineMs);
      const started = process.hrtime.bigint();
      try {
        let argv = argvs.get(check);
        if (argv === undefined) {
          argv = substitute(check.argv, placeholderValues(backend));
          argvs.set(check, argv);
        }
        const hidden = [...(options.hiddenEnv?.() ?? []), backend.apiKeyEnv];
        const run = await runCommand(argv, { cwd: check.cwd, env: commandEnv(options.env, hidden), signal: abort });
        const killed = run.aborted ? (abort.reason instanceof ProbeDeadlineError ? 'deadline' : 'cancelled') : undefined;
        const outcome = commandOutcome(
          { code: run.code, signal: run.signal, stdout: run.stdout, stderr: run.stderr, ...(killed ? { killed } : {}), ...(run.spawnError ? { spawnErrorCode: String(run.spawnError.code ?? run.spawnError.message) } : {}) },
          timeoutMs,
        );
        return { outcome, latencyMs: elapsedMs(started) };
      } finally {
        clearTimeout(timer);
        release();
      }
    } finally {
      unlink();
    }
  }

  return {
    run(backend, check, signal, external) {
      return check.kind === 'tcp' ? tcp(backend, signal) : command(backend, check, external);
    },
  };
}
