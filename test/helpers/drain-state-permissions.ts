import { chmodSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createDrainState } from '../../src/state/drain-state.js';

/**
 * Drain state where the file system says no: each scenario sets itself up under `root` (a directory it
 * may write), acts, and returns what a test asserts. They are run in the test process, or as user
 * nobody in a child process when the tests run as root (root is never told "permission denied"): see
 * src/state/drain-state.test.ts.
 */
const T1 = Date.parse('2026-11-24T10:00:00.000Z');

function setUp(root: string) {
  const dir = join(root, 'state', 'nexus-top');
  const file = join(dir, 'state.json');
  const warnings: string[] = [];
  const open = () => createDrainState({ stateDir: dir, fleetKey: '/etc/nexus/nexus.toml', onWarning: (m) => warnings.push(m) });
  return { dir, file, warnings, open };
}

export const scenarios = {
  /** A state file it may not read: reported once, then replaced by the next drain. */
  unreadableFile(root: string) {
    const { dir, file, warnings, open } = setUp(root);
    mkdirSync(dir, { recursive: true });
    writeFileSync(file, '{"version":1,"fleets":{}}');
    chmodSync(file, 0o000);
    const s = open();
    const warningsAtOpen = [...warnings];
    s.setDrained('a', true, T1);
    return { warningsAtOpen, warnings, onDisk: JSON.parse(readFileSync(file, 'utf8')) as unknown };
  },

  /** A state directory it may not write: one warning, no temp file, drains held in memory. */
  readOnlyDirectory(root: string) {
    const { dir, warnings, open } = setUp(root);
    mkdirSync(dir, { recursive: true });
    chmodSync(dir, 0o500);
    const s = open();
    const warningsAtOpen = [...warnings];
    s.setDrained('a', true, T1);
    s.setDrained('b', true, T1);
    const inDirectory = readdirSync(dir);
    chmodSync(dir, 0o700);
    return { warningsAtOpen, warnings, inDirectory, drained: s.drainedNames() };
  },
};

export type Scenario = keyof typeof scenarios;
export type Outcome<S extends Scenario> = ReturnType<(typeof scenarios)[S]>;
