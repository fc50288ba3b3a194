#!/usr/bin/env node
import { EventEmitter } from 'node:events';
import { isatty } from 'node:tty';
import { parseArgs, type CliOptions } from './cli/args.js';
import { runEvents } from './cli/events.js';
import { printCheck, printState, probeCheck, probeOnce } from './cli/once.js';
import { createReloader, type Reloader } from './cli/reload.js';
import { openDrainState, resolveConfig, warnOnStderr, type Resolved } from './cli/resolve-config.js';
import { UsageError } from './cli/usage-error.js';
import { ConfigError } from './config/index.js';
import { createEngine, type Engine } from './engine.js';
import { errorCode } from './error-code.js';
import { systemClock, type Clock } from './core/clock.js';
import type { MetricsServer } from './metrics/server.js';
import { checkUnknown } from './output/check.js';
import { EXIT } from './output/exit-code.js';
import { createRecorder, openRecordFile, RecordingError, withRecorder } from './record/recorder.js';
import type { FleetSnapshot } from './store/types.js';
import type { Dashboard } from './ui/run-dashboard.js';

// Stacks are printed only with --debug; mapping them to the sources means reading and parsing the
// bundle's source maps at load (700 KB of JSON: ~10 ms of every start), so only then.
if (process.argv.includes('--debug')) process.setSourceMapsEnabled(true);
// `ps` and `top` on the GPU box show what this is, not `node /…/dist/cli.js`.
process.title = 'nexus-top';
/*
 * Keep the heap near what is live, in the modes that keep running. V8 sizes the heap's next limit from how
 * fast the program allocated at its last full GC; the first comes during the start-up burst (every
 * backend's first connection), and it then let a 1000-backend loop grow by ~2 MB/s for minutes without
 * another (RSS 130 -> 200 MiB in 40 s, ~35 MiB of it live). At most 1.5x of the live heap instead: a full
 * GC every ~10 s (~10 ms), RSS flat near 145 MiB. The flag is read when a GC sets the next limit, so
 * setting it before the first probe, before any full GC, is what the command-line flag would do
 * (v8.setFlagsFromString's caveat is for flags read once). Not at the very start: loading node:v8 takes
 * ~1 ms, which the dashboard spends after its first frame and --once not at all. Never in the run of the
 * build that makes dist/main.js.cache (a --once run): V8 rejects a code cache made under other flags.
 */
function keepHeapNearLive(): void {
  process.getBuiltinModule('node:v8').setFlagsFromString('--heap-growing-percent=50');
}

const say = (line: string): void => {
  process.stderr.write(`nexus-top: ${line}\n`);
};
const writeOut = (text: string): void => void process.stdout.write(text);

let debug = process.argv.includes('--debug');
/** --check: even a config or usage error is said as a plugin line on stdout (UNKNOWN, exit 3). */
const checkMode = process.argv.includes('--check');

/*
 * The way out. Every mode ends through here, so that
 *  - SIGINT, SIGTERM and SIGHUP stop probes and timers, restore the terminal and exit within 1 s: the
 *    running mode stops gracefully (its own exit code), and if that has not ended the process within
 *    STOP_BUDGET_MS (a recording stuck on a pipe nobody reads, say), the process ends hard;
 *  - a second signal while stopping (a second Ctrl-C) ends it at once;
 *  - an unexpected error anywhere restores the terminal first, says one line (the stack with --debug)
 *    and exits 70.
 * Ending hard means: terminal back, our handlers gone, and the signal raised again with its default
 * action, so the kernel ends the process (the shell sees 128+n, 130 for Ctrl-C). Not process.exit():
 * Node joins its thread pool on exit, which never returns while a thread is stuck in a write to a full
 * pipe or in a DNS lookup that hangs.
 */
const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
type StopSignal = (typeof STOP_SIGNALS)[number];
const SIGNAL_NUMBER: Record<StopSignal, number> = { SIGHUP: 1, SIGINT: 2, SIGTERM: 15 };
/** How long a graceful stop may take before the process ends hard (the promise is 1 s). */
const STOP_BUDGET_MS = 750;

