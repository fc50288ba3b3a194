/**
 * `[top.checks]`: a TCP connect or a command per backend, keyed by backend name, instead of the HTTP probe
 * or (`also = true`) beside it. Pure: whether a program exists is asked of `programProblem`.
 */
import { displayUrl } from '../text/redact.js';
import { cleanText } from '../text/sanitize.js';
import { closestKey } from './closest-key.js';
import type { KeyPath } from './key-lines.js';
import { hasPlaceholder, hostPort, placeholderProblem } from './placeholders.js';
import type { BackendCheck, BackendConfig } from './types.js';

export const CHECK_KINDS = ['http', 'tcp', 'command'] as const;
const CHECK_KEYS = ['check', 'command', 'also'] as const;

/** A problem at a key of the config, for a ConfigError that names its line. */
export interface CheckIssue {
  path: KeyPath;
  message: string;
}

export interface ChecksInput {
  /** The value of `top.checks` as TOML gave it. */
  raw: unknown;
  /** The configured backends' names. */
  backends: readonly string[];
  /** Where commands run, and a relative program is found from. */
  cwd: string;
  /** Why `program` cannot be run from `cwd`, or undefined when it can. */
  programProblem: (program: string, cwd: string) => string | undefined;
}

export type ChecksResult = { ok: true; checks: Map<string, BackendCheck> } | { ok: false; issue: CheckIssue };

const isTable = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);
const shown = (s: string): string => JSON.stringify(s.length > 40 ? `${s.slice(0, 39)}…` : s);

function kindOf(v: unknown): string {
  if (typeof v === 'string') return `string ${shown(v)}`;
  if (typeof v === 'number' || typeof v === 'bigint') return `number ${String(v)}`;
  if (typeof v === 'boolean') return `boolean ${v}`;
  if (Array.isArray(v)) return 'an array';
  if (v instanceof Date) return 'a date';
  return isTable(v) ? 'a table' : typeof v;
}

/** The checks of `[top.checks]` by backend name, or the first problem (in the table's order). */
export function parseChecks(input: ChecksInput): ChecksResult {
  const { raw, cwd } = input;
  const base = ['top', 'checks'] as const;
  const fail = (path: KeyPath, message: string): ChecksResult => ({ ok: false, issue: { path, message } });
  if (!isTable(raw)) return fail(base, `expected a table of checks by backend name, got ${kindOf(raw)}`);
  const names = new Set(input.backends);
  const checks = new Map<string, BackendCheck>();
  for (const [name, entry] of Object.entries(raw)) {
    const at = [...base, name];
    if (!names.has(name)) return fail(at, `no backend is named ${shown(name)} (the keys of [top.checks] are backend names)`);
    if (!isTable(entry)) return fail(at, `expected a table (check = "tcp" or check = "command"), got ${kindOf(entry)}`);
    for (const key of Object.keys(entry)) {
      if (!(CHECK_KEYS as readonly string[]).includes(key)) {
        const near = closestKey(key, CHECK_KEYS);
        return fail([...at, key], `unknown key${near ? `; did you mean ${near}?` : ` (a check takes ${CHECK_KEYS.join(', ')})`}`);
      }
    }
    const { check, command, also } = entry;
    if (check === undefined) return fail(at, 'missing: check = "tcp" or check = "command"');
    if (typeof check !== 'string' || !(CHECK_KINDS as readonly string[]).includes(check)) {
      return fail([...at, 'check'], `must be one of ${CHECK_KINDS.map((k) => `"${k}"`).join(', ')} (got ${kindOf(check)})`);
    }
    if (also !== undefined && typeof also !== 'boolean') return fail([...at, 'also'], `expected true or false, got ${kindOf(also)}`);
    if (command !== undefined && check !== 'command') return fail([...at, 'command'], `is only used with check = "command" (this check is "${check}")`);
    if (check === 'http') {
      if (also === true) return fail([...at, 'also'], 'also = true runs a tcp or command check beside the HTTP probe: set check = "tcp" or "command"');
      continue;
    }
    if (check === 'tcp') {
      checks.set(name, { kind: 'tcp', also: also === true });
      continue;
    }
    const argv = commandArgv(command, [...at, 'command'], cwd, input.programProblem);
    if ('path' in argv) return { ok: false, issue: argv };
    checks.set(name, { kind: 'command', also: also === true, argv: argv.argv, cwd });
  }
  return { ok: true, checks };
}

