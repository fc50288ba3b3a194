import { isAbsolute, join } from 'node:path';

export interface LocateOptions {
  /** `--config FILE`, if given. */
  flag?: string;
  env: Record<string, string | undefined>;
  cwd: string;
  home: string;
  exists: (path: string) => boolean;
}

export interface LocatedConfig {
  path: string;
  /** Named by the user (flag or $NEXUS_TOP_CONFIG): a missing file is then an error, not a reason to run the demo. */
  explicit: boolean;
}

export const CONFIG_ENV = 'NEXUS_TOP_CONFIG';

/**
 * Where the config is:
 * 1. `--config FILE`, 2. `$NEXUS_TOP_CONFIG` (both explicit: returned even if missing),
 * 3. `./nexus.toml`, 4. `$XDG_CONFIG_HOME/nexus/nexus.toml` (XDG default `~/.config`).
 * Null when none of the implicit places has a file: the CLI then runs the demo fleet.
 * An empty `$NEXUS_TOP_CONFIG` counts as unset, as usual for environment variables.
 */
export function locateConfig(opts: LocateOptions): LocatedConfig | null {
  if (opts.flag !== undefined) return { path: opts.flag, explicit: true };
  const fromEnv = opts.env[CONFIG_ENV];
  if (fromEnv) return { path: fromEnv, explicit: true };
  for (const path of implicitConfigPaths(opts)) {
    if (opts.exists(path)) return { path, explicit: false };
  }
  return null;
}

/**
 * The implicit places searched, in order, for a helpful "no config found" message.
 * A relative `$XDG_CONFIG_HOME` is ignored, as the XDG spec says; when it is set,
 * `~/.config` is not searched (it is only its default).
 */
export function implicitConfigPaths(opts: Pick<LocateOptions, 'env' | 'cwd' | 'home'>): string[] {
  const xdg = opts.env['XDG_CONFIG_HOME'];
  const configHome = xdg && isAbsolute(xdg) ? xdg : join(opts.home, '.config');
  return [join(opts.cwd, 'nexus.toml'), join(configHome, 'nexus', 'nexus.toml')];
}