/** The running mode's graceful stop; a mode that starts after a signal is stopped at once. */
let stopMode: ((signal: StopSignal) => void) | undefined;
let stopSignal: StopSignal | undefined;
/** Set once the way out has begun (a signal, `q`, an error): a signal now ends the process at once. */
let stopping = false;
let watchdog: ReturnType<typeof setTimeout> | undefined;
/** While the dashboard is mounted: the terminal back synchronously (and the pending error line said). */
let restoreTerminal: (() => void) | undefined;
/** While the dashboard is mounted, a crash must restore the terminal before anything is printed. */
let onCrash: ((text: string) => void) | undefined;
/** The first unexpected error: only it is said, and the exit code is 70 whatever the mode returns. */
let failure: { error: unknown } | undefined;

/** The mode that runs now stops this way on a signal (at once if one came already). */
function onStop(stop: (signal: StopSignal) => void): void {
  stopMode = stop;
  if (stopSignal !== undefined) stop(stopSignal);
}

function armWatchdog(end: () => void): void {
  watchdog ??= setTimeout(end, STOP_BUDGET_MS);
}

/**
 * Set when the terminal has gone away (a hang-up: the SSH connection or the terminal window closed), seen
 * as writes failing with EIO. Node's own exit then fails an assertion restoring the terminal's modes and
 * aborts, so the process ends by SIGHUP instead, as a hang-up would end it.
 */
let terminalGone = false;
const TERMINAL_GONE = new Set(['EIO', 'ENXIO', 'EPIPE', 'ERR_STREAM_DESTROYED']);

/** End now: our signal handlers go first, so that even an exit that hangs can still be interrupted. */
function exitNow(code: number): void {
  if (terminalGone) return dieBy('SIGHUP');
  for (const s of STOP_SIGNALS) process.removeAllListeners(s);
  process.exit(code);
}

/** End at once, as the signal would have without us (terminal restored first). */
function dieBy(signal: StopSignal): void {
  restoreTerminal?.();
  for (const s of STOP_SIGNALS) process.removeAllListeners(s);
  process.kill(process.pid, signal);
  // Should the signal not end us (it is blocked somehow), end anyway.
  setTimeout(() => process.exit(128 + SIGNAL_NUMBER[signal]), 100);
}

/** Headless modes watching a config file: SIGHUP re-reads it (as daemons do) instead of stopping. */
let onHangup: (() => void) | undefined;

function onSignal(signal: StopSignal): void {
  if (signal === 'SIGHUP' && onHangup && !stopping) return onHangup();
  if (stopping) return dieBy(signal);
  stopping = true;
  stopSignal = signal;
  armWatchdog(() => dieBy(signal));
  stopMode?.(signal);
}
for (const s of STOP_SIGNALS) process.on(s, onSignal);

function describeError(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return `internal error: ${message}${debug ? '' : ' (run with --debug for details)'}`;
}

/** The one line (and with --debug the stack) for an unexpected error. */
function crashText(err: unknown): string {
  const stack = debug && err instanceof Error && err.stack ? `\n${err.stack}` : '';
  return `${describeError(err)}${stack}`;
}

/** Say why main failed (once) and return the exit code. */
function fail(err: unknown): number {
  if (err instanceof UsageError || err instanceof ConfigError || err instanceof RecordingError) {
    say(err.message);
    if (checkMode) writeOut(`${checkUnknown(err.message).line}\n`);
    return EXIT.usage;
  }
  if (failure === undefined) {
    failure = { error: err };
    say(crashText(err));
  }
  return EXIT.internal;
}

type Mode = 'dashboard' | 'once' | 'events' | 'check' | 'headless';

