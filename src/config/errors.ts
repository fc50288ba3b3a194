/** Where a config problem is: every part optional, as not every problem has a file, line or key. */
export interface ConfigErrorWhere {
  /** The config path as given to the loader (not resolved). */
  file?: string;
  /** 1-based line. */
  line?: number;
  /** 1-based column; only TOML syntax errors have one. */
  column?: number;
  /** Key path, e.g. `health_check.interval_seconds` or `backends[1] (gpu-2).url` (see key-path.ts). */
  key?: string;
}

/**
 * A config problem the user must fix. `message` is one line, ready to print after `nexus-top: `:
 *
 *   FILE:LINE: KEY: what is wrong        (a value or key problem)
 *   FILE:LINE:COLUMN: what is wrong      (a TOML syntax error)
 *   FILE: what is wrong                  (no line: file not found, a directory, not text…)
 *
 * Parts that do not apply are left out, with their separator.
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly file?: string;
  readonly line?: number;
  readonly column?: number;
  readonly key?: string;
  /** The "what is wrong" part alone. */
  readonly reason: string;

  constructor(reason: string, where: ConfigErrorWhere = {}) {
    super(formatConfigError(reason, where));
    this.reason = oneLine(reason);
    if (where.file !== undefined) this.file = where.file;
    if (where.line !== undefined) this.line = where.line;
    if (where.column !== undefined) this.column = where.column;
    if (where.key !== undefined) this.key = where.key;
  }
}

export function formatConfigError(reason: string, where: ConfigErrorWhere = {}): string {
  let location = where.file ?? '';
  if (where.line !== undefined) {
    location += `${location ? ':' : ''}${where.line}`;
    if (where.column !== undefined) location += `:${where.column}`;
  }
  const parts = [location, where.key].filter((p): p is string => p !== undefined && p !== '');
  return oneLine([...parts, reason].join(': '));
}

/** A message must stay one printable line whatever went into it (file names included): controls become a space. */
function oneLine(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f]+/g, ' ');
}
