import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';

function executableFile(path: string): 'yes' | 'missing' | 'not executable' | 'directory' {
  try {
    if (statSync(path).isDirectory()) return 'directory';
  } catch {
    return 'missing';
  }
  try {
    accessSync(path, constants.X_OK);
    return 'yes';
  } catch {
    return 'not executable';
  }
}

const named = (program: string): string => JSON.stringify(program.length > 80 ? `${program.slice(0, 79)}…` : program);

/**
 * Why a command check's program cannot run, or undefined: with a slash it is a path (relative ones from
 * `cwd`, where the command will run) that must be an executable file; without one it must be an
 * executable file in one of PATH's directories, as the kernel's execvp would look for it.
 */
export function programProblem(program: string, cwd: string, path: string | undefined = process.env['PATH']): string | undefined {
  if (program.includes('/')) {
    const found = executableFile(resolve(cwd, program));
    if (found === 'yes') return undefined;
    if (found === 'missing') return `program ${named(program)} not found${program.startsWith('/') ? '' : ` (relative to ${cwd})`}`;
    return `program ${named(program)} is ${found === 'directory' ? 'a directory' : 'not executable'}`;
  }
  for (const dir of (path ?? '').split(delimiter)) {
    if (dir === '') continue;
    if (executableFile(join(resolve(cwd, dir), program)) === 'yes') return undefined;
  }
  return `program ${named(program)} not found in PATH`;
}