/** --check, --headless, --events as asked; then the dashboard on a terminal unless --once; otherwise once. */
function modeOf(options: CliOptions): Mode {
  if (options.check) return 'check';
  if (options.headless) return 'headless';
  if (options.events) return 'events';
  // isatty, not process.stdin.isTTY: that builds stdin's stream, which Ink does later, after the first frame is drawn.
  const interactive = isatty(1) && isatty(0);
  return !options.once && interactive ? 'dashboard' : 'once';
}

/** The live dashboard over any engine (live or replayed). Ink is loaded only here, so --once never pays for it. */
async function dashboard(engine: Engine, clock: Clock, options: CliOptions, version: string, notice?: string, live = true): Promise<number> {
  const [{ makeTheme, wantsColor, wantsUnicode }, { drawFirstFrame, LEAVE_SCREEN }] = await Promise.all([import('./ui/theme.js'), import('./ui/first-frame.js')]);
  const theme = makeTheme({ color: wantsColor(process.env, options.color, true), unicode: wantsUnicode(process.env) });
  const meta = { version, source: engine.config.source, ...(engine.gpuNote ? { gpuNote: engine.gpuNote } : {}) };
  // The fleet on screen at once, as Ink will draw it, while Ink loads (a replay's header is not this one:
  // no early frame). Until the dashboard is mounted (it restores the terminal from then on), a way out must
  // leave the screen.
  let leaveEarly: (() => void) | undefined;
  if (live) {
    drawFirstFrame(process.stdout, { snapshot: engine.store.getSnapshot(), meta, theme, ...(notice ? { notice } : {}) });
    leaveEarly = () => {
      process.stdout.write(LEAVE_SCREEN);
      leaveEarly = undefined;
    };
    restoreTerminal = () => leaveEarly?.();
    process.once('exit', restoreTerminal);
  }
  keepHeapNearLive();
  const { runDashboard } = await import('./ui/run-dashboard.js');
  let ui: Dashboard | undefined;
  // The terminal gone (writes fail with EIO): the end of the session, not an internal error.
  const onTerminalError = (err: unknown): void => {
    const code = errorCode(err);
    if (code === undefined || !TERMINAL_GONE.has(code)) return crashed(err);
    terminalGone = true;
    void ui?.shutdown(EXIT.ok);
  };
  process.stdout.on('error', onTerminalError);
  process.stderr.on('error', onTerminalError);
  ui = runDashboard({
    screenEntered: live,
    engine,
    meta,
    theme,
    clock,
    ...(notice ? { notice } : {}),
    // `q` or Ctrl-C as a key (raw mode): a real SIGINT from now on ends the process at once.
    onShutdown: () => {
      stopping = true;
      armWatchdog(() => {
        restoreTerminal?.();
        exitNow(failure ? EXIT.internal : EXIT.ok);
      });
    },
    onError: (err) => crashed(err),
  });
  const dashboard = ui;
  if (leaveEarly) process.removeListener('exit', restoreTerminal!);
  restoreTerminal = () => dashboard.restoreNow();
  onCrash = (text) => void dashboard.shutdown(EXIT.internal, text);
  // Every way out goes through one idempotent shutdown that restores the terminal first.
  onStop(() => void dashboard.shutdown(EXIT.ok));
  return dashboard.exited;
}

/** --once: on a signal the probes are cancelled and nothing is printed; exit 128+n, as the signal would. */
async function interruptible(stop: () => void, run: (write: (text: string) => void) => Promise<number>): Promise<number> {
  let interrupted: StopSignal | undefined;
  onStop((signal) => {
    interrupted ??= signal;
    stop();
  });
  const code = await run((text) => {
    if (interrupted === undefined) writeOut(text);
  });
  return interrupted === undefined ? code : 128 + SIGNAL_NUMBER[interrupted];
}

/** --headless: probe (for --metrics, --record) until the first signal; exit 0. */
async function headless(engine: Engine): Promise<number> {
  const stopped = new Promise<void>((resolve) => onStop(() => resolve()));
  engine.monitor.start();
  await stopped;
  await engine.close();
  return EXIT.ok;
}

