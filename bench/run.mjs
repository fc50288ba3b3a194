#!/usr/bin/env node
// nexus-top's performance budgets, measured on the BUILT binary (dist/cli.js) as a user runs it.
// Every figure is a ratio against a baseline measured in the same run on the same machine.
//
//   node bench/run.mjs                    every figure, budgets enforced (exit 1 on a miss), ~15 min with the soak
//   node bench/run.mjs --no-soak          the same without the 10-minute soak
//   node bench/run.mjs cpu rss            only these figures (results go to bench/out/partial/)
//   node bench/run.mjs --smoke            every figure tiny and fast, no budgets (CI: exit 0 unless the harness breaks)
//
// See bench/README.md.
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { cpu, profile, rss } from './figures/engine.mjs';
import { death, soak } from './figures/health.mjs';
import { cpuPs, loadScrape } from './figures/load.mjs';
import { once, profileStartup, ttff } from './figures/startup.mjs';
import { bytesFlip, bytesSteady } from './figures/terminal.mjs';
import { BENCH_DIR, ROOT, machine, removeTempDirs, round, runInterruptCleanups, snapshotBuild } from './lib/util.mjs';

const FIGURES = [
  { id: 'ttff', title: 'time to the table on screen, 10 backends, tmux', baseline: '`node -e` printing one line, same tmux', budget: 2, run: ttff },
  { id: 'once', title: '`--once --json`, 10 backends', baseline: '`node -e 0`', budget: 3, run: once },
  { id: 'cpu', title: 'CPU per probe, 1000 backends at 1 s', baseline: 'bare undici loop, same schedule', budget: 1.3, run: cpu, engine: true },
  { id: 'rss', title: 'RSS, 1000 backends after warm-up', baseline: 'bare undici loop, same connections', budget: 1.2, run: rss, engine: true },
  { id: 'bytes-steady', title: 'terminal bytes per round, 50 steady backends, from the first round, 160×50 and 120×60', baseline: 'full redraw of the screen', budget: 0.2, run: bytesSteady },
  { id: 'bytes-flip', title: 'terminal bytes per round, every status flipping', baseline: 'full redraw of the screen', budget: 0.4, run: bytesFlip },
  { id: 'death', title: 'death → UNHEALTHY on `--events` (10 s, fall 3, fast 1 s)', baseline: 'interval × fall', budget: 0.4, run: death },
  { id: 'load-scrape', title: 'CPU per load scrape, 200 vLLM-like backends, 64 KB /metrics at 1 s', baseline: 'bare undici loop, same bodies, plain line scan', budget: 1.3, run: loadScrape },
  { id: 'cpu-ps', title: 'CPU per backend-round (probe + load), 1000 Ollama-like backends, /api/tags + /api/ps at 1 s', baseline: 'bare undici loop, the same two requests, both bodies JSON-parsed', budget: 1.3, run: cpuPs },
  { id: 'soak', title: 'RSS growth, 10-min soak, 200 flapping backends', baseline: 'RSS after the first minute', budget: 1.1, run: soak },
];
const ALIASES = { bytes: ['bytes-steady', 'bytes-flip'], engine: ['cpu', 'rss'], startup: ['ttff', 'once'] };

function usage() {
  return `usage: node bench/run.mjs [FIGURE...] [--smoke] [--no-soak] [--soak-minutes N] [--soak-mode dashboard|events]
                         [--no-profile] [--runs N] [--out DIR] [--dist DIR]
figures: ${FIGURES.map((f) => f.id).join(' ')} profile  (groups: ${Object.keys(ALIASES).join(' ')}); default: all
`;
}

