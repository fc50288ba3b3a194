/**
 * Flapping on real loopback servers through `--events`: backends that go up and down on a clock of their
 * own (square waves in time, not in probes), watched by the built binary. Every wave from 2 probes a cycle
 * up to half the flap window must get a `flap_start` within one window of its first change, carrying its
 * status changes and score; a steady backend, a blip and a single outage never; and once the waves stop,
 * each gets its `flap_stop` within one quiet window.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliSandbox } from '../helpers/cli-sandbox.js';
import { startLoopback, type Loopback } from '../helpers/loopback.js';
import { CLI, ROOT, runCli } from '../helpers/run-cli.js';

const sandbox = cliSandbox('flapping-events');

const INTERVAL_MS = 200;
/** 20 intervals, as the default window is 20 intervals (but at least 60 s, too long for a test). */
const WINDOW_MS = 4_000;
/** The waves stop (every backend answers) this long after the start. */
const STOP_MS = 8_000;
/** Scheduling on a loaded machine: probes land late, events are read late. */
const SLACK_MS = 1_500;

type Shape = (sinceStart: number) => boolean;
/** Up for the first half of each period, then down: the first change is at half a period. */
const wave = (periodMs: number): Shape => (t) => t >= STOP_MS || Math.floor(t / (periodMs / 2)) % 2 === 0;

const WAVES: Record<string, number> = {
  'wave-2': 2 * INTERVAL_MS,
  'wave-4': 4 * INTERVAL_MS,
  'wave-8': 8 * INTERVAL_MS,
  // Half the window: the slowest wave the rule promises to catch.
  'wave-10': WINDOW_MS / 2,
};
const STEADY: Record<string, Shape> = {
  steady: () => true,
  // Down for less than one interval: one failed probe at most... two if it lands between them.
  blip: (t) => !(t >= 1_000 && t < 1_000 + INTERVAL_MS - 20),
  // Down once for 2.5 s (a dozen probes), then up for good.
  outage: (t) => !(t >= 1_000 && t < 3_500),
};

interface EventLine {
  ts: string;
  type: string;
  backend?: string;
  changes?: number;
  score?: number;
}

