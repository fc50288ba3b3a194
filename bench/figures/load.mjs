// Load scraping at scale: 200 vLLM-like loopback backends serving a 64 KB `/metrics`, asked every second
// (`[top] load_interval_seconds = 1`), against a bare undici loop fetching the same bodies on the same
// schedule and finding the same three numbers by a plain line scan (bench/baseline-scrape.mjs). The probe
// interval is an hour, so after the first round of probes the window holds scrapes only.
import { join } from 'node:path';
import { startFleet } from '../fleet.mjs';
import { BENCH_DIR, cpuMs, median, round, sandboxEnv, sleep, tempDir, writeConfig } from '../lib/util.mjs';
import { spawnDrained, startNexus } from './engine.mjs';
import { writeFileSync } from 'node:fs';

async function window(proc, fleet, { warmupMs, windowMs }) {
  await sleep(warmupMs);
  const c0 = cpuMs(proc.pid);
  const k0 = await fleet.counts();
  const t0 = performance.now();
  await sleep(windowMs);
  const c1 = cpuMs(proc.pid);
  const k1 = await fleet.counts();
  const scrapes = k1.scrapes - k0.scrapes;
  return { cpuMs: c1 - c0, scrapes, other: k1.served - k0.served - scrapes, connects: k1.connections - k0.connections, seconds: (performance.now() - t0) / 1000, usPerScrape: ((c1 - c0) * 1000) / Math.max(1, scrapes) };
}

export async function loadScrape(ctx) {
  if (!ctx.headless) return { skip: 'the build has no headless --events' };
  const { smoke } = ctx;
  const count = smoke ? 20 : 200;
  const plan = smoke ? { warmupMs: 1_500, windows: 2, windowMs: 1_000 } : { warmupMs: 8_000, windows: 3, windowMs: 20_000 };
  const fleet = await startFleet({ count, mode: 'vllm' });
  const dir = tempDir('load');
  try {
    const config = writeConfig(dir, fleet.ports, { type: 'vllm', health: { interval_seconds: 3600 }, top: { concurrency: 64, load_interval_seconds: 1 } });
    const env = sandboxEnv(dir);
    const planFile = join(dir, 'scrape-plan.json');
    writeFileSync(planFile, JSON.stringify({ urls: fleet.ports.map((p) => `http://127.0.0.1:${p}`), intervalMs: 1_000, concurrency: 64 }));
    const base = [];
    const nexus = [];
    const runBase = async () => {
      const p = spawnDrained([process.execPath, join(BENCH_DIR, 'baseline-scrape.mjs'), planFile], env);
      try {
        base.push(await window(p, fleet, plan));
      } finally {
        await p.stop();
      }
    };
    let describe = '';
    const runNexus = async () => {
      const p = await startNexus(ctx, config, env);
      describe = p.describe;
      try {
        nexus.push(await window(p, fleet, plan));
      } finally {
        await p.stop();
      }
    };
    ctx.log(`  ${plan.windows} rounds of (bare scrape loop, nexus-top), each fresh: ${count} vLLM-like backends, 64 KB /metrics at 1 s, warm-up ${plan.warmupMs / 1000} s + a ${plan.windowMs / 1000} s window`);
    for (let r = 0; r < plan.windows; r++) {
      if (r % 2 === 0) {
        await runBase();
        await runNexus();
      } else {
        await runNexus();
        await runBase();
      }
      const b = base.at(-1);
      const n = nexus.at(-1);
      ctx.log(`  round ${r + 1}: bare ${round(b.usPerScrape, 1)} µs/scrape (${b.scrapes}), nexus-top ${round(n.usPerScrape, 1)} µs/scrape (${n.scrapes} scrapes, ${n.other} other requests, ${n.connects} new connections)`);
    }
    const paired = nexus.map((w, i) => w.usPerScrape / base[i].usPerScrape);
    const expected = count * (plan.windowMs / 1000);
    const notes = [];
    const rate = median(nexus.map((w) => w.scrapes)) / expected;
    if (rate < 0.9) notes.push(`nexus-top made only ${Math.round(rate * 100)} % of the expected scrapes per window: it is falling behind the schedule`);
    const text = (ws) => ws.map((w) => `${round(w.usPerScrape, 1)} µs (${Math.round(w.cpuMs)} ms / ${w.scrapes} scrapes in ${round(w.seconds, 1)} s)`).join('; ');
    return {
      value: median(paired),
      measured: { cpu_per_scrape_us: round(median(nexus.map((w) => w.usPerScrape)), 1), paired_ratios: paired.map((x) => round(x, 3)), windows: nexus.map((w) => ({ cpu_ms: Math.round(w.cpuMs), scrapes: w.scrapes, other_requests: w.other, new_connections: w.connects, us_per_scrape: round(w.usPerScrape, 1) })), mode: describe },
      baseline: { cpu_per_scrape_us: round(median(base.map((w) => w.usPerScrape)), 1), windows: base.map((w) => ({ cpu_ms: Math.round(w.cpuMs), scrapes: w.scrapes, us_per_scrape: round(w.usPerScrape, 1) })) },
      notes,
      method: `${count} loopback vLLM-like backends (one fleet process, not counted) serving a ${Math.round(67_000 / 1024)} KB /metrics; nexus-top with load_interval_seconds = 1 and the probe interval at an hour (${describe}), the bare loop bench/baseline-scrape.mjs (undici, same headers and schedule, body as text, a line scan for the three gauges); utime+stime from /proc/<pid>/stat over a ${plan.windowMs / 1000} s window after ${plan.warmupMs / 1000} s, divided by the /metrics requests served in it; ${plan.windows} rounds, order alternating; the figure is the median of the per-round ratios (${paired.map((x) => round(x, 2)).join(', ')}). nexus-top: ${text(nexus)}. Bare loop: ${text(base)}.`,
    };
  } finally {
    await fleet.close();
  }
}
