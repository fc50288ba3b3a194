#!/usr/bin/env node
import { parseArgs, type CliOptions } from './cli/args.js';
import { runOnce } from './cli/once.js';
import { openDrainState, resolveConfig, type Resolved } from './cli/resolve-config.js';
import { UsageError } from './cli/usage-error.js';
import { ConfigError } from './config/index.js';
import { createEngine } from './engine.js';
import { systemClock } from './monitor/clock.js';
import { EXIT } from './output/exit-code.js';

process.setSourceMapsEnabled(true);

const say = (line: string): void => {
  process.stderr.write(`nexus-top: ${line}\n`);
};

let debug = process.argv.includes('--debug');
/** While the dashboard is mounted, a crash must restore the terminal before anything is printed. */
let onCrash: ((err: unknown) => void) | undefined;

function describeError(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return `internal error: ${message}${debug ? '' : ' (run with --debug for details)'}`;
}

function fail(err: unknown): number {
  if (err instanceof UsageError || err instanceof ConfigError) {
    say(err.message);
    return EXIT.usage;
  }
  say(describeError(err));
  if (debug && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
  return EXIT.internal;
}

/** The live dashboard. Ink is loaded only here, so --once never pays for it. */
async function dashboard(resolved: Resolved, options: CliOptions, version: string): Promise<number> {
  const [{ runDashboard }, { makeTheme, wantsColor, wantsUnicode }] = await Promise.all([import('./ui/run-dashboard.js'), import('./ui/theme.js')]);
  const warnings: string[] = [];
  const drainState = openDrainState(resolved.fleetKey, (m) => warnings.push(m));
  const engine = createEngine(resolved.config, systemClock, process.env, { drainState });
  const theme = makeTheme({ color: wantsColor(process.env, options.color, true), unicode: wantsUnicode(process.env) });
  const ui = runDashboard({
    engine,
    meta: { version, source: resolved.config.source },
    theme,
    clock: systemClock,
    ...(warnings[0] ? { notice: `warning: ${warnings[0]}` } : {}),
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
  let resolved: Resolved | undefined;
  try {
    resolved = await resolveConfig(options, process.env);
    if (resolved.notice) say(resolved.notice);
    const interactive = process.stdout.isTTY === true && process.stdin.isTTY === true;
    if (!options.once && interactive) return await dashboard(resolved, options, version);
    if (!options.once) say('stdout is not a terminal; probing once (as --once)');
    return await runOnce(resolved.config, systemClock, options.json, (text) => process.stdout.write(text), { fleetKey: resolved.fleetKey });
  } finally {
    await resolved?.demo?.close();
  }
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
