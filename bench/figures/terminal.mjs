// Bytes written to the terminal per probe round, against the size of the same screen drawn in full.
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startFleet } from '../fleet.mjs';
import { Tmux } from '../lib/pty.mjs';
import { fmtBytes, median, round, sandboxEnv, sleep, tempDir, writeConfig } from '../lib/util.mjs';

/**
 * Terminal sizes: 120×60 (50 rows of backends + header, column titles, footer all fit: the whole fleet is on
 * screen) and 160×50 (a wide strip of HISTORY, the table scrolled). The steady figure is judged at both.
 */
const WIDE = { cols: 160, rows: 50 };
const TALL = { cols: 120, rows: 60 };

const fileSize = (f) => (existsSync(f) ? statSync(f).size : 0);

/** What the recorded bytes are made of: frames (synchronized updates), cursor movement, colour escapes, text. */
function anatomy(bytes, seconds) {
  const s = bytes.toString('latin1');
  const sum = (re) => (s.match(re) ?? []).reduce((n, m) => n + m.length, 0);
  const frames = (s.match(/\u001b\[\?2026h/g) ?? []).length;
  const cursor = sum(/\u001b\[\d*(?:;\d+)?[ABCDEFGH]/g);
  const erase = sum(/\u001b\[\d*[JK]/g);
  const sgr = sum(/\u001b\[[\d;]*m/g);
  const sync = sum(/\u001b\[\?2026[hl]/g);
  const total = bytes.length;
  const per = (n) => Math.round(n / seconds);
  return { frames_per_round: Math.round((10 * frames) / seconds) / 10, cursor_movement: per(cursor), erase: per(erase), colour: per(sgr), sync_markers: per(sync), text_and_other: per(total - cursor - erase - sgr - sync) };
}

/** One run of the dashboard in tmux at `size`: bytes per round in each window, against the full screen. */
async function runAt(ctx, { mode, size, plan }) {
  const { build } = ctx;
  const count = 50;
  const fleet = await startFleet({ count, mode: mode === 'flip' ? 'flip' : 'steady' });
  const dir = tempDir(`bytes-${mode}-${size.cols}x${size.rows}`);
  const tmux = new Tmux(size);
  try {
    const thresholds = mode === 'flip' ? { failure_threshold: 1, recovery_threshold: 1 } : {};
    const config = writeConfig(dir, fleet.ports, { health: { interval_seconds: 1, ...thresholds } });
    await tmux.start({ argv: [process.execPath, build.cli, '--config', config], env: sandboxEnv(dir) });
    const deadline = Date.now() + 15_000;
    let screen = '';
    while (!screen.includes(`${count} backends`)) {
      if (Date.now() > deadline) throw new Error(`the dashboard did not show "${count} backends" in 15 s; screen:\n${screen}`);
      await sleep(100);
      screen = await tmux.capture();
    }
    await sleep(plan.warmupMs);
    const log = join(dir, 'pane.log');
    writeFileSync(log, '');
    await tmux.pipeTo(log);
    await sleep(300);
    const perRound = [];
    const frames = [];
    const served = [];
    const screens = [];
    for (let w = 0; w < plan.windows; w++) {
      const b0 = fileSize(log);
      const s0 = await fleet.served();
      const t0 = performance.now();
      await sleep(plan.windowMs);
      const b1 = fileSize(log);
      const s1 = await fleet.served();
      const seconds = (performance.now() - t0) / 1000;
      // Interval 1 s: one probe round per second.
      perRound.push((b1 - b0) / seconds);
      served.push((s1 - s0) / seconds);
      const full = await tmux.capture({ escapes: true });
      frames.push(Buffer.byteLength(full.replace(/\n/g, '\r\n')));
      screens.push(await tmux.capture());
    }
    await tmux.stopPipe();
    const recorded = readFileSync(log);
    const split = anatomy(recorded, (plan.windows * plan.windowMs) / 1000 + 0.3);
    const last = screens.at(-1);
    const summary = /(\d+) backends.*$/m.exec(last)?.[0]?.replace(/\s+/g, ' ') ?? '?';
    if (mode === 'steady' && !/\b50 healthy\b/.test(last)) throw new Error(`steady fleet not all healthy:\n${last}`);
    const ratios = perRound.map((b, i) => b / frames[i]);
    return { size, perRound, frames, ratios, served, split, summary };
  } finally {
    await tmux.kill();
    await fleet.close();
  }
}

/**
 * Steady: measured from the first round the dashboard shows, while every row's HISTORY strip grows by a cell
 * a round and SINCE ticks each second (the minutes when a line renderer rewrites every row every round),
 * judged by the worst window at either size. Flip: every row changes status every round, the median window.
 */
async function bytesPerRound(ctx, { mode }) {
  const { smoke } = ctx;
  const plan = smoke ? { warmupMs: 0, windows: 2, windowMs: 1_000 } : mode === 'steady' ? { warmupMs: 0, windows: 6, windowMs: 10_000 } : { warmupMs: 6_000, windows: 5, windowMs: 5_000 };
  const sizes = mode === 'steady' ? [WIDE, TALL] : [TALL];
  const runs = [];
  for (const size of sizes) runs.push(await runAt(ctx, { mode, size, plan }));
  const judged = (r) => (mode === 'steady' ? Math.max(...r.ratios) : median(r.ratios));
  const worst = runs.reduce((a, r) => (judged(r) >= judged(a) ? r : a));
  const b = mode === 'steady' ? worst.perRound[worst.ratios.indexOf(Math.max(...worst.ratios))] : median(worst.perRound);
  const f = mode === 'steady' ? worst.frames[worst.ratios.indexOf(Math.max(...worst.ratios))] : median(worst.frames);
  const at = (r) => `${r.size.cols}×${r.size.rows}`;
  return {
    value: judged(worst),
    measured: {
      bytes_per_round: Math.round(b),
      at: at(worst),
      by_size: Object.fromEntries(runs.map((r) => [at(r), { ratio: round(judged(r), 3), window_ratios: r.ratios.map((x) => round(x, 3)), windows: r.perRound.map(Math.round), probes_per_second: round(median(r.served), 1), per_round: r.split }])),
    },
    baseline: { full_frame_bytes: Math.round(f), by_size: Object.fromEntries(runs.map((r) => [at(r), r.frames])) },
    notes: runs.flatMap((r) => [
      `${at(r)}: ratio ${round(judged(r), 3)}× (windows ${r.ratios.map((x) => `${round(x, 3)}×`).join(', ')}); last screen: ${r.summary}`,
      `${at(r)} per round: ${r.split.frames_per_round} frames; bytes of cursor movement ${r.split.cursor_movement}, line erases ${r.split.erase}, colour escapes ${r.split.colour}, sync markers ${r.split.sync_markers}, text and the rest ${r.split.text_and_other}`,
    ]),
    method: `the dashboard in tmux at ${runs.map(at).join(' and ')}${mode === 'flip' ? ', interval 1 s, failure/recovery thresholds 1/1, the fleet answering 200 and 500 alternately to each backend so every row changes status every round' : ', 50 steady backends (every probe 200), interval 1 s'}; ${plan.warmupMs ? `after ${plan.warmupMs / 1000} s of warm-up` : 'from the first round the dashboard shows (its HISTORY strips filling, SINCE ticking)'}, \`pipe-pane -o\` appends every byte the program writes to the pane to a file; ${plan.windows} windows of ${plan.windowMs / 1000} s, bytes per second = bytes per round, against the screen drawn in full as \`capture-pane -e\` renders it (text + SGR colour/attribute escapes, CR LF per line) at the end of each window. ${mode === 'steady' ? `Judged: the worst window at either size (${fmtBytes(b)}/round vs ${fmtBytes(f)} at ${at(worst)}).` : `Judged: the median window (${fmtBytes(b)}/round vs ${fmtBytes(f)}).`}`,
  };
}

export const bytesSteady = (ctx) => bytesPerRound(ctx, { mode: 'steady' });
export const bytesFlip = (ctx) => bytesPerRound(ctx, { mode: 'flip' });
