import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemoFleet } from '../../src/demo/fleet.js';
import { createEngine } from '../../src/engine.js';
import { systemClock } from '../../src/core/clock.js';
import { eventJson } from '../../src/output/events.js';
import { exitCodeFor } from '../../src/output/exit-code.js';
import { fleetJson } from '../../src/output/json.js';
import { createRecorder, openRecordFile } from '../../src/record/recorder.js';
import { CLI, ROOT, runCli, type CliRun } from '../helpers/run-cli.js';

/**
 * Record the demo fleet, replay the recording at --speed max, and compare with the live run.
 *
 * What is comparable: everything the store derives from the probe results and the operator's
 * actions: statuses, health, counts, flapping and its score, models, latencies, errors, consecutive
 * counts, status_since, and every event with its time. Not comparable: `checked_at` (the live run's
 * "now" when it stopped vs the last recorded probe), and probes that were in flight when the live
 * run stopped (cancelled, so never recorded, nor seen by the live store either).
 *
 * Two live runs, concurrently, each ~10 s at --interval 500ms (the intermittent backend starts flapping
 * after ~5 s):
 *  - the binary, `--demo --events --record A`: its event stream must equal, line for line, the replay's
 *    `--replay A --speed max --events`;
 *  - the same engine in this process with a recorder on B: its final `--json` document must equal the
 *    replay's `--replay B --speed max --once --json`, but for `checked_at`.
 */
const LIVE_MS = 10_000;

let home: string;
const env = () => ({ HOME: home, XDG_CONFIG_HOME: join(home, '.config'), XDG_STATE_HOME: join(home, '.state'), NEXUS_TOP_CONFIG: undefined });

let fileA: string;
let liveEvents: CliRun;
let fileB: string;
let liveJson: ReturnType<typeof fleetJson>;
let liveCode: number;
let liveEventLog: unknown[];

/** `--demo --events --record FILE` for `ms`, then SIGTERM. */
function recordBinary(file: string, ms: number): Promise<CliRun> {
  const e: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...process.env, ...env() })) if (v !== undefined) e[k] = v;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, '--demo', '--events', '--record', file, '--interval', '500ms'], { cwd: ROOT, env: e, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    setTimeout(() => child.kill('SIGTERM'), ms);
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** The same engine and recorder the CLI wires, in this process, on the real clock. */
async function recordInProcess(file: string, ms: number): Promise<void> {
  const demo = await startDemoFleet();
  const config = { ...demo.config, health: { ...demo.config.health, intervalMs: 500 } };
  const engine = createEngine(config, systemClock, {});
  const recorder = createRecorder(openRecordFile(file), file, engine.store, config, { version: 'test', now: Date.now, onError: (m) => expect.fail(m) });
  engine.monitor.start();
  await new Promise((r) => setTimeout(r, ms));
  await engine.close();
  await recorder.close();
  await demo.close();
  const snapshot = engine.store.getSnapshot();
  liveJson = fleetJson(snapshot, 0);
  liveCode = exitCodeFor(snapshot);
  liveEventLog = snapshot.events.map(eventJson);
}

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'nexus-top-rr-'));
  fileA = join(home, 'a.ndjson');
  fileB = join(home, 'b.ndjson');
  [liveEvents] = await Promise.all([recordBinary(fileA, LIVE_MS), recordInProcess(fileB, LIVE_MS)]);
}, LIVE_MS + 15_000);
afterAll(() => rmSync(home, { recursive: true, force: true }));

const recordLines = (file: string): string[] => readFileSync(file, 'utf8').split('\n').filter((l) => l !== '');

