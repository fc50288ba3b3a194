#!/usr/bin/env node
import { parseArgs, type CliOptions } from './cli/args.js';
import { runEvents } from './cli/events.js';
import { printState, probeOnce } from './cli/once.js';
import { openDrainState, resolveConfig, warnOnStderr, type Resolved } from './cli/resolve-config.js';
import { UsageError } from './cli/usage-error.js';
import { ConfigError } from './config/index.js';
import { createEngine, type Engine } from './engine.js';
import { systemClock, type Clock } from './monitor/clock.js';
import { EXIT } from './output/exit-code.js';
import { createRecorder, openRecordFile, RecordingError, withRecorder } from './record/recorder.js';
import { createReplayEngine, openRecording, type ReplayEngine } from './record/replay.js';

process.setSourceMapsEnabled(true);

const say = (line: string): void => {
  process.stderr.write(`nexus-top: ${line}\n`);
};
const writeOut = (text: string): void => void process.stdout.write(text);

let debug = process.argv.includes('--debug');
/** While the dashboard is mounted, a crash must restore the terminal before anything is printed. */
let onCrash: ((err: unknown) => void) | undefined;

function describeError(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return `internal error: ${message}${debug ? '' : ' (run with --debug for details)'}`;
}

function fail(err: unknown): number {
  if (err instanceof UsageError || err instanceof ConfigError || err instanceof RecordingError) {
    say(err.message);
    return EXIT.usage;
  }
  say(describeError(err));
  if (debug && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
  return EXIT.internal;
}

type Mode = 'dashboard' | 'once' | 'events';

/** --events wins; then the dashboard on a terminal unless --once; otherwise once. */
function modeOf(options: CliOptions): Mode {
  if (options.events) return 'events';
  const interactive = process.stdout.isTTY === true && process.stdin.isTTY === true;
  return !options.once && interactive ? 'dashboard' : 'once';
}

/** The live dashboard over any engine (live or replayed). Ink is loaded only here, so --once never pays for it. */
async function dashboard(engine: Engine, clock: Clock, options: CliOptions, version: string, notice?: string): Promise<number> {
  const [{ runDashboard }, { makeTheme, wantsColor, wantsUnicode }] = await Promise.all([import('./ui/run-dashboard.js'), import('./ui/theme.js')]);
  const theme = makeTheme({ color: wantsColor(process.env, options.color, true), unicode: wantsUnicode(process.env) });
  const ui = runDashboard({
    engine,
    meta: { version, source: engine.config.source },
    theme,
    clock,
    ...(notice ? { notice } : {}),
  });
  // Every way out goes through one idempotent shutdown that restores the terminal first.
  const quit = (): void => void ui.shutdown(EXIT.ok);
  process.on('SIGINT', quit);
  process.on('SIGTERM', quit);
  process.on('SIGHUP', quit);
  const crash = (err: unknown): void => {
    void ui.shutdown(EXIT.internal, describeError(err)).then(() => {
      if (debug && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
    });
  };
  onCrash = crash;
  return ui.exited;
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
    const drainState = openDrainState(resolved.fleetKey, mode === 'dashboard' ? (m) => warnings.push(m) : warnOnStderr);
    let engine = createEngine(resolved.config, systemClock, process.env, { drainState });
    if (recordFd !== undefined) {
      const recorder = createRecorder(recordFd, options.record!, engine.store, resolved.config, {
        version,
        now: Date.now,
        onError: (m) => (mode === 'dashboard' ? later.push(m) : say(m)),
      });
      engine = withRecorder(engine, recorder);
    }
    try {
      switch (mode) {
        case 'events':
          return await runEvents(engine, { out: process.stdout, signals: process, say });
        case 'once':
          return await probeOnce(engine, systemClock, options.json, writeOut);
        case 'dashboard':
          return await dashboard(engine, systemClock, options, version, warnings[0] ? `warning: ${warnings[0]}` : undefined);
        default:
          throw new Error(`unknown mode ${String(mode satisfies never)}`);
      }
    } finally {
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
  const recording = await openRecording(file);
  const mode = modeOf(options);
  if (mode === 'once' && !options.once) say('stdout is not a terminal; replaying to the end (as --once)');
  const engine = createReplayEngine(recording, { speed: mode === 'once' ? 'max' : (options.speed ?? 1) });
  let code: number;
  try {
    switch (mode) {
      case 'events':
        code = await runEvents(engine, { out: process.stdout, signals: process, say, until: engine.done });
        break;
      case 'once':
        engine.monitor.start();
        await engine.done;
        // checked_at is the time in the recording when it ends.
        code = printState(engine.store.getSnapshot(), engine.clock.now(), options.json, writeOut);
        break;
      case 'dashboard':
        code = await dashboard(engine, engine.clock, options, version);
        break;
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

const crashed = (err: unknown): void => {
  if (onCrash) return onCrash(err);
  // Headless: nothing to restore; say it in one line and stop.
  process.exit(fail(err));
};
process.on('unhandledRejection', crashed);
process.on('uncaughtException', crashed);

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.exitCode = fail(err);
  },
);
