// Detection time (a backend dies → its `status` event to unhealthy on `--events`) and the RSS soak.
import { spawn } from 'node:child_process';
import { startFleet } from '../fleet.mjs';
import { runInPty } from '../lib/pty.mjs';
import { backendName, onInterrupt, cpuMs, findNodePid, fmtBytes, median, round, rssBytes, sandboxEnv, sleep, tempDir, waitFor, writeConfig } from '../lib/util.mjs';

/** Parse one NDJSON line of `--events`, tolerating spelling variants: { type, backend, to }. */
function eventOf(line) {
  try {
    const e = JSON.parse(line);
    return { type: e.type ?? e.event, backend: e.backend ?? e.name, to: e.to ?? e.status };
  } catch {
    return null;
  }
}

export async function death(ctx) {
  const { build, smoke } = ctx;
  if (!ctx.build.hasEvents) return { skip: '`node dist/cli.js --help` lists no `--events` (headless NDJSON events): nothing to time the status change on' };
  const interval = smoke ? 2 : 10;
  const fast = smoke ? 0.5 : 1;
  const fall = 3;
  const deaths = smoke ? 2 : 6;
  const count = 10;
  const fleet = await startFleet({ count });
  const dir = tempDir('death');
  try {
    const config = writeConfig(dir, fleet.ports, {
      health: { interval_seconds: interval, timeout_seconds: 2, failure_threshold: fall, recovery_threshold: 2 },
      top: { fast_interval_seconds: fast },
    });
    const child = spawn(process.execPath, [build.cli, '--config', config, '--events'], { env: sandboxEnv(dir), stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr = (stderr + d).slice(-2000)));
    const unhealthyAt = new Map();
    let buf = '';
    let events = 0;
    child.stdout.setEncoding('utf8').on('data', (d) => {
      const now = Date.now();
      buf += d;
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const e = eventOf(buf.slice(0, nl));
        buf = buf.slice(nl + 1);
        if (!e) continue;
        events++;
        if (e.type === 'status' && e.to === 'unhealthy' && !unhealthyAt.has(e.backend)) unhealthyAt.set(e.backend, now);
      }
    });
    const exited = new Promise((r) => child.once('close', r));
    exited.then(onInterrupt(() => child.kill('SIGKILL')));
    try {
      // First probes are spread over min(interval, 1 s); give every backend time to be healthy.
      await sleep(smoke ? 1_500 : 2_500);
      if (child.exitCode !== null) throw new Error(`--events exited ${child.exitCode}: ${stderr.trim()}`);
      // Deaths spread over one interval, each at a random point of its own slice: every phase of the schedule.
      const killedAt = new Map();
      const t0 = Date.now();
      for (let i = 0; i < deaths; i++) {
        const due = t0 + ((i + Math.random()) * interval * 1000) / deaths;
        await sleep(Math.max(0, due - Date.now()));
        killedAt.set(backendName(i), await fleet.kill(i));
      }
      const limitMs = (interval * fall + 5) * 1000;
      await waitFor(() => [...killedAt.keys()].every((n) => unhealthyAt.has(n)) || Date.now() - t0 > limitMs + interval * 1000, limitMs + interval * 1000 + 1_000, 'the unhealthy events');
      const delays = [...killedAt.entries()].map(([n, at]) => (unhealthyAt.has(n) ? unhealthyAt.get(n) - at : NaN));
      const missing = delays.filter((d) => !Number.isFinite(d)).length;
      const worst = missing > 0 ? Infinity : Math.max(...delays);
      const budgetMs = (interval + 2 * fast) * 1000;
      const baseMs = interval * fall * 1000;
      const falsePositives = [...unhealthyAt.keys()].filter((n) => !killedAt.has(n));
      return {
        value: worst / baseMs,
        budget: budgetMs / baseMs,
        measured: { worst_ms: worst, median_ms: round(median(delays), 0), delays_ms: delays, missing, events },
        baseline: { interval_x_fall_ms: baseMs, budget_ms: budgetMs },
        notes: falsePositives.length ? [`backends reported unhealthy that were never killed: ${falsePositives.join(', ')}`] : [],
        method: `\`--events\` on ${count} loopback backends, interval ${interval} s, failure_threshold ${fall}, fast_interval ${fast} s; ${deaths} backends killed (port closed, connections dropped) at random points spread over one interval; time from the kill to the arrival of its \`status\` event with \`to: "unhealthy"\`; the figure is the worst (the budget is a bound): ${round(worst / 1000, 2)} s, median ${round(median(delays) / 1000, 2)} s; ratio to interval × fall = ${baseMs / 1000} s; budget interval + 2 × fast = ${budgetMs / 1000} s.`,
      };
    } finally {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
  } finally {
    await fleet.close();
  }
}

