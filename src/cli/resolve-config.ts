import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadConfig, locateConfig } from '../config/index.js';
import type { ConfigOverrides } from '../config/parse.js';
import { DEFAULT_HEALTH, DEFAULT_TOP, type BackendConfig, type Config } from '../config/types.js';
import { startDemoFleet, type DemoFleet } from '../demo/fleet.js';
import { DEMO_FLEET_KEY } from '../state/drain-file.js';
import { createDrainState, stateDirFrom, type DrainState } from '../state/drain-state.js';
import type { CliOptions } from './args.js';
import { COMMAND_LINE_SOURCE, configForTargets, mergeBackends, parseTargets, resolveTargets, shownArg } from './targets.js';

/** The home directory as os.homedir() finds it ($HOME first), loading node:os (~0.3 ms of a start) only without $HOME. */
const homedir = (): string => process.env['HOME'] || process.getBuiltinModule('node:os').homedir();

export interface Resolved {
  config: Config;
  demo?: DemoFleet;
  /** Where this fleet's drains are remembered: the config file's absolute path, or `demo`. */
  fleetKey: string;
  /** Said once on stderr before anything starts. */
  notice?: string;
  /** Said on stderr (or on the dashboard) before anything starts: URLs whose type could not be detected. */
  warnings: string[];
  /** The config came from a file: what it takes to read it again when it changes (src/cli/reload.ts). */
  reloadable?: { file: string; overrides: ConfigOverrides; extra: BackendConfig[] };
}

/** The flags that replace a config file's values (passed to the parser, so its checks apply to them too). */
export function configOverrides(options: CliOptions): ConfigOverrides {
  return {
    ...(options.intervalMs !== undefined ? { intervalMs: options.intervalMs } : {}),
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
    ...(options.loadIntervalMs !== undefined ? { loadIntervalMs: options.loadIntervalMs } : {}),
    ...(options.load ? {} : { load: false }),
    ...(options.generateIntervalMs !== undefined ? { generateIntervalMs: options.generateIntervalMs } : {}),
    ...(options.routerUrl !== undefined ? { routerUrl: options.routerUrl } : {}),
    ...(options.gpuIntervalMs !== undefined ? { gpuIntervalMs: options.gpuIntervalMs } : {}),
    ...(options.gpu ? {} : { gpu: false }),
  };
}

/** The same flags over a config that came from no file (URLs only, the demo fleet). */
function withOverrides(config: Config, options: CliOptions): Config {
  const o = configOverrides(options);
  return {
    ...config,
    health: {
      ...config.health,
      ...(o.intervalMs !== undefined ? { intervalMs: o.intervalMs } : {}),
      ...(o.timeoutMs !== undefined ? { timeoutMs: o.timeoutMs } : {}),
    },
    top: {
      ...config.top,
      ...(o.loadIntervalMs !== undefined ? { loadIntervalMs: o.loadIntervalMs } : {}),
      ...(o.load !== undefined ? { load: o.load } : {}),
      ...(o.generateIntervalMs !== undefined ? { generateIntervalMs: o.generateIntervalMs } : {}),
      ...(o.routerUrl !== undefined ? { routerUrl: o.routerUrl } : {}),
      ...(o.gpuIntervalMs !== undefined ? { gpuIntervalMs: o.gpuIntervalMs } : {}),
      ...(o.gpu !== undefined ? { gpu: o.gpu } : {}),
    },
  };
}

/**
 * Find and load the config (a ConfigError propagates), or start the demo fleet when asked or when there is none.
 * Backend URLs on the command line are watched instead of an implicit config (./nexus.toml…), or beside an
 * explicit one (--config, $NEXUS_TOP_CONFIG); their types are detected now, concurrently, within the timeout.
 */
export async function resolveConfig(options: CliOptions, env: Record<string, string | undefined>): Promise<Resolved> {
  const overrides = configOverrides(options);
  if (options.targets.length > 0) {
    const located = locateConfig({ flag: options.config, env, cwd: process.cwd(), home: homedir(), exists: existsSync });
    const file = located?.explicit ? loadConfig(located.path, overrides) : undefined;
    const targets = parseTargets(options.targets, { reservedNames: file?.backends.map((b) => b.name) ?? [] });
    // Detection waits for at most the probe timeout (5 s unless set), so a dead URL cannot hold the start for long.
    const timeoutMs = Math.min(file?.health.timeoutMs ?? options.timeoutMs ?? DEFAULT_HEALTH.timeoutMs, DEFAULT_HEALTH.timeoutMs);
    const resolved = await resolveTargets(targets, { timeoutMs, bodyLimitBytes: file?.top.bodyLimitBytes ?? DEFAULT_TOP.bodyLimitBytes });
    const backends = resolved.map((r) => r.backend);
    const config = file ? mergeBackends(file, backends) : withOverrides(configForTargets(backends), options);
    const warnings = resolved.flatMap((r, i) =>
      r.detection && !r.detection.detected ? [`${shownArg(targets[i]!.arg)}: type not detected (${r.detection.reason}); watched as generic (force one with TYPE=URL, e.g. ollama=URL)`] : [],
    );
    const fleetKey = file ? resolve(process.cwd(), located!.path) : `${COMMAND_LINE_SOURCE}:${backends.map((b) => b.name).sort().join(',')}`;
    return { config, fleetKey, warnings, ...(file ? { reloadable: { file: located!.path, overrides, extra: backends } } : {}) };
  }
  if (!options.demo) {
    const located = locateConfig({ flag: options.config, env, cwd: process.cwd(), home: homedir(), exists: existsSync });
    if (located) {
      return {
        config: loadConfig(located.path, overrides),
        fleetKey: resolve(process.cwd(), located.path),
        warnings: [],
        reloadable: { file: located.path, overrides, extra: [] },
      };
    }
  }
  const demo = await startDemoFleet();
  const resolved: Resolved = { config: withOverrides(demo.config, options), demo, fleetKey: DEMO_FLEET_KEY, warnings: [] };
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