function commandArgv(command: unknown, at: KeyPath, cwd: string, programProblem: ChecksInput['programProblem']): { argv: string[] } | CheckIssue {
  if (command === undefined) return { path: at, message: 'missing: check = "command" needs command = ["program", "arg", …]' };
  if (typeof command === 'string') {
    return { path: at, message: 'must be a list of arguments, ["program", "arg", …], not a string: no shell runs it, so nothing would split it' };
  }
  if (!Array.isArray(command)) return { path: at, message: `expected a list of arguments, ["program", "arg", …], got ${kindOf(command)}` };
  if (command.length === 0) return { path: at, message: 'must not be empty: its first element is the program to run' };
  const argv: string[] = [];
  for (const [i, arg] of command.entries()) {
    if (typeof arg !== 'string') return { path: [...at, i], message: `expected a string, got ${kindOf(arg)}` };
    if (arg.includes('\u0000')) return { path: [...at, i], message: 'must not contain a NUL character' };
    const problem = placeholderProblem(arg);
    if (problem !== undefined) return { path: [...at, i], message: problem };
    argv.push(arg);
  }
  const program = argv[0]!;
  if (program === '') return { path: [...at, 0], message: 'the program must not be empty' };
  if (hasPlaceholder(program)) return { path: [...at, 0], message: 'the program cannot be a placeholder: it is looked up when the config is read' };
  const missing = programProblem(program, cwd);
  if (missing !== undefined) return { path: at, message: missing };
  return { argv };
}

/** The same check (a reload that changes it replaces the backend). */
export function sameCheck(a: BackendCheck | undefined, b: BackendCheck | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  if (a.kind !== b.kind || a.also !== b.also) return false;
  if (a.kind === 'tcp' || b.kind === 'tcp') return true;
  return a.cwd === b.cwd && a.argv.length === b.argv.length && a.argv.every((arg, i) => arg === b.argv[i]);
}

/** What runs, in one word: `http`, `tcp`, `command`, `http+tcp`, `http+command` (`--json`'s `check`). */
export function checkLabel(check: BackendCheck | undefined): string {
  if (check === undefined) return 'http';
  return check.also ? `http+${check.kind}` : check.kind;
}

const SECRET_WORD = /(key|token|secret|pass|auth|credential|bearer)/i;

/**
 * An argument fit to show: URL passwords removed, and values that look like secrets masked
 * (`Authorization: …`, `--token=…`, `password=…`). Secrets are better kept in the script.
 */
export function shownArg(arg: string): string {
  if (/^[a-z][a-z0-9+.-]*:\/\/\S*$/i.test(arg)) {
    const url = displayUrl(arg);
    if (url !== '<invalid url>') return url;
  }
  const header = /^([A-Za-z0-9-]+:\s*)(.*)$/.exec(arg);
  if (header && SECRET_WORD.test(header[1]!) && header[2] !== '') return `${header[1]}***`;
  const assignment = /^([^=\s]+=)(.+)$/.exec(arg);
  if (assignment && SECRET_WORD.test(assignment[1]!)) return `${assignment[1]}***`;
  return arg.replace(/(:\/\/[^\s/@:]*):[^\s/@]*@/g, '$1@');
}

/** An argv as a person reads it: plain words as they are, others JSON-quoted, secrets masked. */
export function shownCommand(argv: readonly string[]): string {
  return argv
    .map((arg, i) => {
      // The argument after `-H`, `--token`, `--password`… is the secret itself.
      const previous = argv[i - 1];
      const text = previous !== undefined && /^--?[a-z-]*(token|secret|pass|password|key|auth)[a-z-]*$/i.test(previous) ? '***' : shownArg(arg);
      return /^[A-Za-z0-9_./:=@%+,*${}-]+$/.test(text) ? text : JSON.stringify(text);
    })
    .join(' ');
}

/** What the detail pane says ran: `http`, `tcp connect 10.0.0.5:8000`, `command: ./check.sh ${url}`, `http and …`. */
export function describeCheck(backend: Pick<BackendConfig, 'url' | 'check'>): string {
  const { check } = backend;
  if (check === undefined) return 'http';
  let what: string;
  if (check.kind === 'tcp') {
    let target = 'tcp connect';
    try {
      const { host, port } = hostPort(backend.url);
      target = `tcp connect ${host.includes(':') ? `[${host}]` : host}:${port}`;
    } catch {
      // An unparseable URL was refused when the config was read; a replayed one may be anything.
    }
    what = target;
  } else {
    what = `command: ${shownCommand(check.argv)}`;
  }
  return cleanText(check.also ? `http and ${what}` : what);
}
