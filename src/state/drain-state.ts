import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { errorCode } from '../error-code.js';
import { cleanText } from '../text/sanitize.js';
import { DEMO_FLEET_KEY, drainedIn, emptyFleets, parseState, serializeState, withDrain, type DrainedFleets } from './drain-file.js';

/** Loaded when a drain is saved, not at start: `import … from 'node:crypto'` costs ~4 ms of every start. */
const randomSuffix = (): string => process.getBuiltinModule('node:crypto').randomBytes(6).toString('hex');

/** What the engine needs from drain persistence. */
export interface DrainPersistence {
  /** The backends of this fleet remembered as drained. */
  drainedNames(): string[];
  /** Remember a drain (at: epoch ms) or forget it. Never throws; a failure is a warning. */
  setDrained(name: string, drained: boolean, at: number): void;
}

export interface DrainState extends DrainPersistence {
  /** When a backend was drained (epoch ms), if it is. */
  drainedAt(name: string): number | undefined;
  /** The state file. */
  readonly file: string;
}

export interface DrainStateOptions {
  /** The directory holding `state.json`, e.g. from stateDirFrom(). Created when first written. */
  stateDir: string;
  /** The absolute config path, `demo` or `args`. */
  fleetKey: string;
  /** A one-line problem report (unreadable/corrupt file, failed write), each said once. */
  onWarning: (message: string) => void;
}

export const STATE_FILE = 'state.json';

/**
 * `$XDG_STATE_HOME/nexus-top`, XDG default `~/.local/state/nexus-top`.
 * A relative or empty `$XDG_STATE_HOME` is ignored, as the XDG spec says.
 */
export function stateDirFrom(env: Record<string, string | undefined>, home: string): string {
  const xdg = env['XDG_STATE_HOME'];
  const base = xdg && isAbsolute(xdg) ? xdg : join(home, '.local', 'state');
  return join(base, 'nexus-top');
}

/**
 * The key a fleet's drains are filed under: `demo` for the demo fleet, otherwise the absolute path of
 * its config file (`source` is the path as the user gave it, so it is resolved against `cwd`).
 */
export function fleetKeyOf(config: { source: string }, cwd: string): string {
  return config.source === DEMO_FLEET_KEY ? DEMO_FLEET_KEY : resolve(cwd, config.source);
}

const errorText = (err: unknown): string => cleanText(err instanceof Error ? err.message : String(err), 300);

/**
 * The drained backends of one fleet, remembered in `<stateDir>/state.json`. Synchronous I/O: the file is
 * tiny and written only when someone drains or undrains. The file is read once here and re-read before
 * each write, so entries another nexus-top wrote meanwhile (other fleets, other names) are kept; only
 * the one name that changed is applied. Two instances writing at the same instant can still lose one
 * change (no lock); the atomic rename means the file is never half-written.
 *
 * Names no longer in the config are kept, not pruned: a backend commented out for a while should come
 * back drained, and the shell cannot tell a removal from a typo. The cost is a few stale names in a
 * small file; undraining removes a name.
 */
export function createDrainState(options: DrainStateOptions): DrainState {
  const { stateDir, fleetKey, onWarning } = options;
  const file = join(stateDir, STATE_FILE);
  let readWarned = false;
  let writeFailing = false;

  const warn = (message: string): void => {
    try {
      onWarning(cleanText(message, 1000));
    } catch {
      // A broken warning sink must not break draining.
    }
  };
  const warnRead = (message: string): void => {
    if (readWarned) return;
    readWarned = true;
    warn(message);
  };

  /** The file's fleets; `writable` is false when it belongs to a newer nexus-top. */
  const load = (): { fleets: DrainedFleets; writable: boolean } => {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      if (errorCode(err) !== 'ENOENT') warnRead(`cannot read drain state ${file}: ${errorText(err)}; it is replaced on the next drain change`);
      return { fleets: emptyFleets(), writable: true };
    }
    const parsed = parseState(text);
    if (parsed.kind === 'corrupt') warnRead(`ignoring corrupt drain state ${file}: ${parsed.problem}; it is replaced on the next drain change`);
    if (parsed.kind === 'newer') warnRead(`ignoring drain state ${file}: ${parsed.problem}; drains are not remembered`);
    return { fleets: parsed.fleets, writable: parsed.kind !== 'newer' };
  };

  const write = (text: string): void => {
    mkdirSync(stateDir, { recursive: true, mode: 0o700 });
    // Same directory as the target, so the rename is atomic: readers see the old file or the new one.
    const tmp = join(stateDir, `.${STATE_FILE}.${process.pid}.${randomSuffix()}.tmp`);
    let fd: number | undefined;
    try {
      fd = openSync(tmp, 'wx', 0o600);
      writeSync(fd, text);
      fsyncSync(fd);
      closeSync(fd);
      fd = undefined;
      renameSync(tmp, file);
    } catch (err) {
      if (fd !== undefined) {
        try {
          closeSync(fd);
        } catch {
          // already reporting the first error
        }
      }
      try {
        unlinkSync(tmp);
      } catch {
        // never created, or already gone
      }
      throw err;
    }
  };

  let mine = new Map(drainedIn(load().fleets, fleetKey));

  return {
    file,
    drainedNames: () => [...mine.keys()],
    drainedAt: (name) => mine.get(name),
    setDrained(name, drained, at) {
      // Memory first: the drain holds for this run whatever happens to the file.
      if (drained && !mine.has(name)) mine.set(name, Number.isFinite(at) ? at : Date.now());
      if (!drained) mine.delete(name);
      try {
        const { fleets, writable } = load();
        if (!writable) return;
        const next = withDrain(fleets, fleetKey, name, drained, mine.get(name) ?? at);
        if (next === fleets) return;
        write(serializeState(next));
        writeFailing = false;
      } catch (err) {
        // Said once per run of failures, not on every keypress; a later success re-arms it.
        if (writeFailing) return;
        writeFailing = true;
        warn(`cannot save drain state to ${file}: ${errorText(err)}; the drain holds until nexus-top exits`);
      }
    },
  };
}
