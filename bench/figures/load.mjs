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

/**
 * Probe + Ollama load at the cpu figure's scale: 1000 Ollama-like loopback backends (fleet mode `ollama`:
 * the real `/api/tags` and `/api/ps` bodies), probe interval 1 s and `load_interval_seconds = 1`, against
 * bench/baseline-ps.mjs making the same two requests per backend per second and JSON-parsing both bodies.
 * CPU per backend-round: utime+stime ÷ (requests served ÷ 2), a round being one probe and one load reading.
 */
export async function cpuPs(ctx) {
  if (!ctx.headless) return { skip: 'the build has no headless --events' };
  const { smoke } = ctx;
  const count = smoke ? 20 : 1000;
  const plan = smoke ? { warmupMs: 1_500, windows: 2, windowMs: 1_000 } : { warmupMs: 10_000, windows: 3, windowMs: 20_000 };
  const fleet = await startFleet({ count, mode: 'ollama' });
  const dir = tempDir('cpu-ps');
  try {
    const config = writeConfig(dir, fleet.ports, { type: 'ollama', health: { interval_seconds: 1 }, top: { concurrency: 64, load_interval_seconds: 1 } });
    const env = sandboxEnv(dir);
    const planFile = join(dir, 'ps-plan.json');
    writeFileSync(planFile, JSON.stringify({ urls: fleet.ports.map((p) => `http://127.0.0.1:${p}`), intervalMs: 1_000, concurrency: 64 }));
    const perRound = (w) => ({ ...w, probes: w.other, rounds: (w.scrapes + w.other) / 2, usPerRound: (w.cpuMs * 1000 * 2) / Math.max(1, w.scrapes + w.other) });
    const base = [];
    const nexus = [];
    const runBase = async () => {
      const p = spawnDrained([process.execPath, join(BENCH_DIR, 'baseline-ps.mjs'), planFile], env);
      try {
        base.push(perRound(await window(p, fleet, plan)));
      } finally {
        await p.stop();
      }
    };
    let describe = '';
    const runNexus = async () => {
      const p = await startNexus(ctx, config, env);
      describe = p.describe;
      try {
        nexus.push(perRound(await window(p, fleet, plan)));
      } finally {
        await p.stop();
      }
    };
    ctx.log(`  ${plan.windows} rounds of (bare loop, nexus-top), each fresh: ${count} Ollama-like backends, /api/tags + /api/ps at 1 s, warm-up ${plan.warmupMs / 1000} s + a ${plan.windowMs / 1000} s window`);
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
      ctx.log(`  round ${r + 1}: bare ${round(b.usPerRound, 1)} µs/round (${b.probes} tags + ${b.scrapes} ps), nexus-top ${round(n.usPerRound, 1)} µs/round (${n.probes} tags + ${n.scrapes} ps, ${n.connects} new connections)`);
    }
    const paired = nexus.map((w, i) => w.usPerRound / base[i].usPerRound);
    const expected = count * (plan.windowMs / 1000);
    const notes = [];
    const probeRate = median(nexus.map((w) => w.probes)) / expected;
    const psRate = median(nexus.map((w) => w.scrapes)) / expected;
    if (probeRate < 0.9) notes.push(`nexus-top made only ${Math.round(probeRate * 100)} % of the expected probes per window: it is falling behind the schedule`);
    if (psRate < 0.9) notes.push(`nexus-top made only ${Math.round(psRate * 100)} % of the expected /api/ps requests per window: load is falling behind its schedule`);
    const reconnects = median(nexus.map((w) => w.connects));
    if (reconnects > 0.01 * expected) notes.push(`nexus-top opened ${reconnects} new connections per window: keep-alive connections are not being reused`);
    const text = (ws) => ws.map((w) => `${round(w.usPerRound, 1)} µs (${Math.round(w.cpuMs)} ms / ${w.probes} /api/tags + ${w.scrapes} /api/ps in ${round(w.seconds, 1)} s)`).join('; ');
    const windows = (ws) => ws.map((w) => ({ cpu_ms: Math.round(w.cpuMs), probes: w.probes, ps_requests: w.scrapes, new_connections: w.connects, seconds: round(w.seconds, 2), us_per_round: round(w.usPerRound, 1) }));
    return {
      value: median(paired),
      measured: { cpu_per_round_us: round(median(nexus.map((w) => w.usPerRound)), 1), paired_ratios: paired.map((x) => round(x, 3)), windows: windows(nexus), mode: describe },
      baseline: { cpu_per_round_us: round(median(base.map((w) => w.usPerRound)), 1), windows: windows(base) },
      notes,
      method: `${count} loopback Ollama-like backends (one fleet process, not counted) answering the recorded /api/tags and /api/ps bodies of fixtures/wire/ollama/; nexus-top with type ollama, interval 1 s, load_interval_seconds = 1, concurrency 64 (${describe}); the bare loop bench/baseline-ps.mjs (undici, same headers, /api/tags and /api/ps each on an evenly spread 1 s schedule, both bodies JSON.parse'd); utime+stime from /proc/<pid>/stat over a ${plan.windowMs / 1000} s window after ${plan.warmupMs / 1000} s, divided by the backend-rounds in it (requests served ÷ 2: one probe and one load reading each); ${plan.windows} rounds, order alternating; the figure is the median of the per-round ratios (${paired.map((x) => round(x, 2)).join(', ')}). nexus-top: ${text(nexus)}. Bare loop: ${text(base)}.`,
    };
  } finally {
    await fleet.close();
  }
}
