// Small helpers shared by the figures: statistics, /proc readers, temp dirs, the sandboxed environment,
// a frozen copy of the built binary, and the nexus.toml writer.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, realpathSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BENCH_DIR = dirname(dirname(fileURLToPath(import.meta.url)));
export const ROOT = dirname(BENCH_DIR);

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export function median(values) {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const mid = v.length >> 1;
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

export const round = (x, digits = 3) => (Number.isFinite(x) ? Math.round(x * 10 ** digits) / 10 ** digits : x);

let clkTck;
/** Clock ticks per second, the unit of utime/stime in /proc/<pid>/stat. */
export function clockTicks() {
  if (clkTck === undefined) {
    try {
      clkTck = Number.parseInt(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim(), 10) || 100;
    } catch {
      clkTck = 100;
    }
  }
  return clkTck;
}

/** Fields of /proc/<pid>/stat after the command name (which may hold spaces and parentheses). */
function statFields(pid) {
  const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return text.slice(text.lastIndexOf(')') + 2).split(' ');
}

/** CPU time (user + system, every thread) the process has used so far, in milliseconds. */
export function cpuMs(pid) {
  const f = statFields(pid);
  // f[0] is field 3 (state); utime is field 14, stime field 15.
  return ((Number(f[11]) + Number(f[12])) * 1000) / clockTicks();
}

/** Resident set size in bytes (VmRSS of /proc/<pid>/status). */
export function rssBytes(pid) {
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : NaN;
}

/** VmRSS split: anonymous memory (heaps, buffers) and file-backed pages (the node binary, shared libraries). */
export function rssSplit(pid) {
  const text = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key) => Number(new RegExp(`^${key}:\\s+(\\d+)\\s+kB`, 'm').exec(text)?.[1] ?? NaN) * 1024;
  return { rss: kb('VmRSS'), anon: kb('RssAnon'), file: kb('RssFile') };
}

export function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Every live descendant of `pid` (children first), from the ppid field of /proc/<n>/stat. */
export function descendants(pid) {
  const children = new Map();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const ppid = Number(statFields(name)[1]);
      if (!children.has(ppid)) children.set(ppid, []);
      children.get(ppid).push(Number(name));
    } catch {
      // gone meanwhile
    }
  }
  const out = [];
  const walk = (p) => {
    for (const c of children.get(p) ?? []) {
      out.push(c);
      walk(c);
    }
  };
  walk(pid);
  return out;
}

/** Poll until `find()` returns something other than undefined. */
export async function waitFor(find, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = find();
    if (v !== undefined && v !== null && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(20);
  }
}

let nodeExe;
/**
 * The pid of the node process below a wrapper (script → sh → exec node). Found by its executable, not
 * its command line: nexus-top sets process.title, which rewrites /proc/<pid>/cmdline to `nexus-top`.
 */
export function findNodePid(rootPid) {
  nodeExe ??= realpathSync(process.execPath);
  return descendants(rootPid).find((p) => {
    try {
      return readlinkSync(`/proc/${p}/exe`) === nodeExe;
    } catch {
      return false;
    }
  });
}

