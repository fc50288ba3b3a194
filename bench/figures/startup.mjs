// Start-up figures: time to the dashboard's first frame in a real pty, and a whole `--once --json` run.
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { startFleet } from '../fleet.mjs';
import { summariseProfile } from '../lib/cpuprofile.mjs';
import { runInPty } from '../lib/pty.mjs';
import { findNodePid, onInterrupt, median, round, sandboxEnv, tempDir, waitFor, writeConfig } from '../lib/util.mjs';

// eslint-disable-next-line no-control-regex
const ANSI = /\u001b(?:\[[0-?]*[ -/]*[@-~]|\][^\u0007\u001b]*(?:\u0007|\u001b\\)|[@-Z\\-_])/g;

/** Spawn in a pty, resolve with ms from spawn to the first time `marker` is in the (escape-stripped) output. */
async function timeToMarker({ argv, env, marker, cli, timeoutMs = 20_000, quit = 'SIGKILL' }) {
  let text = '';
  let hitAt;
  let resolveHit;
  const hit = new Promise((r) => (resolveHit = r));
  const pty = runInPty({
    argv,
    env,
    cols: 120,
    rows: 40,
    onData: (chunk, at) => {
      if (hitAt !== undefined) return;
      text += chunk.toString('utf8');
      if (marker.test(text.replace(ANSI, ''))) {
        hitAt = at;
        resolveHit();
      }
    },
  });
  const timer = setTimeout(resolveHit, timeoutMs);
  await Promise.race([hit, pty.exited]);
  clearTimeout(timer);
  const ms = hitAt === undefined ? NaN : hitAt - pty.startedAt;
  if (cli) {
    // The dashboard keeps running: kill it at once (its shutdown is not measured), then the pty.
    const pid = findNodePid(pty.child.pid);
    if (pid) process.kill(pid, quit);
    if (quit !== 'SIGKILL') await Promise.race([pty.exited, new Promise((r) => setTimeout(r, 10_000))]);
  }
  await pty.stop('SIGKILL', 1_000);
  if (!Number.isFinite(ms)) throw new Error(`no ${marker} in the output within ${timeoutMs} ms; got: ${JSON.stringify(text.replace(ANSI, '').slice(0, 300))}`);
  return ms;
}

export async function ttff(ctx) {
  const { build, smoke } = ctx;
  const runs = ctx.runs ?? (smoke ? 2 : 7);
  const fleet = await startFleet({ count: 10 });
  try {
    const dir = tempDir('ttff');
    const config = writeConfig(dir, fleet.ports);
    const env = sandboxEnv(dir);
    const header = new RegExp(`nexus-top ${build.version.replace(/\./g, '\\.')}`);
    const nexus = [];
    const base = [];
    // One unmeasured run of each warms the page cache and the pty machinery.
    await timeToMarker({ argv: [process.execPath, '-e', "console.log('ready')"], env, marker: /ready/ });
    await timeToMarker({ argv: [process.execPath, build.cli, '--config', config], env, marker: header, cli: build.cli });
    for (let i = 0; i < runs; i++) {
      base.push(await timeToMarker({ argv: [process.execPath, '-e', "console.log('ready')"], env, marker: /ready/ }));
      nexus.push(await timeToMarker({ argv: [process.execPath, build.cli, '--config', config], env, marker: header, cli: build.cli }));
    }
    const m = median(nexus);
    const b = median(base);
    return {
      value: m / b,
      measured: { median_ms: round(m, 1), runs_ms: nexus.map((x) => round(x, 1)) },
      baseline: { median_ms: round(b, 1), runs_ms: base.map((x) => round(x, 1)) },
      method: `\`script -qfec\` pty 120×40; clock from spawn() of \`script\` to the first chunk whose text (escapes stripped) contains the header \`nexus-top ${build.version}\`; 10 steady loopback backends; baseline \`node -e "console.log('ready')"\` until \`ready\`, started the same way; ${runs} interleaved runs each after one unmeasured warm-up run, median.`,
    };
  } finally {
    await fleet.close();
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
 * dashboard up to its first frame (then SIGTERM, so the profile is written at exit).
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
    const header = new RegExp(`nexus-top ${build.version.replace(/\./g, '\\.')}`);
    await timeToMarker({ argv: [process.execPath, ...d.args, build.cli, '--config', config], env, marker: header, cli: build.cli, quit: 'SIGTERM' });
    const dashboard = await read(d.dir);
    return { once, dashboard };
  } finally {
    await fleet.close();
  }
}