export async function soak(ctx) {
  const { build, smoke } = ctx;
  const totalMs = smoke ? 10_000 : Math.round((ctx.soakMinutes ?? 10) * 60_000);
  const everyMs = smoke ? 1_000 : 10_000;
  const refAtMs = smoke ? 4_000 : Math.min(60_000, totalMs / 3);
  const count = 200;
  const flapMs = smoke ? 1_000 : 4_000;
  const fleet = await startFleet({ count, mode: 'flap', flapMs });
  const dir = tempDir('soak');
  const headless = ctx.soakMode === 'events' && build.hasEvents;
  try {
    const config = writeConfig(dir, fleet.ports, { health: { interval_seconds: 1, failure_threshold: 3, recovery_threshold: 2 }, top: { fast_interval_seconds: 1 } });
    const env = sandboxEnv(dir);
    let pid;
    let stop;
    let describe;
    if (headless) {
      const child = spawn(process.execPath, [build.cli, '--config', config, '--events'], { env, stdio: ['ignore', 'pipe', 'ignore'] });
      child.stdout.resume();
      pid = child.pid;
      const exited = new Promise((r) => child.once('close', r));
      exited.then(onInterrupt(() => child.kill('SIGKILL')));
      stop = async () => {
        child.kill('SIGTERM');
        const t = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(t);
      };
      describe = 'headless `--events`';
    } else {
      const pty = runInPty({ argv: [process.execPath, build.cli, '--config', config], env, cols: 120, rows: 40 });
      pid = await waitFor(() => findNodePid(pty.child.pid), 10_000, 'the nexus-top process in the pty');
      stop = () => pty.stop('SIGTERM', 5_000);
      describe = 'the dashboard in a `script` pty 120×40';
    }
    const samples = [];
    const t0 = Date.now();
    const c0 = cpuMs(pid);
    let cpuUsed = NaN;
    try {
      for (let t = everyMs; t <= totalMs; t += everyMs) {
        await sleep(Math.max(0, t0 + t - Date.now()));
        samples.push({ t_s: t / 1000, rss: rssBytes(pid) });
        if (!smoke && t % 60_000 === 0) ctx.log(`  soak ${t / 60_000} min: RSS ${fmtBytes(samples.at(-1).rss)}`);
      }
    } finally {
      cpuUsed = cpuMs(pid) - c0;
      await stop();
    }
    // "After the first minute": the median of the samples within one sampling step of it (GC sawtooth).
    const ref = median(samples.filter((s) => Math.abs(s.t_s * 1000 - refAtMs) <= everyMs).map((s) => s.rss));
    const end = median(samples.slice(-3).map((s) => s.rss));
    const peak = Math.max(...samples.map((s) => s.rss));
    return {
      value: end / ref,
      measured: { end_rss_bytes: end, end_rss: fmtBytes(end), peak_rss: fmtBytes(peak), cpu_percent: round((100 * cpuUsed) / totalMs, 1), samples: samples.map((s) => [s.t_s, s.rss]) },
      baseline: { ref_rss_bytes: ref, ref_rss: fmtBytes(ref), at_s: refAtMs / 1000 },
      method: `nexus-top (${describe}) on ${count} flapping loopback backends (each up ${flapMs / 1000} s then down ${flapMs / 1000} s at its own phase; down is a 500 for half of them and a dropped connection for the others), interval 1 s, thresholds 3/2, fast 1 s, for ${round(totalMs / 60_000, 2)} min; VmRSS every ${everyMs / 1000} s. Reference: median of the samples within ${everyMs / 1000} s of ${refAtMs / 1000} s (${fmtBytes(ref)}); end: median of the last 3 samples (${fmtBytes(end)}); peak ${fmtBytes(peak)}.`,
    };
  } finally {
    await fleet.close();
  }
}
