import { diffFleets, isEmptyChange, type FleetChange } from '../config/diff.js';
import { ConfigError } from '../config/errors.js';
import { readConfigText } from '../config/load.js';
import { parseConfig, type ConfigOverrides } from '../config/parse.js';
import type { BackendConfig, Config } from '../config/types.js';
import { watchConfigFile } from '../config/watch.js';
import type { Engine } from '../engine.js';
import { mergeBackends } from './targets.js';

export interface ReloaderOptions {
  /** The config file as given (--config, $NEXUS_TOP_CONFIG, ./nexus.toml…). */
  file: string;
  overrides: ConfigOverrides;
  /** Backends from the command line, merged into every version of the file. */
  extra?: readonly BackendConfig[];
  engine: Engine;
  /** Watch the file (the default); SIGHUP can still ask through `reload()`. */
  watch?: boolean;
}

export interface Reloader {
  /** Re-read the file now; resolves with what was applied (null: nothing changed or the new file is bad). */
  reload(): FleetChange | null;
  close(): void;
}

/**
 * Keeps the engine on the config file's latest good version. A bad new version changes nothing: the old
 * config keeps running and the store says why (a banner on the dashboard, a `config_error` event), until
 * a good version clears it.
 */
export function createReloader(options: ReloaderOptions): Reloader {
  const { file, overrides, engine } = options;
  let current: Config = engine.config;
  let lastText: string | undefined;
  let lastProblem: string | null = null;

  const reload = (): FleetChange | null => {
    let next: Config;
    let text: string;
    try {
      text = readConfigText(file);
      // Editors touch a file without changing it; a save of the same text is no reload.
      if (text === lastText && lastProblem === null) return null;
      lastText = text;
      next = parseConfig(text, file, overrides);
      if (options.extra?.length) next = mergeBackends(next, options.extra);
    } catch (err) {
      const problem = err instanceof ConfigError ? err.message : `cannot reload ${file}: ${err instanceof Error ? err.message : String(err)}`;
      if (problem !== lastProblem) engine.store.setConfigProblem(problem);
      lastProblem = problem;
      return null;
    }
    if (lastProblem !== null) engine.store.setConfigProblem(null);
    lastProblem = null;
    const change = diffFleets(current, next);
    if (isEmptyChange(change)) return null;
    engine.reload(next, change);
    current = next;
    return change;
  };

  try {
    lastText = readConfigText(file);
  } catch {
    // Read again at the first change.
  }
  const watcher = options.watch === false ? undefined : watchConfigFile(file, () => void reload());
  return {
    reload,
    close: () => watcher?.close(),
  };
}
