import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Permission checks as an unprivileged user. Root reads and writes any file whatever its mode, so a
 * test of "permission denied" run as root (CI runs as root) proves nothing; such a test runs its
 * subject in a child process as user `nobody` instead, through util-linux's setpriv.
 *
 * `nobody` reaches only what every user may: a checkout in a private directory (a home of mode 700, as
 * /root is, or a `mktemp -d`) is out of its reach, so whatever the child runs must first be copied to
 * a directory made by `shared()`.
 */
export interface Nobody {
  /** Run `argv` (argv[0] a program, e.g. process.execPath) as nobody:nogroup with no supplementary groups. */
  run(argv: readonly string[], options?: { cwd?: string; env?: Record<string, string>; timeoutMs?: number }): SpawnSyncReturns<string>;
  /** A new directory under the system's temporary directory that nobody may enter and list (mode 755). */
  shared(label: string): string;
}

export const isRoot = process.getuid?.() === 0;

const SETPRIV = ['/usr/bin/setpriv', '/bin/setpriv'].find((p) => existsSync(p));
const AS_NOBODY = ['--reuid=nobody', '--regid=nogroup', '--clear-groups'];

function shared(label: string): string {
  const dir = mkdtempSync(join(tmpdir(), `nexus-top-${label}-`));
  chmodSync(dir, 0o755);
  return dir;
}

function run(argv: readonly string[], options: { cwd?: string; env?: Record<string, string>; timeoutMs?: number } = {}): SpawnSyncReturns<string> {
  return spawnSync(SETPRIV!, [...AS_NOBODY, ...argv], {
    encoding: 'utf8',
    cwd: options.cwd ?? '/',
    env: options.env ?? { PATH: process.env.PATH ?? '/usr/bin:/bin' },
    timeout: options.timeoutMs ?? 20_000,
  });
}

let probed: Nobody | string | undefined;

/**
 * The way to run as nobody, or why there is none here (for the test's skip note): no setpriv, no user
 * nobody or group nogroup, node itself out of nobody's reach, or a temporary directory nobody cannot
 * enter. Probed once per test file.
 */
export function nobody(): Nobody | string {
  if (probed !== undefined) return probed;
  if (!SETPRIV) return (probed = 'setpriv (util-linux) is not installed');
  const dir = shared('nobody-probe');
  const check = run([process.execPath, '-e', `require('node:fs').readdirSync(${JSON.stringify(dir)})`]);
  rmSync(dir, { recursive: true, force: true });
  if (check.error || check.status !== 0) {
    const why = check.error?.message ?? check.stderr.trim().split('\n').at(-1) ?? `exit ${check.status}`;
    return (probed = `cannot run ${process.execPath} as nobody:nogroup reading ${tmpdir()} (${why})`);
  }
  return (probed = { run, shared });
}
