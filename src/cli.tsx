#!/usr/bin/env node
import { parseArgs } from './cli/args.js';
import { runOnce } from './cli/once.js';
import { resolveConfig, type Resolved } from './cli/resolve-config.js';
import { UsageError } from './cli/usage-error.js';
import { ConfigError } from './config/index.js';
import { systemClock } from './monitor/clock.js';
import { EXIT } from './output/exit-code.js';

process.setSourceMapsEnabled(true);

const say = (line: string): void => {
  process.stderr.write(`nexus-top: ${line}\n`);
};

let debug = process.argv.includes('--debug');

function fail(err: unknown): number {
  if (err instanceof UsageError || err instanceof ConfigError) {
    say(err.message);
    return EXIT.usage;
  }
  const message = err instanceof Error ? err.message : String(err);
  say(`internal error: ${message}${debug ? '' : ' (run with --debug for details)'}`);
  if (debug && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
  return EXIT.internal;
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
    let once = options.once;
    if (!once) {
      // The live dashboard needs a terminal; piped or redirected, behave as --once.
      say(process.stdout.isTTY ? 'the live dashboard is not built yet; probing once' : 'stdout is not a terminal; probing once (--once)');
      once = true;
    }
    return await runOnce(resolved.config, systemClock, options.json, (text) => process.stdout.write(text));
  } finally {
    await resolved?.demo?.close();
  }
}

process.on('unhandledRejection', (reason) => {
  process.exitCode = fail(reason);
});

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.exitCode = fail(err);
  },
);
