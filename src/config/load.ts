import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { ConfigError } from './errors.js';
import { parseConfig, type ConfigOverrides } from './parse.js';
import type { Config } from './types.js';

/** A nexus.toml is a few kilobytes; a bigger file is a wrong path (a log, /dev/zero). */
export const MAX_CONFIG_BYTES = 4 * 1024 * 1024;

/** Read and parse a config file. `file` is used as given (in messages and as `source`). Throws ConfigError. */
export function loadConfig(file: string, overrides?: ConfigOverrides): Config {
  return parseConfig(readConfigText(file), file, overrides);
}

/** The file's text (UTF-8, a BOM dropped), or a ConfigError saying why it cannot be a config. */
export function readConfigText(file: string): string {
  if (file === '') throw new ConfigError('the config file name is empty');
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (err) {
    throw new ConfigError(openProblem(err), { file });
  }
  let bytes: Buffer;
  try {
    const stat = fstatSync(fd);
    if (stat.isDirectory()) throw new ConfigError('is a directory, not a config file', { file });
    bytes = readCapped(fd, file);
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw new ConfigError(openProblem(err), { file });
  } finally {
    closeSync(fd);
  }
  if (bytes.includes(0)) throw new ConfigError('is not a text file (it contains NUL bytes)', { file });
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new ConfigError('is not a text file (invalid UTF-8)', { file });
  }
}

/** Reads at most MAX_CONFIG_BYTES; works for pipes too (`--config <(…)`). */
function readCapped(fd: number, file: string): Buffer {
  const chunks: Buffer[] = [];
  let total = 0;
  for (;;) {
    const chunk = Buffer.alloc(64 * 1024);
    const got = readSync(fd, chunk, 0, chunk.length, null);
    if (got === 0) break;
    total += got;
    if (total > MAX_CONFIG_BYTES) {
      throw new ConfigError(`is too large for a config file (over ${MAX_CONFIG_BYTES / 1024 / 1024} MiB)`, { file });
    }
    chunks.push(chunk.subarray(0, got));
  }
  return Buffer.concat(chunks);
}

function openProblem(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOENT':
    case 'ENOTDIR':
      return 'file not found';
    case 'EISDIR':
      return 'is a directory, not a config file';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'ELOOP':
      return 'too many levels of symbolic links';
    default:
      return `cannot read the file (${code ?? (err instanceof Error ? err.message : String(err))})`;
  }
}
