// CPU per probe and RSS with a large fleet: nexus-top (headless `--events`, or the dashboard in a pty when
// the build has no `--events`) against the bare undici loop (bench/baseline-undici.mjs), each alone on
// the machine with the fleet process, the same backends, the same 1 s evenly spread schedule.
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startFleet } from '../fleet.mjs';
import { summariseProfile } from '../lib/cpuprofile.mjs';
import { runInPty } from '../lib/pty.mjs';
import { BENCH_DIR, onInterrupt, cpuMs, findNodePid, fmtBytes, median, round, rssSplit, sandboxEnv, sleep, tempDir, waitFor, writeConfig } from '../lib/util.mjs';

/** Start a headless child; stdout is drained (and counted), stderr kept for errors. */
export function spawnDrained(argv, env) {
  const child = spawn(argv[0], argv.slice(1), { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  let lines = 0;
  child.stdout.on('data', (d) => {
    for (const b of d) if (b === 10) lines++;
  });
  child.stderr.on('data', (d) => (stderr = (stderr + d).slice(-4000)));
  let done = false;
  const exited = new Promise((resolve) => child.once('close', (code, signal) => resolve({ code, signal })));
  const unregister = onInterrupt(() => child.kill('SIGKILL'));
  exited.then(() => {
    done = true;
    unregister();
  });
  return {
    pid: child.pid,
    get stdoutLines() {
      return lines;
    },
    get stderr() {
      return stderr;
    },
    get done() {
      return done;
    },
    exited,
    async stop(graceMs = 10_000) {
      if (done) return exited;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const r = await exited;
      clearTimeout(timer);
      return r;
    },
  };
}

/** nexus-top running on `config` the way this run measures it; `nodeArgs` go before the script. */
export async function startNexus(ctx, config, env, nodeArgs = []) {
  const { build } = ctx;
  if (ctx.headless) {
    const p = spawnDrained([process.execPath, ...nodeArgs, build.cli, '--config', config, '--events'], env);
    await sleep(200);
    if (p.done) throw new Error(`nexus-top --events exited at once: ${p.stderr.trim().slice(0, 300)}`);
    return { pid: p.pid, stop: () => p.stop(), describe: 'headless `--events` (stdout piped and drained)' };
  }
  const pty = runInPty({ argv: [process.execPath, ...nodeArgs, build.cli, '--config', config], env, cols: 120, rows: 40 });
  const pid = await waitFor(() => findNodePid(pty.child.pid), 10_000, 'the nexus-top process in the pty');
  return { pid, stop: () => pty.stop('SIGTERM', 10_000), describe: 'the dashboard in a `script` pty 120×40 (no `--events` in this build)' };
}

function startBaseline(ports, env, dir) {
  const plan = join(dir, 'baseline-plan.json');
  writeFileSync(plan, JSON.stringify({ urls: ports.map((p) => `http://127.0.0.1:${p}`), intervalMs: 1_000, concurrency: 64 }));
  const p = spawnDrained([process.execPath, join(BENCH_DIR, 'baseline-undici.mjs'), plan], env);
  return { pid: p.pid, stop: () => p.stop() };
}

/** Warm up, then one window: CPU ms and probes served in it, RSS sampled every ~5 s. */
async function measureWindow(proc, fleet, { warmupMs, windowMs }) {
  await sleep(warmupMs);
  const rss = [];
  const anon = [];
  const c0 = cpuMs(proc.pid);
  const k0 = await fleet.counts();
  const t0 = performance.now();
  const slices = Math.max(1, Math.round(windowMs / 5_000));
  for (let k = 0; k < slices; k++) {
    await sleep(windowMs / slices);
    const m = rssSplit(proc.pid);
    rss.push(m.rss);
    anon.push(m.anon);
  }
  const c1 = cpuMs(proc.pid);
  const k1 = await fleet.counts();
  const seconds = (performance.now() - t0) / 1000;
  const probes = k1.served - k0.served;
  return { cpuMs: c1 - c0, probes, connects: k1.connections - k0.connections, seconds, cpuPerProbeUs: ((c1 - c0) * 1000) / Math.max(1, probes), rss, anon };
}

/**
 * Rounds of (bare loop, nexus-top) pairs, the order alternating (A B, B A, A B…), each process fresh and
 * alone with the fleet: warm-up, then one window. Pairing the windows keeps a change in the machine's
 * background load from landing on one side only.
 */
async function session(ctx) {
  if (ctx.cache.engine) return ctx.cache.engine;
  const { smoke } = ctx;
  const count = smoke ? 20 : 1000;
  const wantCpu = ctx.selected.has('cpu');
  const plan = smoke ? { warmupMs: 1_000, windows: 2, windowMs: 1_000 } : { warmupMs: 10_000, windows: 3, windowMs: wantCpu ? 30_000 : 5_000 };
  const fleet = await startFleet({ count });
  const dir = tempDir('engine');
  try {
    const config = writeConfig(dir, fleet.ports, { health: { interval_seconds: 1 }, top: { concurrency: 64 } });
    const env = sandboxEnv(dir);
    const base = { windows: [], rss: [], anon: [] };
    const nexus = { windows: [], rss: [], anon: [] };
    let describe = '';
    const runBase = async () => {
      const p = startBaseline(fleet.ports, env, dir);
      try {
        const w = await measureWindow(p, fleet, plan);
        base.windows.push(w);
        base.rss.push(...w.rss);
        base.anon.push(...w.anon);
      } finally {
        await p.stop();
      }
    };
    const runNexus = async () => {
      const p = await startNexus(ctx, config, env);
      describe = p.describe;
      try {
        const w = await measureWindow(p, fleet, plan);
        nexus.windows.push(w);
        nexus.rss.push(...w.rss);
        nexus.anon.push(...w.anon);
      } finally {
        await p.stop();
      }
    };
    ctx.log(`  ${plan.windows} rounds of (bare undici loop, nexus-top), each fresh: ${count} backends, warm-up ${plan.warmupMs / 1000} s + a ${plan.windowMs / 1000} s window`);
    for (let r = 0; r < plan.windows; r++) {
      if (r % 2 === 0) {
        await runBase();
        await runNexus();
      } else {
        await runNexus();
        await runBase();
      }
      const b = base.windows.at(-1);
      const n = nexus.windows.at(-1);
      ctx.log(`  round ${r + 1}: bare ${round(b.cpuPerProbeUs, 1)} µs/probe, nexus-top ${round(n.cpuPerProbeUs, 1)} µs/probe (${n.probes} probes, ${n.connects} new connections), RSS ${fmtBytes(median(b.rss))} / ${fmtBytes(median(n.rss))}`);
    }
    ctx.cache.engine = { count, plan, base, nexus, describe };
    return ctx.cache.engine;
  } finally {
    await fleet.close();
  }
}

const perProbe = (run) => median(run.windows.map((w) => w.cpuPerProbeUs));

function windowsText(run) {
  return run.windows.map((w) => `${round(w.cpuPerProbeUs, 1)} µs (${Math.round(w.cpuMs)} ms / ${w.probes} probes in ${round(w.seconds, 1)} s)`).join('; ');
}

export async function cpu(ctx) {
  const s = await session(ctx);
  const n = perProbe(s.nexus);
  const b = perProbe(s.base);
  const paired = s.nexus.windows.map((w, i) => w.cpuPerProbeUs / s.base.windows[i].cpuPerProbeUs);
  const expected = s.count * (s.plan.windowMs / 1000);
  const rate = median(s.nexus.windows.map((w) => w.probes)) / expected;
  const notes = [];
  const reconnects = median(s.nexus.windows.map((w) => w.connects));
  if (reconnects > 0.01 * expected) notes.push(`nexus-top opened ${reconnects} new connections per window (the bare loop ${median(s.base.windows.map((w) => w.connects))}): keep-alive connections are not being reused`);
  if (rate < 0.9) notes.push(`nexus-top served only ${Math.round(rate * 100)} % of the expected probes per window: it is falling behind the schedule`);
  return {
    value: median(paired),
    measured: { cpu_per_probe_us: round(n, 1), paired_ratios: paired.map((x) => round(x, 3)), windows: s.nexus.windows.map((w) => ({ cpu_ms: Math.round(w.cpuMs), probes: w.probes, new_connections: w.connects, seconds: round(w.seconds, 2), us_per_probe: round(w.cpuPerProbeUs, 1) })), mode: s.describe },
    baseline: { cpu_per_probe_us: round(b, 1), windows: s.base.windows.map((w) => ({ cpu_ms: Math.round(w.cpuMs), probes: w.probes, new_connections: w.connects, seconds: round(w.seconds, 2), us_per_probe: round(w.cpuPerProbeUs, 1) })) },
    notes,
    method: `${s.count} loopback backends (one fleet process, not counted), interval 1 s, concurrency 64; utime+stime of the measured process from /proc/<pid>/stat over a ${s.plan.windowMs / 1000} s window after ${s.plan.warmupMs / 1000} s of warm-up, divided by the requests the fleet served in the window; ${s.plan.windows} rounds, each a fresh bare loop and a fresh nexus-top one after the other (order alternating); the figure is the median of the per-round ratios (${paired.map((x) => round(x, 2)).join(', ')}). nexus-top: ${s.describe}; windows ${windowsText(s.nexus)}. Bare loop (bench/baseline-undici.mjs): ${windowsText(s.base)}.`,
  };
}

export async function rss(ctx) {
  const s = await session(ctx);
  const n = median(s.nexus.rss);
  const b = median(s.base.rss);
  const na = median(s.nexus.anon);
  const ba = median(s.base.anon);
  return {
    value: n / b,
    measured: { rss_bytes: n, rss: fmtBytes(n), anon_bytes: na, samples: s.nexus.rss.length, mode: s.describe },
    baseline: { rss_bytes: b, rss: fmtBytes(b), anon_bytes: ba, samples: s.base.rss.length },
    method: `VmRSS of /proc/<pid>/status sampled every ~5 s during the CPU windows of every round (after warm-up: every backend probed, ${s.count} keep-alive connections open), median; nexus-top (${s.describe}) ${fmtBytes(n)} (anonymous ${fmtBytes(na)}), bare undici loop ${fmtBytes(b)} (anonymous ${fmtBytes(ba)}); the rest is file-backed (the node binary, shared by both).`,
  };
}

/** One profiled run of the CPU case (`node --cpu-prof`): the top self-time functions. */
export async function profile(ctx) {
  const { smoke } = ctx;
  const count = smoke ? 20 : 1000;
  const seconds = smoke ? 2 : 25;
  const fleet = await startFleet({ count });
  const dir = tempDir('profile');
  try {
    const config = writeConfig(dir, fleet.ports, { health: { interval_seconds: 1 }, top: { concurrency: 64 } });
    const env = sandboxEnv(dir);
    const profDir = join(dir, 'prof');
    mkdirSync(profDir);
    const nexus = await startNexus(ctx, config, env, ['--cpu-prof', '--cpu-prof-dir', profDir]);
    await sleep(seconds * 1000);
    await nexus.stop();
    const file = await waitFor(() => readdirSync(profDir).find((f) => f.endsWith('.cpuprofile')), 10_000, 'the .cpuprofile (written at exit)');
    const outDir = join(BENCH_DIR, 'out');
    mkdirSync(outDir, { recursive: true });
    const kept = join(outDir, `nexus-top${smoke ? '-smoke' : ''}.cpuprofile`);
    copyFileSync(join(profDir, file), kept);
    const summary = summariseProfile(kept, 10);
    return { ...summary, file: kept.slice(BENCH_DIR.length - 'bench'.length), count, seconds, mode: nexus.describe };
  } finally {
    await fleet.close();
  }
}
