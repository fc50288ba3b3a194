import { detectType, type DetectOptions, type DetectResult } from '../probe/detect.js';
import { DEFAULT_BACKEND } from '../config/parse.js';
import { configSchema, MAX_NAME_LENGTH } from '../config/schema.js';
import { BACKEND_TYPES, DEFAULT_HEALTH, DEFAULT_TOP, type BackendConfig, type BackendType, type Config } from '../config/types.js';
import { displayUrl } from '../text/redact.js';
import { cleanText } from '../text/sanitize.js';
import { UsageError } from './usage-error.js';

/*
 * Backends named on the command line: `nexus-top http://gpu1:11434 vllm=gpu2:8000 big@ollama=http://gpu3:11434`.
 *
 *   TARGET  := [NAME "@"] [TYPE "="] ADDRESS
 *   ADDRESS := http://… | https://… | HOST[:PORT][/PATH]        (no scheme: http:// is assumed)
 *
 * - TYPE is one of the config's types (BACKEND_TYPES, any case). Without it the type is detected
 *   (resolveTargets → detectType).
 * - NAME is the backend's name. Without it the name is the address's HOST:PORT (HOST alone when the
 *   URL has no port), made unique with -2, -3… against every other name (given names and the config's).
 * - The order is fixed: the name first, then the type (`gpu1@ollama=…`); `ollama=gpu1@…` is refused with a hint.
 *
 * `@` also separates credentials in a URL (`http://user:pass@host`), so `NAME@` is recognised only
 * when the text before the first `@` has no `:`, `/` or `=`, AND what follows it starts with a scheme
 * (`http://`) or `TYPE=`. Hence:
 *   gpu1@http://h:8000        name gpu1
 *   gpu1@vllm=h:8000          name gpu1, type vllm
 *   http://u:p@h:8000         credentials u:p, nothing else
 *   u:p@h:8000                credentials (no scheme: http://u:p@h:8000)
 *   gpu1@h:8000               refused: ambiguous (a name? a user name without password?); the message shows both spellings
 * `=` is only a TYPE separator when the text before the first `=` is a plain word (`http://h/?a=b` is a URL).
 * A bare number (`8000`) is refused: as a host it would silently be the IPv4 address 0.0.31.64.
 */

export interface Target {
  /** The argument as typed (may hold a password: show it with shownArg). */
  arg: string;
  name: string;
  /** NAME@ was given (false: derived from the address). */
  nameGiven: boolean;
  /** Absolute http(s) URL; may carry credentials like a config's `url` (never display it: use displayUrl). */
  url: string;
  /** TYPE= was given; undefined: to be detected. */
  type?: BackendType;
}

/** One argument, parsed; `name` is undefined when none was given. */
export interface TargetSpec {
  arg: string;
  name?: string;
  type?: BackendType;
  url: string;
}

const WORD = /^[A-Za-z][A-Za-z0-9_-]*$/;
const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//;
const TYPES = new Map<string, BackendType>(BACKEND_TYPES.map((t) => [t, t]));
const TYPE_LIST = BACKEND_TYPES.join(', ');

/** An argument fit for a message: credentials masked, no control characters, bounded. */
export function shownArg(arg: string): string {
  const masked = arg.replace(/([^\s/@:]*):([^\s/@]*)@/g, (_m, user: string) => `${user}:***@`);
  return JSON.stringify(cleanText(masked, 120));
}

function typeOf(word: string, arg: string): BackendType {
  const type = TYPES.get(word.toLowerCase());
  if (!type) {
    throw new UsageError(
      `${shownArg(arg)}: unknown backend type ${JSON.stringify(cleanText(word, 40))} (types: ${TYPE_LIST}; to name a backend write NAME@URL)`,
    );
  }
  return type;
}