/** --metrics: the exporter over the engine's store (prom-client is loaded only then). */
async function serveMetrics(engine: Engine, options: CliOptions): Promise<MetricsServer | undefined> {
  if (!options.metrics) return undefined;
  const { createMetricsServer } = await import('./metrics/server.js');
  return createMetricsServer({ store: engine.store, host: options.metrics.host, port: options.metrics.port });
}

/** --events: the stream stops on the first signal (exit 0, as the mode promises). */
function eventSignals(): EventEmitter {
  const signals = new EventEmitter();
  onStop((signal) => void signals.emit(signal));
  return signals;
}

/** Watch the network: the config (or the demo fleet), in the mode asked, recording if asked. */
async function live(options: CliOptions, version: string): Promise<number> {
  let resolved: Resolved | undefined;
  try {
    resolved = await resolveConfig(options, process.env);
    if (resolved.notice) say(resolved.notice);
    const mode = modeOf(options);
    if (mode === 'once' && !options.once) say('stdout is not a terminal; probing once (as --once)');
    // Opened before anything is probed, so a bad path is a usage error with nothing started.
    const recordFd = options.record !== undefined ? openRecordFile(options.record) : undefined;
    // On the dashboard, problems are shown on screen or said once the terminal is back.
    const warnings: string[] = [];
    const later: string[] = [];
    const warn = mode === 'dashboard' ? (m: string): void => void warnings.push(m) : warnOnStderr;
    // A backend URL on the command line whose type could not be detected.
    for (const m of resolved.warnings) warn(m);
    const drainState = openDrainState(resolved.fleetKey, warn);
    let engine = createEngine(resolved.config, systemClock, process.env, { drainState, connections: mode === 'once' || mode === 'check' ? 'single' : 'pooled' });
    if (recordFd !== undefined) {
      const recorder = createRecorder(recordFd, options.record!, engine.store, resolved.config, {
        version,
        now: Date.now,
        onError: (m) => (mode === 'dashboard' ? later.push(m) : say(m)),
      });
      engine = withRecorder(engine, recorder);
    }
    let metrics: MetricsServer | undefined;
    let reloader: Reloader | undefined;
    try {
      // Modes that keep running follow the config file as it changes (--once and --check read it once).
      if (resolved.reloadable && (mode === 'dashboard' || mode === 'events' || mode === 'headless')) {
        reloader = createReloader({ ...resolved.reloadable, engine });
        if (mode !== 'dashboard') {
          const r = reloader;
          onHangup = () => void r.reload();
        }
      }
      // Listening before the first probe, so a port in use is an error (exit 3) with nothing started.
      metrics = await serveMetrics(engine, options);
      switch (mode) {
        case 'events':
          keepHeapNearLive();
          return await runEvents(engine, { out: process.stdout, signals: eventSignals(), say });
        case 'headless':
          keepHeapNearLive();
          return await headless(engine);
        case 'check':
        case 'once': {
          const e = engine;
          return await interruptible(
            () => void e.close(),
            (write) => (mode === 'check' ? probeCheck(e, write) : probeOnce(e, systemClock, options.json, write)),
          );
        }
        case 'dashboard':
          return await dashboard(engine, systemClock, options, version, warnings[0] ? `warning: ${warnings[0]}` : undefined);
        default:
          throw new Error(`unknown mode ${String(mode satisfies never)}`);
      }
    } finally {
      onHangup = undefined;
      reloader?.close();
      await metrics?.close();
      // Idempotent; here so the recording is complete and closed on every way out.
      await engine.close();
      for (const m of later) say(m);
    }
  } finally {
    await resolved?.demo?.close();
  }
}