describe('--record, then --replay --speed max', () => {
  it('the live run stopped cleanly and its recording has a header, probes, and ends in a newline', () => {
    expect(liveEvents.stderr).toBe('');
    expect(liveEvents.code).toBe(0);
    const text = readFileSync(fileA, 'utf8');
    expect(text.endsWith('\n')).toBe(true);
    const lines = recordLines(fileA).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines[0]).toMatchObject({ type: 'header', format: 'nexus-top-recording', version: 1, config: { source: 'demo' } });
    // 8 backends, every 500 ms (faster while a failure is unconfirmed), for 10 s.
    expect(lines.filter((l) => l['type'] === 'probe').length).toBeGreaterThan(100);
  });

  it('--events of the replay equals the live --events, line for line', async () => {
    const replay = await runCli(['--replay', fileA, '--speed', 'max', '--events'], { env: env() });
    expect(replay.stderr).toBe('');
    expect(replay.code).toBe(0);
    const live = liveEvents.stdout.split('\n');
    // Worth comparing: every backend's first status, and the intermittent one started flapping.
    expect(live.filter((l) => l.includes('"type":"status"')).length).toBeGreaterThanOrEqual(8);
    expect(liveEvents.stdout).toContain('"type":"flap_start","backend":"sglang-intermittent"');
    expect(replay.stdout.split('\n')).toEqual(live);
  });

  it('--once --json of the replay equals the live final state (all but checked_at = the last recorded time)', async () => {
    const replay = await runCli(['--replay', fileB, '--speed', 'max', '--once', '--json'], { env: env() });
    expect(replay.stderr).toBe('');
    const doc = JSON.parse(replay.stdout) as ReturnType<typeof fleetJson>;
    const lastTs = JSON.parse(recordLines(fileB).at(-1)!) as { ts: string };
    expect(doc.checked_at).toBe(lastTs.ts);
    expect({ ...doc, checked_at: null }).toEqual({ ...liveJson, checked_at: null });
    expect(replay.code).toBe(liveCode);
    // What the comparison is worth: the interesting states were reached.
    const by = new Map(doc.backends.map((b) => [b.name, b]));
    expect(by.get('sglang-intermittent')).toMatchObject({ flapping: true });
    expect(by.get('ollama-gone')).toMatchObject({ status: 'unhealthy' });
    expect(by.get('ollama-gpu1')!.models).toEqual(['deepseek-r1:latest', 'llama3.2:latest']);
    expect(doc.summary.flapping).toBeGreaterThanOrEqual(1);
  });

  it('the event log of the replay is the live store event log', async () => {
    const replay = await runCli(['--replay', fileB, '--speed', 'max', '--events'], { env: env() });
    expect(replay.code).toBe(0);
    expect(replay.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as unknown)).toEqual(liveEventLog);
  });

  it('--speed N plays in recorded time divided by N', async () => {
    const lines = recordLines(fileA).map((l) => JSON.parse(l) as { ts?: string; recorded_at?: string });
    const span = Date.parse(lines.at(-1)!.ts!) - Date.parse(lines[0]!.recorded_at!);
    const t = performance.now();
    const replay = await runCli(['--replay', fileA, '--speed', '8', '--events'], { env: env() });
    const took = performance.now() - t;
    expect(replay.stdout).toBe(liveEvents.stdout);
    expect(took).toBeGreaterThanOrEqual(span / 8 - 50);
    expect(took).toBeLessThan(span / 8 + 4_000);
  }, 20_000);

  it('not a terminal and no mode: as --once, said on stderr', async () => {
    const replay = await runCli(['--replay', fileB], { env: env() });
    expect(replay.stderr).toBe('nexus-top: stdout is not a terminal; replaying to the end (as --once)\n');
    expect(replay.stdout).toMatch(/^NAME +TYPE +STATUS/);
    expect(replay.code).toBe(liveCode);
  });
});

describe('bad recordings replay up to the bad line and say where they stopped', () => {
  /** The same lines, cleanly ended, as the reference for "the state so far". */
  async function reference(lines: string[]): Promise<CliRun> {
    const file = join(home, `ref-${lines.length}.ndjson`);
    writeFileSync(file, lines.join('\n') + '\n');
    const run = await runCli(['--replay', file, '--once', '--json'], { env: env() });
    expect(run.stderr).toBe('');
    return run;
  }

  it('a truncated file (cut mid-line)', async () => {
    const text = readFileSync(fileB, 'utf8');
    const lines = recordLines(fileB);
    const keep = 60;
    const cutAt = lines.slice(0, keep).join('\n').length + 1 + Math.floor(lines[keep]!.length / 2);
    const cut = join(home, 'cut.ndjson');
    writeFileSync(cut, text.slice(0, cutAt));
    const run = await runCli(['--replay', cut, '--once', '--json'], { env: env() });
    expect(run.stderr).toBe(`nexus-top: ${cut}:${keep + 1}: not a JSON object (the line is cut short or garbled); replayed up to line ${keep}\n`);
    const ref = await reference(lines.slice(0, keep));
    expect(run.stdout).toBe(ref.stdout);
    expect(run.code).toBe(ref.code);
    expect([0, 1, 2]).toContain(run.code);
  });

  it('a garbage line in the middle', async () => {
    const lines = recordLines(fileB);
    const at = 40;
    const bad = join(home, 'garbage.ndjson');
    writeFileSync(bad, [...lines.slice(0, at), '\u001b[2J#!garbage{', ...lines.slice(at)].join('\n') + '\n');
    const run = await runCli(['--replay', bad, '--once', '--json'], { env: env() });
    expect(run.stderr).toBe(`nexus-top: ${bad}:${at + 1}: not a JSON object (the line is cut short or garbled); replayed up to line ${at}\n`);
    const ref = await reference(lines.slice(0, at));
    expect(run.stdout).toBe(ref.stdout);
    expect(run.code).toBe(ref.code);
  });

  it('--events stops at the bad line too, and still exits 0', async () => {
    const lines = recordLines(fileA);
    const bad = join(home, 'garbage-events.ndjson');
    writeFileSync(bad, [...lines.slice(0, 30), 'nope', ...lines.slice(30)].join('\n') + '\n');
    const run = await runCli(['--replay', bad, '--speed', 'max', '--events'], { env: env() });
    expect(run.code).toBe(0);
    expect(run.stderr).toBe(`nexus-top: ${bad}:31: not a JSON object (the line is cut short or garbled); replayed up to line 30\n`);
    const full = await runCli(['--replay', fileA, '--speed', 'max', '--events'], { env: env() });
    expect(full.stdout.startsWith(run.stdout)).toBe(true);
  });

  it('a missing file, or one that is not a recording: one line, exit 3', async () => {
    const missing = join(home, 'missing.ndjson');
    expect(await runCli(['--replay', missing, '--once'], { env: env() })).toMatchObject({ code: 3, stdout: '', stderr: `nexus-top: ${missing}: no such file\n` });
    const toml = join(home, 'not-a-recording.toml');
    writeFileSync(toml, '[[backends]]\nname = "a"\nurl = "http://127.0.0.1:1"\n');
    expect(await runCli(['--replay', toml], { env: env() })).toMatchObject({
      code: 3,
      stdout: '',
      stderr: `nexus-top: ${toml}:1: not a nexus-top recording (its first line must be the recording header)\n`,
    });
  });
});