/** The address as an absolute URL, or a UsageError saying what is wrong with it. */
function addressUrl(address: string, arg: string): string {
  const where = shownArg(arg);
  if (address === '') throw new UsageError(`${where}: no address (expected http://HOST:PORT or HOST:PORT)`);
  if (/\s/.test(address)) throw new UsageError(`${where}: an address cannot contain spaces`);
  if (SCHEME.test(address)) {
    if (!/^https?:\/\//i.test(address)) throw new UsageError(`${where}: only http:// and https:// addresses can be watched`);
    return address;
  }
  if (address.includes('://')) {
    throw new UsageError(`${where}: not an address (a scheme in the middle; a name before @ cannot contain ':' or '/')`);
  }
  const authority = address.split(/[/?#]/, 1)[0]!;
  const hostPort = authority.slice(authority.lastIndexOf('@') + 1);
  if (/^\d+$/.test(hostPort) || /^:\d*$/.test(hostPort)) {
    throw new UsageError(`${where}: a port alone is not an address (write HOST:PORT, e.g. localhost:${hostPort.replace(':', '') || '8000'})`);
  }
  // HOST, HOST:PORT or [IPv6]:PORT; anything else after a colon is a scheme typed wrong (`http:/h`) or a missing port (`h:`).
  if (!/^(\[[^\]]*\]|[^:[\]]*)(:\d+)?$/.test(hostPort)) {
    throw new UsageError(`${where}: not an address (expected http://HOST:PORT or HOST:PORT)`);
  }
  const userinfo = authority.includes('@') ? authority.slice(0, authority.lastIndexOf('@')) : '';
  if (userinfo !== '' && !userinfo.includes(':')) {
    const u = cleanText(userinfo, 40);
    const rest = cleanText(address.slice(address.indexOf('@') + 1), 80);
    throw new UsageError(`${where}: ambiguous: for a backend named ${u} write ${u}@http://${rest}; for a user name write http://${u}@${rest}`);
  }
  return `http://${address}`;
}

/** Parse one positional argument (no name derivation, no duplicate check). Throws UsageError. */
export function parseTarget(input: string): TargetSpec {
  const arg = input.trim();
  if (arg === '') throw new UsageError('an empty argument is not a backend address');
  let rest = arg;
  let name: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    const before = rest.slice(0, at);
    const after = rest.slice(at + 1);
    const eq = after.indexOf('=');
    const typeNext = eq > 0 && WORD.test(after.slice(0, eq));
    if (!/[:/=]/.test(before) && (SCHEME.test(after) || typeNext)) {
      if (before.trim() === '') throw new UsageError(`${shownArg(arg)}: the name before @ is empty`);
      name = before;
      rest = after;
    }
  }
  let type: BackendType | undefined;
  const eq = rest.indexOf('=');
  if (eq > 0 && WORD.test(rest.slice(0, eq))) {
    type = typeOf(rest.slice(0, eq), arg);
    rest = rest.slice(eq + 1);
    const misplaced = /^([^:/=@]+)@(?=[A-Za-z][A-Za-z0-9+.-]*:\/\/)/.exec(rest);
    if (misplaced && name === undefined) {
      const n = cleanText(misplaced[1]!, 40);
      throw new UsageError(`${shownArg(arg)}: put the name first: ${n}@${type}=${cleanText(rest.slice(misplaced[0].length), 80)}`);
    }
  } else if (eq === 0) {
    throw new UsageError(`${shownArg(arg)}: no type before = (types: ${TYPE_LIST})`);
  }
  const url = addressUrl(rest, arg);
  // The config's own rules for a name and a URL, so a command-line backend is as valid as a file's.
  const checked = configSchema.safeParse({ backends: [{ name: name ?? 'x', url }] });
  if (!checked.success) {
    const issue = checked.error.issues[0]!;
    const field = issue.path[issue.path.length - 1] === 'name' ? 'the name' : 'the URL';
    throw new UsageError(`${shownArg(arg)}: ${field} ${issue.message}`);
  }
  return { arg, ...(name !== undefined ? { name } : {}), ...(type !== undefined ? { type } : {}), url };
}

/** `gpu1:11434` from `http://gpu1:11434/x`: the URL's host and port (no credentials, no path). */
export function defaultName(url: string): string {
  let host: string;
  try {
    host = new URL(url).host;
  } catch {
    host = 'backend';
  }
  const name = cleanText(host, MAX_NAME_LENGTH - 8).replace(/[^A-Za-z0-9._:[\]-]/g, '-');
  return name === '' ? 'backend' : name;
}

/**
 * Parse every positional argument. Names not given are derived and made unique (`-2`, `-3`) against
 * the given ones and `reservedNames` (the config file's, when the two are merged). Two given names
 * alike are a UsageError.
 */
export function parseTargets(args: readonly string[], options: { reservedNames?: Iterable<string> } = {}): Target[] {
  const specs = args.map(parseTarget);
  const given = new Map<string, number>();
  specs.forEach((s, i) => {
    if (s.name === undefined) return;
    const first = given.get(s.name);
    if (first !== undefined) {
      throw new UsageError(`duplicate backend name ${JSON.stringify(s.name)} (arguments ${first + 1} and ${i + 1})`);
    }
    given.set(s.name, i);
  });
  const taken = new Set<string>([...given.keys(), ...(options.reservedNames ?? [])]);
  return specs.map((s) => {
    let name = s.name;
    const nameGiven = name !== undefined;
    if (name === undefined) {
      const base = defaultName(s.url);
      name = base;
      for (let n = 2; taken.has(name); n++) name = `${base}-${n}`;
      taken.add(name);
    }
    return { arg: s.arg, name, nameGiven, url: s.url, ...(s.type !== undefined ? { type: s.type } : {}) };
  });
}

/** A target as a config backend (the defaults of a `[[backends]]` table: priority 50, TLS verified). */
export function targetBackend(target: Target, type: BackendType = target.type ?? DEFAULT_BACKEND.type): BackendConfig {
  return { name: target.name, url: target.url, type, priority: DEFAULT_BACKEND.priority, tlsVerify: DEFAULT_BACKEND.tlsVerify };
}

export interface ResolvedTarget {
  backend: BackendConfig;
  /** Present when the type was detected (TYPE= not given). */
  detection?: DetectResult;
}

/**
 * Config backends for the targets, detecting (concurrently) the type of those without TYPE=.
 * A target detection cannot place becomes `generic`; its `detection.detected` is false and says why.
 */
export async function resolveTargets(
  targets: readonly Target[],
  options: DetectOptions & { detect?: (url: string, options: DetectOptions) => Promise<DetectResult> } = {},
): Promise<ResolvedTarget[]> {
  const { detect = detectType, ...detectOptions } = options;
  return Promise.all(
    targets.map(async (target): Promise<ResolvedTarget> => {
      if (target.type !== undefined) return { backend: targetBackend(target) };
      const detection = await detect(target.url, detectOptions);
      return { backend: targetBackend(target, detection.type), detection };
    }),
  );
}

/** The label a fleet given only on the command line goes by (`config.source`). */
export const COMMAND_LINE_SOURCE = 'command line';

/** A config for backends given only on the command line: every setting at its default. */
export function configForTargets(backends: BackendConfig[], source = COMMAND_LINE_SOURCE): Config {
  if (backends.length === 0) throw new UsageError('no backend given');
  return { source, health: { ...DEFAULT_HEALTH }, top: { ...DEFAULT_TOP }, backends: [...backends] };
}

/** The config file's backends, then the command line's. A name in both is a UsageError. */
export function mergeBackends(config: Config, extra: readonly BackendConfig[]): Config {
  const names = new Set(config.backends.map((b) => b.name));
  for (const b of extra) {
    if (names.has(b.name)) {
      throw new UsageError(
        `backend name ${JSON.stringify(b.name)} on the command line (${displayUrl(b.url)}) is already used in ${config.source}; name it NAME@URL`,
      );
    }
    names.add(b.name);
  }
  return { ...config, backends: [...config.backends, ...extra] };
}
