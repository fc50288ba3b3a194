import * as z from 'zod/mini';
import { cleanText } from '../text/sanitize.js';

/**
 * The drain state file, pure: parse/validate, update, serialize. No I/O here (see drain-state.ts).
 *
 * On disk (`$XDG_STATE_HOME/nexus-top/state.json`):
 *
 *   {
 *     "version": 1,
 *     "fleets": {
 *       "/etc/nexus/nexus.toml": { "drained": { "gpu-2": "2026-11-24T10:00:00.000Z" } },
 *       "demo": { "drained": { "ollama-gone": "2026-11-24T09:12:00.000Z" } }
 *     }
 *   }
 *
 * A fleet key is the absolute path of the config file, `demo` for the demo fleet or `args` for URLs
 * given on the command line; under it each drained backend name maps to when it was drained (ISO-8601).
 * An undrained backend has no entry, and a fleet with nothing drained is left out.
 * Unknown fields are tolerated on read and not written back; a change that older readers must not
 * misread bumps `version`, and a file with a newer version is neither read nor overwritten.
 */

export const STATE_VERSION = 1;

/** Special fleet keys; any other key is the absolute path of a config file. */
export const DEMO_FLEET_KEY = 'demo';
export const ARGS_FLEET_KEY = 'args';

/** Fleet key → backend name → when it was drained (epoch ms). Maps, so no name can touch a prototype. */
export type DrainedFleets = ReadonlyMap<string, ReadonlyMap<string, number>>;

export type ParsedState =
  | { kind: 'ok'; fleets: DrainedFleets }
  /** Not JSON or not our shape: treated as empty and replaced on the next write. */
  | { kind: 'corrupt'; fleets: DrainedFleets; problem: string }
  /** Written by a newer nexus-top: treated as empty and left alone. */
  | { kind: 'newer'; fleets: DrainedFleets; problem: string };

function buildSchemas() {
  const fleetSchema = z.object({
    drained: z.record(z.string().check(z.minLength(1)), z.iso.datetime({ offset: true, error: 'expected an ISO 8601 datetime' })),
  });
  return {
    file: z.object({
      version: z.literal(STATE_VERSION),
      fleets: z.record(z.string().check(z.minLength(1)), fleetSchema),
    }),
    version: z.object({ version: z.int() }),
  };
}
/** Built when a state file is first read (~0.5 ms of zod at start; most runs find no file). */
let schemas: ReturnType<typeof buildSchemas> | undefined;

/** One line, no control characters, bounded: problems end up in a terminal warning. */
const oneLine = (text: string): string => cleanText(text, 200);

export function emptyFleets(): DrainedFleets {
  return new Map();
}

export function parseState(text: string): ParsedState {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    return { kind: 'corrupt', fleets: emptyFleets(), problem: `not valid JSON (${oneLine(err instanceof Error ? err.message : String(err))})` };
  }
  schemas ??= buildSchemas();
  const version = schemas.version.safeParse(raw);
  if (version.success && version.data.version > STATE_VERSION) {
    return {
      kind: 'newer',
      fleets: emptyFleets(),
      problem: `format version ${version.data.version} is newer than this nexus-top understands (${STATE_VERSION})`,
    };
  }
  const parsed = schemas.file.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? ` at ${issue.path.map(String).join('.')}` : '';
    return { kind: 'corrupt', fleets: emptyFleets(), problem: oneLine(`unexpected content${where}: ${issue?.message ?? 'invalid'}`) };
  }
  const fleets = new Map<string, Map<string, number>>();
  for (const [key, fleet] of Object.entries(parsed.data.fleets)) {
    const names = new Map<string, number>();
    for (const [name, iso] of Object.entries(fleet.drained)) names.set(name, Date.parse(iso));
    if (names.size > 0) fleets.set(key, names);
  }
  return { kind: 'ok', fleets };
}

/** The backends drained in one fleet, name → when (epoch ms). */
export function drainedIn(fleets: DrainedFleets, fleetKey: string): ReadonlyMap<string, number> {
  return fleets.get(fleetKey) ?? new Map<string, number>();
}

/**
 * `fleets` with one backend drained (at `at`, epoch ms) or undrained. Returns the same object when
 * nothing changes: draining a drained backend keeps the time it was first drained.
 * Other fleets and other names are untouched.
 */
export function withDrain(fleets: DrainedFleets, fleetKey: string, name: string, drained: boolean, at: number): DrainedFleets {
  const current = fleets.get(fleetKey);
  if (drained === (current?.has(name) ?? false)) return fleets;
  if (drained && !Number.isFinite(at)) throw new RangeError(`drain time is not a finite number: ${at}`);
  const names = new Map(current ?? []);
  if (drained) names.set(name, at);
  else names.delete(name);
  const next = new Map(fleets);
  if (names.size > 0) next.set(fleetKey, names);
  else next.delete(fleetKey);
  return next;
}

/** The file's text: stable (keys sorted), pretty, newline-terminated. */
export function serializeState(fleets: DrainedFleets): string {
  const byKey = <T>(a: [string, T], b: [string, T]): number => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);
  const out = {
    version: STATE_VERSION,
    // Object.fromEntries defines own properties, so a name such as `__proto__` is written as data.
    fleets: Object.fromEntries(
      [...fleets]
        .filter(([, names]) => names.size > 0)
        .sort(byKey)
        .map(([key, names]) => [
          key,
          { drained: Object.fromEntries([...names].sort(byKey).map(([name, at]) => [name, new Date(at).toISOString()])) },
        ]),
    ),
  };
  return `${JSON.stringify(out, null, 2)}\n`;
}