/** Play a recording through the same store and views, on the recording's clock. */
async function replay(options: CliOptions, file: string, version: string): Promise<number> {
  // Loaded only for a replay (a live run never reads a recording).
  const { createReplayEngine, openRecording } = await import('./record/replay.js');
  const recording = await openRecording(file);
  const mode = modeOf(options);
  if (mode === 'once' && !options.once) say('stdout is not a terminal; replaying to the end (as --once)');
  const engine = createReplayEngine(recording, { speed: mode === 'once' || mode === 'check' ? 'max' : (options.speed ?? 1) });
  /** --once, --check: play the recording to its end, then print the fleet as it ends (interruptible). */
  const printAtTheEnd = (print: (snapshot: FleetSnapshot, write: (text: string) => void) => number | Promise<number>): Promise<number> =>
    interruptible(
      () => void engine.close(),
      async (write) => {
        engine.monitor.start();
        await engine.done;
        return print(engine.store.getSnapshot(), write);
      },
    );
  let code: number;
  try {
    switch (mode) {
      case 'events':
        keepHeapNearLive();
        code = await runEvents(engine, { out: process.stdout, signals: eventSignals(), say, until: engine.done });
        break;
      case 'once':
        // checked_at is the time in the recording when it ends.
        code = await printAtTheEnd((snapshot, write) => printState(snapshot, engine.clock.now(), options.json, write));
        break;
      case 'check':
        code = await printAtTheEnd((snapshot, write) => printCheck(snapshot, recording.config.health.timeoutMs, write));
        break;
      case 'dashboard':
        code = await dashboard(engine, engine.clock, options, version, undefined, false);
        break;
      case 'headless':
        throw new UsageError('--replay cannot be used with --headless');
    }
  } finally {
    await engine.close();
  }
  const end = await engine.done;
  if (end.stoppedAt) say(`${end.stoppedAt}; replayed up to line ${end.lastLine}`);
  return code;
}

async function main(): Promise<number> {
  const { options, help, version } = parseArgs(process.argv.slice(2));
  debug = options.debug;
  if (options.help) {
    process.stdout.write(help);
    return EXIT.ok;
  }
  if (options.version) {
    process.stdout.write(`${version}\n`);
    return EXIT.ok;
  }
  return options.replay !== undefined ? replay(options, options.replay, version) : live(options, version);
}

function crashed(err: unknown): void {
  if (failure !== undefined) return;
  failure = { error: err };
  const text = crashText(err);
  if (onCrash) {
    // The dashboard: terminal back, then the line; the graceful way gets the usual budget.
    armWatchdog(() => {
      restoreTerminal?.();
      exitNow(EXIT.internal);
    });
    stopping = true;
    onCrash(text);
    return;
  }
  // Headless: nothing to restore; say it in one line and stop.
  say(text);
  exitNow(EXIT.internal);
}
process.on('unhandledRejection', crashed);
process.on('uncaughtException', crashed);

/** Everything written is out (a pipe, a file or a terminal), then exit. */
function flushed(stream: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve) => {
    if (stream.destroyed || stream.writableEnded || stream.errored) return resolve();
    stream.write('', () => resolve());
  });
}

/**
 * main has returned: exit now rather than when the event loop runs dry, which a connection still
 * being opened to a host that never answers would delay for as long as the connect timeout.
 */
async function finish(code: number): Promise<void> {
  await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
  // A turn of the event loop, so that requests whose callbacks brought us here (a file closed) are done.
  await new Promise((resolve) => setImmediate(resolve));
  // After a signal, exit must not wait for work stuck in the thread pool (a DNS lookup that hangs, a write
  // to a full pipe): process.exit() would, for as long as it lasts. End by the signal instead.
  if (stopSignal !== undefined && threadPoolBusy()) return dieBy(stopSignal);
  exitNow(failure ? EXIT.internal : code);
}

/** Requests running in Node's thread pool, which process.exit() waits for. */
function threadPoolBusy(): boolean {
  return process.getActiveResourcesInfo().some((r) => /^(FSReq|GetAddrInfo|GetNameInfo)/.test(r));
}

main().then(finish, (err: unknown) => finish(fail(err)));
