import { createEngine } from '../engine.js';
import type { Config } from '../config/types.js';
import type { Clock } from '../monitor/clock.js';
import { exitCodeFor } from '../output/exit-code.js';
import { fleetJson } from '../output/json.js';
import { onceText } from '../output/table.js';
import { fleetKeyOf, type DrainPersistence } from '../state/drain-state.js';
import { openDrainState, warnOnStderr } from './resolve-config.js';

export interface OnceOptions {
  /** The fleet's drain-state key (Resolved.fleetKey); by default derived from `config.source`. */
  fleetKey?: string;
  /** Remembered drains; by default the user's state file. `null`: none. */
  drainState?: DrainPersistence | null;
  /** Where a drain-state problem is said; by default one `nexus-top: warning:` line on stderr. */
  onWarning?: (message: string) => void;
}

/** Probe every backend once, concurrently, print the table or JSON; returns the exit code. */
export async function runOnce(
  config: Config,
  clock: Clock,
  json: boolean,
  write: (text: string) => void,
  options: OnceOptions = {},
): Promise<number> {
  const drainState =
    options.drainState === undefined
      ? openDrainState(options.fleetKey ?? fleetKeyOf(config, process.cwd()), options.onWarning ?? warnOnStderr)
      : options.drainState;
  const engine = createEngine(config, clock, process.env, drainState ? { drainState } : {});
  try {
    await engine.monitor.checkNow();
    engine.store.flush();
    const snapshot = engine.store.getSnapshot();
    write(json ? `${JSON.stringify(fleetJson(snapshot, clock.now()), null, 2)}\n` : onceText(snapshot));
    return exitCodeFor(snapshot);
  } finally {
    await engine.close();
  }
}