function parse(argv) {
  const o = { smoke: false, soak: true, profile: true, soakMinutes: 10, soakMode: 'dashboard', runs: undefined, out: undefined, figures: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--smoke') o.smoke = true;
    else if (a === '--no-soak') o.soak = false;
    else if (a === '--soak') o.soak = true;
    else if (a === '--no-profile') o.profile = false;
    else if (a === '--soak-minutes') o.soakMinutes = Number(value());
    else if (a === '--soak-mode') o.soakMode = value();
    else if (a === '--runs') o.runs = Number(value());
    else if (a === '--out') o.out = value();
    else if (a === '--dist') o.dist = resolve(value());
    else if (a === '-h' || a === '--help') o.help = true;
    else if (a.startsWith('-')) throw new Error(`unknown option ${a}`);
    else if (ALIASES[a]) o.figures.push(...ALIASES[a]);
    else if (a === 'profile' || FIGURES.some((f) => f.id === a)) o.figures.push(a);
    else throw new Error(`unknown figure ${a}`);
  }
  if (!(o.soakMinutes > 0)) throw new Error('--soak-minutes must be > 0');
  if (o.runs !== undefined && !(Number.isInteger(o.runs) && o.runs > 0)) throw new Error('--runs must be a positive integer');
  if (!['dashboard', 'events'].includes(o.soakMode)) throw new Error('--soak-mode is dashboard or events');
  return o;
}

const fmtRatio = (x) => (Number.isFinite(x) ? `${x >= 10 ? x.toFixed(1) : x.toFixed(3)}×` : String(x));
const budgetText = (f) => (f.id === 'soak' ? `≤ ${fmtRatio(f.budget)} (+10 %)` : `≤ ${fmtRatio(f.budget)}`);

function headline(r) {
  const m = r.measured ?? {};
  const b = r.baseline ?? {};
  switch (r.id) {
    case 'ttff':
    case 'once':
      return `${m.median_ms} ms vs ${b.median_ms} ms`;
    case 'cpu':
      return `${m.cpu_per_probe_us} µs/probe vs ${b.cpu_per_probe_us} µs/probe`;
    case 'rss':
      return `${m.rss} vs ${b.rss}`;
    case 'load-scrape':
      return `${m.cpu_per_scrape_us} µs/scrape vs ${b.cpu_per_scrape_us} µs/scrape`;
    case 'cpu-ps':
      return `${m.cpu_per_round_us} µs/round vs ${b.cpu_per_round_us} µs/round`;
    case 'bytes-steady':
    case 'bytes-flip':
      return `${m.bytes_per_round} B/round vs ${b.full_frame_bytes} B/frame`;
    case 'death':
      return `worst ${round(m.worst_ms / 1000, 2)} s (median ${round(m.median_ms / 1000, 2)} s) vs ${b.interval_x_fall_ms / 1000} s; budget ${b.budget_ms / 1000} s`;
    case 'soak':
      return `${m.end_rss} at the end vs ${b.ref_rss} at ${b.at_s} s (peak ${m.peak_rss})`;
    default:
      return '';
  }
}

function statusWord(r) {
  return { pass: 'PASS', fail: 'FAIL', skip: 'SKIP', info: 'INFO', ran: 'ran', error: 'ERROR', 'not run': 'not run' }[r.status] ?? r.status;
}

