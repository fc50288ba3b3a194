import { createEngine } from '../engine.js';
import type { Config } from '../config/types.js';
import type { Clock } from '../monitor/clock.js';
import { exitCodeFor } from '../output/exit-code.js';
import { fleetJson } from '../output/json.js';
import { onceText } from '../output/table.js';

/** Probe every backend once, concurrently, print the table or JSON; returns the exit code. */
export async function runOnce(config: Config, clock: Clock, json: boolean, write: (text: string) => void): Promise<number> {
  const engine = createEngine(config, clock);
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
