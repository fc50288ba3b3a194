import { createEngine, type Engine } from '../engine.js';
import type { Config } from '../config/types.js';
import type { Clock } from '../core/clock.js';
import { checkResult } from '../output/check.js';
import { exitCodeFor } from '../output/exit-code.js';
import { fleetJson } from '../output/json.js';
import { fleetKeyOf, type DrainPersistence } from '../state/drain-state.js';
import type { FleetSnapshot } from '../store/types.js';
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
  const engine = createEngine(config, clock, process.env, { ...(drainState ? { drainState } : {}), connections: 'single' });
  return probeOnce(engine, clock, json, write);
}

/** Probe every backend of an engine once, then close the engine: the fleet as it then stands. */
async function probeAll(engine: Engine, gpus: boolean): Promise<FleetSnapshot> {
  try {
    // The GPUs beside the probes, not after them: the tool's deadline is the probes' timeout.
    await Promise.all([engine.monitor.checkNow(), gpus ? engine.readGpuOnce?.() : undefined]);
    engine.store.flush();
    return engine.store.getSnapshot();
  } finally {
    await engine.close();
  }
}

/** Probe every backend of an engine once, close the engine, print; returns the exit code. */
export async function probeOnce(engine: Engine, clock: Clock, json: boolean, write: (text: string) => void): Promise<number> {
  return printState(await probeAll(engine, true), clock.now(), json, write);
}

/**
 * The table or the JSON document for a snapshot (`checked_at` = checkedAt); returns the exit code.
 * The table's text measuring (string-width: Intl.Segmenter, Unicode tables) costs ~30 ms to load,
 * so `--json` never loads it.
 */
export async function printState(snapshot: FleetSnapshot, checkedAt: number, json: boolean, write: (text: string) => void): Promise<number> {
  if (json) write(`${JSON.stringify(fleetJson(snapshot, checkedAt), null, 2)}\n`);
  else write((await import('../output/table.js')).onceText(snapshot));
  return exitCodeFor(snapshot);
}

/** --check: probe every backend once, print one monitoring-plugins line; returns its exit code. */
export async function probeCheck(engine: Engine, write: (text: string) => void): Promise<number> {
  // The --check line says nothing of GPUs: a tool that hangs must not hold it up to the deadline.
  return printCheck(await probeAll(engine, false), engine.config.health.timeoutMs, write);
}

/** The --check line for a snapshot (latency perfdata bounded by `timeoutMs`); returns its exit code. */
export function printCheck(snapshot: FleetSnapshot, timeoutMs: number, write: (text: string) => void): number {
  const { line, code } = checkResult(snapshot, { timeoutMs });
  write(`${line}\n`);
  return code;
}
