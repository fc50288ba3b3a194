// Bytes written to the terminal per probe round, against the size of the same screen drawn in full.
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startFleet } from '../fleet.mjs';
import { Tmux } from '../lib/pty.mjs';
import { fmtBytes, median, round, sandboxEnv, sleep, tempDir, writeConfig } from '../lib/util.mjs';

const COLS = 120;
const ROWS = 60; // 50 rows of backends + header, column titles, footer all fit: the whole fleet is on screen.

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

async function bytesPerRound(ctx, { mode }) {
  const { build, smoke } = ctx;
  const count = 50;
  // Steady means steady: past the first minute SINCE reads `1m` and no longer ticks every second.
  const plan = smoke ? { warmupMs: 1_000, windows: 2, windowMs: 1_000 } : { warmupMs: mode === 'steady' ? 65_000 : 6_000, windows: 5, windowMs: 5_000 };
  const fleet = await startFleet({ count, mode: mode === 'flip' ? 'flip' : 'steady' });
  const dir = tempDir(`bytes-${mode}`);
  const tmux = new Tmux({ cols: COLS, rows: ROWS });
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
    const split = anatomy(recorded, plan.windows * plan.windowMs / 1000 + 0.3);
    const last = screens.at(-1);
    const summary = /(\d+) backends.*$/m.exec(last)?.[0]?.replace(/\s+/g, ' ') ?? '?';
    if (mode === 'steady' && !/\b50 healthy\b/.test(last)) throw new Error(`steady fleet not all healthy:\n${last}`);
    const b = median(perRound);
    const f = median(frames);
    return {
      value: b / f,
      measured: { bytes_per_round: Math.round(b), windows: perRound.map(Math.round), probes_per_second: round(median(served), 1), per_round: split },
      baseline: { full_frame_bytes: Math.round(f), frames: frames },
      notes: [
        `last screen: ${summary}`,
        `per round: ${split.frames_per_round} frames; bytes of cursor movement ${split.cursor_movement}, line erases ${split.erase}, colour escapes ${split.colour}, sync markers ${split.sync_markers}, text and the rest ${split.text_and_other}`,
      ],
      method: `the dashboard in tmux ${COLS}×${ROWS} (every one of the ${count} backends on screen), interval 1 s${mode === 'flip' ? ', failure/recovery thresholds 1/1, the fleet answering 200 and 500 alternately to each backend so every row changes status every round' : ', steady fleet (every probe 200)'}; after ${plan.warmupMs / 1000} s of warm-up, \`pipe-pane -o\` appends every byte the program writes to the pane to a file; ${plan.windows} windows of ${plan.windowMs / 1000} s, bytes per second = bytes per round, median ${fmtBytes(b)}/round. Full redraw: the screen as \`capture-pane -e\` renders it (text + SGR colour/attribute escapes, CR LF per line) at the end of each window, median ${fmtBytes(f)}.`,
    };
  } finally {
    await tmux.kill();
    await fleet.close();
  }
}

export const bytesSteady = (ctx) => bytesPerRound(ctx, { mode: 'steady' });
export const bytesFlip = (ctx) => bytesPerRound(ctx, { mode: 'flip' });
