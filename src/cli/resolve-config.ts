import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { loadConfig, locateConfig } from '../config/index.js';
import type { Config } from '../config/types.js';
import { startDemoFleet, type DemoFleet } from '../demo/fleet.js';
import type { CliOptions } from './args.js';

export interface Resolved {
  config: Config;
  demo?: DemoFleet;
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
      return { config: loadConfig(located.path, overrides) };
    }
  }
  const demo = await startDemoFleet();
  const resolved: Resolved = { config: withOverrides(demo.config, options), demo };
  if (!options.demo) {
    resolved.notice =
      'no nexus.toml found (--config, $NEXUS_TOP_CONFIG, ./nexus.toml, ~/.config/nexus/nexus.toml); watching the built-in demo fleet';
  }
  return resolved;
}