function markdown({ opts, build, results, prof, env, started, finished, previous, analysis }) {
  const L = [];
  const title = opts.smoke ? 'nexus-top benchmarks (smoke run: tiny sizes, no budgets)' : 'nexus-top benchmarks';
  L.push(`# ${title}`, '');
  L.push(
    `Generated by \`node bench/run.mjs${process.argv.slice(2).length ? ` ${process.argv.slice(2).join(' ')}` : ''}\` on ${started.toISOString()} (${round((finished - started) / 60_000, 1)} min), against the built \`dist/cli.js\` (nexus-top ${build.version}, built ${build.mtime}, sha256 ${build.sha256.slice(0, 12)}). Every figure is a ratio against a baseline measured in the same run on this machine; the budgets are the product's targets.`,
    '',
  );
  L.push('| figure | measured vs baseline | ratio | budget | result |', '|---|---|---|---|---|');
  for (const r of results) {
    const f = FIGURES.find((x) => x.id === r.id);
    const ratio = r.status === 'skip' || r.status === 'not run' || r.status === 'error' ? '–' : fmtRatio(r.value);
    const what = r.status === 'skip' || r.status === 'not run' ? r.reason : r.status === 'error' ? `harness error: ${r.error}` : headline(r);
    L.push(`| **${r.id}**: ${f.title} (baseline: ${f.baseline}) | ${what} | ${ratio} | ${budgetText({ ...f, budget: r.budget ?? f.budget })} | ${statusWord(r)} |`);
  }
  L.push('');
  L.push('PASS/FAIL: the ratio against its budget. INFO: measured, but not in the way the budget is defined (see the notes), so not judged. SKIP: the build lacks what the figure needs.', '');
  const notes = results.flatMap((r) => (r.notes ?? []).map((n) => `- **${r.id}**: ${n}`));
  if (notes.length) L.push('## Notes', '', ...notes, '');
  // A hand-written analysis between these markers survives regeneration (dated by whoever wrote it).
  if (analysis) L.push('<!-- analysis:start -->', analysis, '<!-- analysis:end -->', '');
  L.push('## Machine', '');
  L.push(`- CPUs: ${env.nproc} × ${env.cpu}`, `- Node ${env.node}, ${env.kernel}`, `- load average at start ${env.loadavg}, at the end ${env.loadavgEnd}`, '- memory (`free -h`):', '', '```', env.memory, '```', '');
  L.push('## What each figure measured', '');
  for (const r of results) {
    if (!r.method) continue;
    L.push(`- **${r.id}** (${round(r.seconds, 0)} s): ${r.method}`);
  }
  L.push('');
  const profBlock = (heading, p) => {
    const B = [`### ${heading}`, ''];
    B.push(
      `\`node --cpu-prof\` of nexus-top (${p.mode}) on ${p.count} loopback backends at 1 s for ${p.seconds} s; ${p.totalMs} ms of CPU sampled over ${p.durationMs} ms (idle excluded). Minified names mapped back through the bundle's source maps. Profile: \`${p.file}\` (open in Chrome DevTools → Performance).`,
      '',
    );
    B.push('| # | function (original name, minified) | source | self ms | self % |', '|---|---|---|---|---|');
    p.functions.forEach((fn, i) => B.push(`| ${i + 1} | \`${fn.name.replace(/\|/g, '\\|')}\` | ${fn.where || '–'} | ${fn.selfMs} | ${fn.percent} |`));
    B.push('', 'By package / source folder:', '', '| where | self ms | self % |', '|---|---|---|');
    for (const g of p.byGroup) B.push(`| ${g.group} | ${g.selfMs} | ${g.percent} |`);
    if (p.ownInclusive?.length) {
      B.push('', "nexus-top's own functions by total time (with everything they call):", '', '| function | source | total ms | total % |', '|---|---|---|---|');
      for (const fn of p.ownInclusive) B.push(`| \`${fn.name.replace(/\|/g, '\\|')}\` | ${fn.where} | ${fn.totalMs} | ${fn.percent} |`);
    }
    B.push('');
    return B.join('\n');
  };
  if (prof || previous) {
    L.push('## CPU profile', '');
    if (previous) L.push('<!-- profile-before:start -->', previous, '<!-- profile-before:end -->', '');
    if (prof && !prof.error) {
      const block = profBlock(previous ? `latest (${started.toISOString().slice(0, 10)})` : `before (${started.toISOString().slice(0, 10)}): the baseline for the optimisation work`, prof);
      L.push(previous ? block : `<!-- profile-before:start -->\n${block}\n<!-- profile-before:end -->`, '');
    } else if (prof?.error) L.push(`Profile failed: ${prof.error}`, '');
  }
  if (prof?.startup) {
    L.push('## Start-up profiles', '');
    L.push('`node --cpu-prof --cpu-prof-interval 100` (µs), 10 loopback backends: the whole `--once --json` run, and the dashboard from start to its table on screen (in tmux; then SIGTERM). Self time by package, then the top functions.', '');
    for (const [k, p] of Object.entries(prof.startup)) {
      L.push(`### ${k === 'once' ? '`--once --json`' : 'dashboard to the table on screen'}: ${p.totalMs} ms of CPU sampled`, '');
      L.push('| where | self ms | self % |', '|---|---|---|');
      for (const g of p.byGroup) L.push(`| ${g.group} | ${g.selfMs} | ${g.percent} |`);
      L.push('', '| # | function | source | self ms | self % |', '|---|---|---|---|---|');
      p.functions.forEach((fn, i) => L.push(`| ${i + 1} | \`${fn.name.replace(/\|/g, '\\|')}\` | ${fn.where || '–'} | ${fn.selfMs} | ${fn.percent} |`));
      L.push('');
    }
  }
  L.push('## Running it', '');
  L.push(
    '- `npm run bench`: build, then every figure with budgets (exit 1 when one is missed); writes `bench/RESULTS.md` and `bench/results.json`. `--no-soak` leaves out the 10-minute soak, `--soak-minutes N` shortens it.',
    '- `node bench/run.mjs cpu rss`: only some figures (written to `bench/out/partial/`).',
    '- `npm run bench:smoke`: every figure with tiny sizes in well under a minute, no budgets (exit 0 unless the harness breaks); written to `bench/out/smoke/`.',
    '',
  );
  return L.join('\n');
}

