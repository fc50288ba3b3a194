import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { resolve } from 'node:path';
import { loadConfig, locateConfig } from '../config/index.js';
import type { Config } from '../config/types.js';
import { startDemoFleet, type DemoFleet } from '../demo/fleet.js';
import { DEMO_FLEET_KEY } from '../state/drain-file.js';
import { createDrainState, stateDirFrom, type DrainState } from '../state/drain-state.js';
import type { CliOptions } from './args.js';

export interface Resolved {
  config: Config;
  demo?: DemoFleet;
  /** Where this fleet's drains are remembered: the config file's absolute path, or `demo`. */
  fleetKey: string;
  /** Said once on stderr before anything starts. */
  notice?: string;
}

function withOverrides(config: Config, options: CliOptions): Config {
  return {
    ...config,
    health: {
      ...config.health,
      ...(options.intervalMs !== undefined ? { intervalMs: options.intervalMs } : {}),
      ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
    },
  };
}

/** Find and load the config (a ConfigError propagates), or start the demo fleet when asked or when there is none. */
export async function resolveConfig(options: CliOptions, env: Record<string, string | undefined>): Promise<Resolved> {
  if (!options.demo) {
    const located = locateConfig({ flag: options.config, env, cwd: process.cwd(), home: homedir(), exists: existsSync });
    if (located) {
      const overrides = {
        ...(options.intervalMs !== undefined ? { intervalMs: options.intervalMs } : {}),
        ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
      };
      return { config: loadConfig(located.path, overrides), fleetKey: resolve(process.cwd(), located.path) };
    }
  }
  const demo = await startDemoFleet();
  const resolved: Resolved = { config: withOverrides(demo.config, options), demo, fleetKey: DEMO_FLEET_KEY };
  if (!options.demo) {
    resolved.notice =
      'no nexus.toml found (--config, $NEXUS_TOP_CONFIG, ./nexus.toml, ~/.config/nexus/nexus.toml); watching the built-in demo fleet';
  }
  return resolved;
}

/** The CLI's way of saying a drain-state problem: one line on stderr. */
export const warnOnStderr = (message: string): void => {
  process.stderr.write(`nexus-top: warning: ${message}\n`);
};

/**
 * The drains remembered for a fleet, in `$XDG_STATE_HOME/nexus-top/state.json` (~/.local/state/…).
 * Reads the file now; a problem with it goes to `onWarning` once (the CLI: warnOnStderr; the dashboard
 * can show it instead). Pass it to createEngine as `{ drainState }`.
 */
export function openDrainState(
  fleetKey: string,
  onWarning: (message: string) => void = warnOnStderr,
  env: Record<string, string | undefined> = process.env,
  home: string = homedir(),
): DrainState {
  return createDrainState({ stateDir: stateDirFrom(env, home), fleetKey, onWarning });
}