describe('--record', () => {
  it('never writes a URL password or an API key value; the env var name is kept', async () => {
    const config = join(home, 'secret.toml');
    writeFileSync(config, ['[[backends]]', 'name = "cloud"', 'url = "http://user:s3cret@127.0.0.1:1"', 'type = "openai"', 'api_key_env = "NT_TEST_API_KEY"', ''].join('\n'));
    const file = join(home, 'secret.ndjson');
    const run = await runCli(['--config', config, '--record', file, '--once'], { env: { ...env(), NT_TEST_API_KEY: 'sk-topsecret-value-42' } });
    expect(run.code).toBe(2);
    const text = readFileSync(file, 'utf8');
    expect(text).not.toContain('s3cret');
    expect(text).not.toContain('sk-topsecret-value-42');
    expect(text).toContain('"api_key_env":"NT_TEST_API_KEY"');
    expect(text).toContain('"url":"http://user@127.0.0.1:1"');
    expect(recordLines(file).map((l) => (JSON.parse(l) as { type: string }).type)).toEqual(['header', 'probe']);
    // And it replays to what --once said.
    const replay = await runCli(['--replay', file, '--once'], { env: env() });
    expect(replay.code).toBe(2);
    expect(replay.stdout).toContain('connection refused');
  });

  it('refuses a file that already holds something (exit 3, file untouched)', async () => {
    const file = join(home, 'exists.ndjson');
    writeFileSync(file, 'precious\n');
    const run = await runCli(['--demo', '--once', '--record', file], { env: env() });
    expect(run).toMatchObject({
      code: 3,
      stdout: '',
      stderr: `nexus-top: --record: ${file} already exists; a recording is never appended to or overwritten (remove it or name a new file)\n`,
    });
    expect(readFileSync(file, 'utf8')).toBe('precious\n');
  });
});

describe('flags', () => {
  it.each([
    [['--replay', 'x', '--demo'], '--replay cannot be used with --demo (the recording says which fleet it watched)'],
    [['--replay', 'x', '--config', 'n.toml'], '--replay cannot be used with --config (the recording carries its own config)'],
    [['--replay', 'x', '--record', 'y'], '--replay cannot be used with --record (nothing is probed in a replay; copy the file instead)'],
    [['--replay', 'x', '--interval', '1s'], '--replay cannot be used with --interval (the recording says when each probe ran)'],
    [['--speed', '2'], '--speed needs --replay FILE'],
    [['--replay', 'x', '--speed', '0'], "--speed: '0' is not a speed (a positive number such as 1, 10 or 0.5, or max)"],
    [['--replay', 'x', '--speed', 'fast'], "--speed: 'fast' is not a speed (a positive number such as 1, 10 or 0.5, or max)"],
    [['--replay', 'x', '--speed', '-3'], "--speed: '-3' is not a speed (a positive number such as 1, 10 or 0.5, or max)"],
    [['--events', '--once'], '--events cannot be used with --once (--events streams until stopped)'],
    [['--events', '--json'], '--events cannot be used with --json (--events streams until stopped)'],
    [['--replay'], '--replay needs a value'],
    [['--record'], '--record needs a value'],
  ])('%j: usage error, exit 3', async (args, message) => {
    expect(await runCli(args, { env: env() })).toMatchObject({ code: 3, stdout: '', stderr: `nexus-top: ${message}\n` });
  });

  it('--help lists --events, --record, --replay and --speed with its default', async () => {
    const run = await runCli(['--help']);
    expect(run.code).toBe(0);
    for (const flag of ['--events', '--record FILE', '--replay FILE', '--speed N|max']) expect(run.stdout).toContain(flag);
    expect(run.stdout).toMatch(/--speed N\|max[\s\S]*default: 1/);
  });
});