describe('flapping on loopback servers, through --events', () => {
  it(
    'waves of 2 to 10 probes (half the window) flap within a window of their first change; steady, blip, outage never; all stop within a quiet window',
    async () => {
      let start = 0;
      const shapes: Record<string, Shape> = { ...Object.fromEntries(Object.entries(WAVES).map(([n, p]) => [n, wave(p)])), ...STEADY };
      const servers: Loopback[] = [];
      try {
        const backends: string[] = [];
        for (const [name, shape] of Object.entries(shapes)) {
          const server = await startLoopback((_req, res) => {
            const up = start === 0 || shape(Date.now() - start);
            res.writeHead(up ? 200 : 500, { 'content-type': 'application/json' });
            res.end(up ? '{"object":"list","data":[{"id":"m","object":"model"}]}' : '{"error":"down"}');
          });
          servers.push(server);
          backends.push(`[[backends]]\nname = "${name}"\nurl = "${server.url}"\ntype = "openai"\n`);
        }
        const config = join(sandbox.dir, 'waves.toml');
        writeFileSync(
          config,
          `[health_check]\ninterval_seconds = ${INTERVAL_MS / 1000}\ntimeout_seconds = 1\n[top]\nfast_interval_seconds = ${INTERVAL_MS / 1000}\nflap_window_seconds = ${WINDOW_MS / 1000}\n\n${backends.join('\n')}`,
        );
        const recording = join(sandbox.dir, 'waves.ndjson');
        const child = sandbox.track(spawn(process.execPath, [CLI, '--config', config, '--events', '--record', recording], { cwd: ROOT, env: { ...process.env, ...sandbox.env }, stdio: ['ignore', 'pipe', 'pipe'] }));
        start = Date.now();
        const lines: EventLine[] = [];
        let buffer = '';
        let stderr = '';
        child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
        child.stdout!.setEncoding('utf8').on('data', (d: string) => {
          buffer += d;
          const parts = buffer.split('\n');
          buffer = parts.pop()!;
          for (const p of parts) lines.push(JSON.parse(p) as EventLine);
        });
        const flap = (type: string, name: string): EventLine[] => lines.filter((e) => e.type === type && e.backend === name);
        const stopped = (): boolean => Object.keys(WAVES).every((n) => flap('flap_stop', n).length > 0);
        const deadline = start + STOP_MS + WINDOW_MS + 3 * SLACK_MS;
        while (Date.now() < deadline && !(Date.now() > start + STOP_MS && stopped())) await new Promise((r) => setTimeout(r, 100));
        // A little longer, so a late flap_start of a non-flapper would be seen.
        await new Promise((r) => setTimeout(r, 500));
        const exited = new Promise((resolve) => child.on('close', resolve));
        child.kill('SIGTERM');
        await exited;
        expect(stderr).toBe('');

        const at = (e: EventLine): number => Date.parse(e.ts) - start;
        for (const [name, period] of Object.entries(WAVES)) {
          const starts = flap('flap_start', name);
          expect(starts.length, `${name}: flap_start`).toBeGreaterThan(0);
          const first = starts[0]!;
          expect(at(first), `${name}: within one window of its first change`).toBeLessThanOrEqual(period / 2 + WINDOW_MS + SLACK_MS);
          expect(typeof first.score).toBe('number');
          expect(typeof first.changes).toBe('number');
          // Either view may have started it: enough status changes, or the score past its high mark.
          expect(first.changes! >= 4 || first.score! >= 30, `${name}: ${JSON.stringify(first)}`).toBe(true);
          // Flapping for as long as the wave went on, then one flap_stop within a quiet window of the stop.
          const stops = flap('flap_stop', name);
          expect(stops.length, `${name}: one flap_stop (${JSON.stringify(stops)})`).toBe(1);
          expect(starts.length, `${name}: one flap_start`).toBe(1);
          expect(at(stops[0]!), `${name}: cleared after the stop`).toBeGreaterThan(STOP_MS);
          expect(at(stops[0]!), `${name}: cleared within one quiet window`).toBeLessThanOrEqual(STOP_MS + WINDOW_MS + SLACK_MS);
        }
        // The slow waves change status (the score alone would miss them): their start says so.
        expect(flap('flap_start', 'wave-10')[0]!.changes).toBeGreaterThanOrEqual(4);
        for (const name of Object.keys(STEADY)) expect(flap('flap_start', name), name).toEqual([]);
        // The outage was seen, once down and once up: it is not a flap.
        expect(lines.filter((e) => e.type === 'status' && e.backend === 'outage').map((e) => (e as { to?: string }).to)).toEqual(['healthy', 'unhealthy', 'healthy']);

        // The same verdicts from the recording: `--once --json` at its end carries the window and the counts.
        const replay = await runCli(['--replay', recording, '--speed', 'max', '--once', '--json'], { env: sandbox.env });
        expect(replay.stderr).toBe('');
        const doc = JSON.parse(replay.stdout) as { backends: { name: string; flapping: boolean; flap_score: number; flap_changes: number; flap_window_s: number }[] };
        for (const b of doc.backends) {
          expect(b.flap_window_s, b.name).toBe(WINDOW_MS / 1000);
          expect(b.flapping, b.name).toBe(false);
        }
        const outage = doc.backends.find((b) => b.name === 'outage')!;
        expect(outage.flap_changes).toBeLessThanOrEqual(2);
        expect(doc.backends.find((b) => b.name === 'steady')!).toMatchObject({ flap_changes: 0, flap_score: 0 });
      } finally {
        await Promise.all(servers.map((s) => s.close()));
      }
    },
    40_000,
  );
});