async function main() {
  let opts;
  try {
    opts = parse(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`bench: ${err.message}\n${usage()}`);
    return 2;
  }
  if (opts.help) {
    process.stdout.write(usage());
    return 0;
  }
  const started = new Date();
  const env = machine();
  const build = snapshotBuild(opts.dist);
  const cliFile = join(opts.dist ?? join(ROOT, 'dist'), 'cli.js');
  build.mtime = statSync(cliFile).mtime.toISOString();
  const explicit = opts.figures.length > 0;
  const selected = new Set(explicit ? opts.figures : [...FIGURES.map((f) => f.id), ...(opts.profile ? ['profile'] : [])]);
  if (!explicit && !opts.soak) selected.delete('soak');
  const log = (line) => process.stdout.write(`${line}\n`);
  log(`nexus-top ${build.version} (dist/cli.js built ${build.mtime}) · ${env.nproc} CPUs · node ${env.node} · load ${env.loadavg}${opts.smoke ? ' · SMOKE (tiny sizes, no budgets)' : ''}`);
  log(build.hasEvents ? 'headless mode: --events' : 'headless mode: none (`--help` lists no --events): cpu/rss measure the dashboard in a pty (not judged); death is skipped');
  const ctx = { build, smoke: opts.smoke, runs: opts.runs, soakMinutes: opts.soakMinutes, soakMode: opts.soakMode, selected, cache: {}, log, headless: build.hasEvents };
  const results = [];
  for (const f of FIGURES) {
    if (!selected.has(f.id)) {
      if (!explicit && f.id === 'soak') results.push({ id: f.id, status: 'not run', reason: 'left out (--no-soak)', budget: f.budget });
      continue;
    }
    log(`\n${f.id}: ${f.title}…`);
    const t0 = performance.now();
    let r;
    try {
      const out = await f.run(ctx);
      if (out.skip) r = { id: f.id, status: 'skip', reason: out.skip, budget: f.budget };
      else {
        r = { id: f.id, ...out, budget: out.budget ?? f.budget };
        if (opts.smoke) r.status = 'ran';
        else if (f.engine && !build.hasEvents) {
          r.status = 'info';
          r.notes = [...(r.notes ?? []), 'measured on the dashboard (the build has no headless `--events` yet), which also renders; the budget is for the headless engine, so it is not judged. A pass here would be conclusive, a miss is not.'];
        } else r.status = r.value <= r.budget ? 'pass' : 'fail';
      }
    } catch (err) {
      r = { id: f.id, status: 'error', error: String(err?.message ?? err).split('\n')[0], stack: String(err?.stack ?? err), budget: f.budget };
    }
    r.seconds = (performance.now() - t0) / 1000;
    results.push(r);
    if (r.status === 'skip') log(`  SKIP: ${r.reason}`);
    else if (r.status === 'error') log(`  ERROR: ${r.stack}`);
    else log(`  ${fmtRatio(r.value)}  budget ${budgetText({ ...f, budget: r.budget })}  ${statusWord(r)}   ${headline(r)}  (${round(r.seconds, 1)} s)`);
  }
  let prof;
  if (selected.has('profile')) {
    log('\nprofile: node --cpu-prof of the CPU case…');
    try {
      prof = await profile(ctx);
      log(`  top self time: ${prof.functions.slice(0, 5).map((f) => `${f.name} ${f.percent}%`).join(', ')}  (${prof.file})`);
      log('profile: start-up (--once --json, and the dashboard to its table on screen)…');
      prof.startup = await profileStartup(ctx);
      for (const [k, p] of Object.entries(prof.startup)) log(`  ${k}: ${p.totalMs} ms CPU; by package: ${p.byGroup.slice(0, 4).map((g) => `${g.group} ${g.percent}%`).join(', ')}`);
    } catch (err) {
      prof = { error: String(err?.message ?? err).split('\n')[0] };
      log(`  ERROR: ${err?.stack ?? err}`);
    }
  }
  const finished = new Date();
  env.loadavgEnd = machine().loadavg;

  // Where the results go: a full run updates bench/RESULTS.md; smoke and partial runs never overwrite it.
  // --dist (another build) never writes bench/RESULTS.md either.
  const outDir = opts.out ?? (opts.smoke ? join(BENCH_DIR, 'out', 'smoke') : explicit || opts.dist ? join(BENCH_DIR, 'out', 'partial') : BENCH_DIR);
  mkdirSync(outDir, { recursive: true });
  const mdFile = join(outDir, 'RESULTS.md');
  let previous;
  let analysis;
  if (existsSync(mdFile)) {
    const old = readFileSync(mdFile, 'utf8');
    previous = /<!-- profile-before:start -->\n([\s\S]*?)\n<!-- profile-before:end -->/.exec(old)?.[1];
    analysis = /<!-- analysis:start -->\n([\s\S]*?)\n<!-- analysis:end -->/.exec(old)?.[1];
  }
  writeFileSync(mdFile, markdown({ opts, build, results, prof, env, started, finished, previous, analysis }));
  const json = {
    generated_at: started.toISOString(),
    duration_s: round((finished - started) / 1000, 1),
    smoke: opts.smoke,
    machine: env,
    build: { version: build.version, built_at: build.mtime, sha256: build.sha256, headless_events: build.hasEvents },
    figures: results.map((r) => {
      const f = FIGURES.find((x) => x.id === r.id);
      const { stack, ...rest } = r;
      return { ...rest, title: f.title, baseline_is: f.baseline, ratio: Number.isFinite(r.value) ? round(r.value, 4) : (r.value ?? null), value: undefined };
    }),
    profile: prof ?? null,
  };
  writeFileSync(join(outDir, 'results.json'), `${JSON.stringify(json, (k, v) => (v === Infinity ? 'Infinity' : v), 2)}\n`);

  log('\n| figure | ratio | budget | result |');
  for (const r of results) {
    const f = FIGURES.find((x) => x.id === r.id);
    log(`| ${r.id.padEnd(12)} | ${(r.status === 'skip' || r.status === 'error' || r.status === 'not run' ? '–' : fmtRatio(r.value)).padStart(8)} | ${budgetText({ ...f, budget: r.budget }).padEnd(16)} | ${statusWord(r)} |`);
  }
  log(`\nwrote ${relative(process.cwd(), mdFile) || mdFile} and results.json (${round((finished - started) / 1000, 0)} s)`);
  if (results.some((r) => r.status === 'error') || prof?.error) return 2;
  if (!opts.smoke && results.some((r) => r.status === 'fail')) return 1;
  return 0;
}

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    process.stderr.write(`\nbench: ${signal}: stopping what it started\n`);
    runInterruptCleanups();
    removeTempDirs();
    process.exit(130);
  });
}

let code = 70;
try {
  code = await main();
} catch (err) {
  process.stderr.write(`bench: ${err?.stack ?? err}\n`);
} finally {
  removeTempDirs();
}
process.exit(code);
