// Start-up figures: time to the dashboard's table on screen in tmux, and a whole `--once --json` run.
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { startFleet } from '../fleet.mjs';
import { summariseProfile } from '../lib/cpuprofile.mjs';
import { timeToScreen } from '../lib/screen.mjs';
import { backendName, median, onInterrupt, round, sandboxEnv, tempDir, waitFor, writeConfig } from '../lib/util.mjs';

/** `node -e` printing one line: what the terminal shows of the quickest program node can run. */
const BASELINE_ARGV = [process.execPath, '-e', "console.log('ready')"];
const baselineReady = (lines) => lines.some((l) => l === 'ready');

/**
 * The dashboard's table is on screen: the column header, and below it a row with the name of every
 * backend. (The header's first words, or the table with names still missing, are not the fleet.)
 */
export function tableReady(names) {
  const words = names.map((n) => new RegExp(`(?:^|\\s)${n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?:\\s|$)`));
  return (lines) => {
    const header = lines.findIndex((l) => /\bNAME\b.*\bSTATUS\b/.test(l));
    if (header < 0) return false;
    const rows = lines.slice(header + 1);
    return words.every((w) => rows.some((l) => w.test(l)));
  };
}

export async function ttff(ctx) {
  const { build, smoke } = ctx;
  const runs = ctx.runs ?? (smoke ? 2 : 9);
  const count = 10;
  const fleet = await startFleet({ count });
  try {
    const dir = tempDir('ttff');
    const config = writeConfig(dir, fleet.ports);
    const env = sandboxEnv(dir);
    const nexusArgv = [process.execPath, build.cli, '--config', config];
    const table = tableReady(Array.from({ length: count }, (_, i) => backendName(i)));
    const nexus = [];
    const base = [];
    // One unmeasured run of each warms the page cache and tmux.
    await timeToScreen({ argv: BASELINE_ARGV, env, ready: baselineReady });
    await timeToScreen({ argv: nexusArgv, env, ready: table });
    let shown;
    for (let i = 0; i < runs; i++) {
      base.push((await timeToScreen({ argv: BASELINE_ARGV, env, ready: baselineReady })).ms);
      const r = await timeToScreen({ argv: nexusArgv, env, ready: table });
      nexus.push(r.ms);
      shown = r.lines;
    }
    const m = median(nexus);
    const b = median(base);
    return {
      value: m / b,
      measured: { median_ms: round(m, 1), runs_ms: nexus.map((x) => round(x, 1)) },
      baseline: { median_ms: round(b, 1), runs_ms: base.map((x) => round(x, 1)) },
      notes: [`the screen at the stop of the last run: ${shown.filter((l) => l.trim()).slice(0, 4).map((l) => `\`${l.trim().replace(/\s+/g, ' ')}\``).join(' / ')} …`],
      method: `tmux 120×40 pane (tmux ${tmuxVersion()}), the program started by the pane's shell when a line arrives on a FIFO (as on Enter; the clock starts with that line), every byte it writes passed by \`pipe-pane\` through a FIFO to a terminal model (@xterm/headless); the clock stops at the chunk after which the model's screen shows the column header (NAME … STATUS) and below it a row with every backend's name; ${count} steady loopback backends. Baseline \`node -e "console.log('ready')"\` until a line \`ready\` is on the screen, started the same way in the same kind of pane. ${runs} interleaved runs each after one unmeasured warm-up run, median.`,
    };
  } finally {
    await fleet.close();
  }
}

function tmuxVersion() {
  try {
    return execFileSync('tmux', ['-V'], { encoding: 'utf8' }).trim().replace(/^tmux /, '');
  } catch {
    return '?';
  }
}

function timeToExit(argv, env) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(argv[0], argv.slice(1), { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const unregister = onInterrupt(() => child.kill('SIGKILL'));
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.resume();
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = performance.now() - t0;
      unregister();
      resolve({ ms, code, out });
    });
  });
}

export async function once(ctx) {
  const { build, smoke } = ctx;
  const runs = ctx.runs ?? (smoke ? 2 : 9);
  const fleet = await startFleet({ count: 10 });
  try {
    const dir = tempDir('once');
    const config = writeConfig(dir, fleet.ports);
    const env = sandboxEnv(dir);
    const nexusArgv = [process.execPath, build.cli, '--config', config, '--once', '--json'];
    const baseArgv = [process.execPath, '-e', '0'];
    const first = await timeToExit(nexusArgv, env);
    if (first.code !== 0) throw new Error(`--once --json exited ${first.code}: ${first.out.slice(0, 300)}`);
    const healthy = JSON.parse(first.out).summary?.healthy;
    if (healthy !== 10) throw new Error(`--once --json: ${healthy}/10 healthy`);
    await timeToExit(baseArgv, env);
    const nexus = [];
    const base = [];
    for (let i = 0; i < runs; i++) {
      base.push((await timeToExit(baseArgv, env)).ms);
      nexus.push((await timeToExit(nexusArgv, env)).ms);
    }
    const m = median(nexus);
    const b = median(base);
    return {
      value: m / b,
      measured: { median_ms: round(m, 1), runs_ms: nexus.map((x) => round(x, 1)) },
      baseline: { median_ms: round(b, 1), runs_ms: base.map((x) => round(x, 1)) },
      method: `wall time from spawn() to exit of \`node dist/cli.js --config F --once --json\` (stdout piped), 10 loopback backends answering at once (checked: exit 0, 10/10 healthy); baseline \`node -e 0\` spawned the same way; ${runs} interleaved runs each after one warm-up, median.`,
    };
  } finally {
    await fleet.close();
  }
}

/**
 * Where start-up time goes: one `node --cpu-prof` (100 µs sampling) of `--once --json` and one of the
 * dashboard up to its table on screen (then SIGTERM, so the profile is written at exit).
 */
export async function profileStartup(ctx) {
  const { build } = ctx;
  const fleet = await startFleet({ count: 10 });
  try {
    const dir = tempDir('startup-prof');
    const config = writeConfig(dir, fleet.ports);
    const env = sandboxEnv(dir);
    const prof = (name) => {
      const d = join(dir, name);
      mkdirSync(d);
      return { dir: d, args: ['--cpu-prof', '--cpu-prof-interval', '100', '--cpu-prof-dir', d] };
    };
    const read = (d) => waitFor(() => readdirSync(d).find((f) => f.endsWith('.cpuprofile')), 10_000, 'the .cpuprofile').then((f) => summariseProfile(join(d, f), 10));
    const o = prof('once');
    await timeToExit([process.execPath, ...o.args, build.cli, '--config', config, '--once', '--json'], env);
    const once = await read(o.dir);
    const d = prof('dashboard');
    const table = tableReady(Array.from({ length: 10 }, (_, i) => backendName(i)));
    await timeToScreen({ argv: [process.execPath, ...d.args, build.cli, '--config', config], env, ready: table, quit: 'SIGTERM' });
    const dashboard = await read(d.dir);
    return { once, dashboard };
  } finally {
    await fleet.close();
  }
}