export function killQuietly(pid, signal = 'SIGKILL') {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

const cleanups = new Set();
/** A synchronous last-resort cleanup, run if the harness is interrupted; returns its unregister. */
export function onInterrupt(fn) {
  cleanups.add(fn);
  return () => cleanups.delete(fn);
}
export function runInterruptCleanups() {
  for (const fn of cleanups) {
    try {
      fn();
    } catch {
      // best effort
    }
  }
  cleanups.clear();
}

const tempDirs = new Set();
export function tempDir(label) {
  const d = mkdtempSync(join(tmpdir(), `nexus-bench-${label}-`));
  tempDirs.add(d);
  return d;
}
export function removeTempDirs() {
  for (const d of tempDirs) rmSync(d, { recursive: true, force: true });
  tempDirs.clear();
}

/**
 * A frozen copy of the built binary (dist/ and package.json), so a
 * colleague rebuilding dist/ in the middle of a run cannot change what is measured. The bundle needs
 * nothing from node_modules at run time. It lives in bench/out/builds/<sha256 of what cli.js runs> (the newest
 * few are kept) so a saved .cpuprofile can still be mapped through its source maps after the run.
 */
/** Paths (relative to `dist`) of cli.js and every module it imports, statically or dynamically, transitively. */
function reachable(dist) {
  const seen = new Set();
  const visit = (rel) => {
    if (seen.has(rel)) return;
    seen.add(rel);
    const text = readFileSync(join(dist, rel), 'utf8');
    for (const m of text.matchAll(/["'](\.\.?\/[^"'\s]+\.m?js)["']/g)) {
      const next = relative(dist, join(dist, dirname(rel), m[1]));
      if (existsSync(join(dist, next))) visit(next);
    }
  };
  visit('cli.js');
  // It says cli.js is CommonJS (the package is "type": "module").
  if (existsSync(join(dist, 'package.json'))) seen.add('package.json');
  return [...seen];
}

export function snapshotBuild(dist = join(ROOT, 'dist')) {
  if (!existsSync(join(dist, 'cli.js'))) throw new Error(`no ${join(dist, 'cli.js')}: run \`npm run build\` first`);
  // Every file a run reads (cli.js is only the loader of dist/main.js and its code cache): a rebuild is a new snapshot.
  const hash = createHash('sha256');
  for (const rel of reachable(dist).sort()) for (const f of [rel, `${rel}.cache`]) if (existsSync(join(dist, f))) hash.update(f).update(readFileSync(join(dist, f)));
  const sha256 = hash.digest('hex');
  const builds = join(BENCH_DIR, 'out', 'builds');
  const dir = join(builds, sha256.slice(0, 16));
  if (!existsSync(join(dir, 'dist', 'cli.js'))) {
    const tmp = `${dir}.tmp-${process.pid}`;
    // Only the files cli.js reaches (dist/chunks keeps every old chunk a rebuild left behind), with their
    // maps and code caches (dist/main.js.cache, read by dist/cli.js).
    for (const rel of reachable(dist)) {
      for (const f of [rel, `${rel}.map`, `${rel}.cache`]) {
        if (existsSync(join(dist, f))) cpSync(join(dist, f), join(tmp, 'dist', f));
      }
    }
    const pkg = join(dirname(dist), 'package.json');
    cpSync(existsSync(pkg) ? pkg : join(ROOT, 'package.json'), join(tmp, 'package.json'));
    try {
      renameSync(tmp, dir);
    } catch {
      // another run made the same snapshot meanwhile
      rmSync(tmp, { recursive: true, force: true });
    }
  }
  // Keep the newest three snapshots.
  const all = readdirSync(builds)
    .filter((d) => !d.includes('.tmp-'))
    .map((d) => ({ d, t: statSync(join(builds, d)).mtimeMs }))
    .sort((a, b) => b.t - a.t);
  for (const { d } of all.slice(3)) if (join(builds, d) !== dir) rmSync(join(builds, d), { recursive: true, force: true });
  utimesSync(dir, new Date(), new Date());
  const cli = join(dir, 'dist', 'cli.js');
  const version = spawnSync(process.execPath, [cli, '--version'], { encoding: 'utf8' }).stdout.trim();
  const help = spawnSync(process.execPath, [cli, '--help'], { encoding: 'utf8' }).stdout;
  return { dir, cli, sha256, version, help, hasEvents: /--events\b/.test(help) };
}

/**
 * The whole environment of a measured program: no CI (Ink renders nothing live when CI is set), no
 * NO_COLOR/FORCE_COLOR, no NEXUS_TOP_CONFIG, and HOME/XDG dirs in a temp dir so no drain state is shared.
 */
export function sandboxEnv(dir, extra = {}) {
  const env = {
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    HOME: join(dir, 'home'),
    XDG_STATE_HOME: join(dir, 'state'),
    XDG_CONFIG_HOME: join(dir, 'config'),
    LANG: 'C.UTF-8',
    TERM: 'xterm-256color',
    ...extra,
  };
  for (const k of ['HOME', 'XDG_STATE_HOME', 'XDG_CONFIG_HOME']) mkdirSync(env[k], { recursive: true });
  return env;
}

/**
 * A nexus.toml for `ports` (all on 127.0.0.1, type openai: one `GET /v1/models` per probe).
 * `health` and `top` are written as given (snake_case keys of the file).
 */
export function writeConfig(dir, ports, { health = {}, top = {}, name = 'nexus.toml', type = 'openai' } = {}) {
  const lines = ['[health_check]'];
  const h = { interval_seconds: 1, timeout_seconds: 5, failure_threshold: 3, recovery_threshold: 2, ...health };
  for (const [k, v] of Object.entries(h)) lines.push(`${k} = ${v}`);
  lines.push('', '[top]');
  const t = { concurrency: 64, fast_interval_seconds: 1, ...top };
  for (const [k, v] of Object.entries(t)) lines.push(`${k} = ${v}`);
  ports.forEach((port, i) => {
    lines.push('', '[[backends]]', `name = "b${String(i).padStart(4, '0')}"`, `url = "http://127.0.0.1:${port}"`, `type = "${type}"`);
  });
  const file = join(dir, name);
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

export const backendName = (i) => `b${String(i).padStart(4, '0')}`;

/** What RESULTS.md says about the machine. */
export function machine() {
  const sh = (cmd, args) => {
    try {
      return execFileSync(cmd, args, { encoding: 'utf8' }).trim();
    } catch {
      return '?';
    }
  };
  let model = '?';
  try {
    model = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? '?';
  } catch {
    // not Linux
  }
  let load = '?';
  try {
    load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  } catch {
    // not Linux
  }
  return { nproc: sh('nproc', []), cpu: model, memory: sh('free', ['-h']), node: process.version, kernel: sh('uname', ['-sr']), loadavg: load };
}

export function fmtBytes(n) {
  if (!Number.isFinite(n)) return String(n);
  if (n >= 1024 * 1024) return `${(n / 1024 / 1024).toFixed(1)} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${Math.round(n)} B`;
}
