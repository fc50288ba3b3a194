/**
 * A hostile backend (escape sequences, C1 controls, BEL, bidi overrides, DCS, a 100 KB name in its model
 * list and in its errors) against every headless output of the built binary: `--once`, `--once --json`,
 * `--events` and the `--record` file. Nothing of it may reach the reader but plain text.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  forbiddenIn,
  HOSTILE_ERROR_PLAIN,
  HOSTILE_MODELS,
  HUGE_PLAIN_PREFIX,
  PAYLOAD_MARKERS,
  startHostileBackend,
  writeHostileConfig,
} from '../helpers/hostile-backend.js';
import type { Loopback } from '../helpers/loopback.js';
import { CLI, ROOT, runCli } from '../helpers/run-cli.js';

let home: string;
let server: Loopback;
let config: string;

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'nexus-top-hostile-'));
  server = await startHostileBackend();
  config = writeHostileConfig(home, server.url);
});
afterAll(async () => {
  await server?.close();
  rmSync(home, { recursive: true, force: true });
});

const env = (): Record<string, string | undefined> => ({
  HOME: home,
  XDG_CONFIG_HOME: join(home, '.config'),
  XDG_STATE_HOME: join(home, '.state'),
  NEXUS_TOP_CONFIG: undefined,
  NO_COLOR: undefined,
  FORCE_COLOR: undefined,
});

/** Everything that must hold for any text nexus-top writes after talking to the hostile server. */
function expectClean(what: string, text: string): void {
  expect(forbiddenIn(text), `${what}: control or bidi characters in ${JSON.stringify(text.slice(0, 2000))}`).toEqual([]);
  expect(text.includes('\u001b'), `${what}: ESC`).toBe(false);
  expect(text.includes('\u0007'), `${what}: BEL`).toBe(false);
  // A lone byte 0x9b (or any other invalid UTF-8) would decode as U+FFFD.
  expect(text.includes('\ufffd'), `${what}: invalid UTF-8`).toBe(false);
  for (const marker of PAYLOAD_MARKERS) expect(text.includes(marker), `${what}: ${JSON.stringify(marker)} (the payload of an escape sequence)`).toBe(false);
}

const PLAIN_NAMES = HOSTILE_MODELS.map((m) => m.plain);

interface Doc {
  backends: Array<{ name: string; status: string; models: string[]; model_count: number | null; last_error: null | { kind: string; message: string } }>;
}

describe('hostile strings from a backend, headless', () => {
  it('the server really sends them (the attack reaches nexus-top)', async () => {
    const res = await fetch(`${server.url}/ok/api/tags`);
    const body = await res.text();
    expect(body).toContain('\\u001b]0;PWNED\\u0007');
    expect(body).toContain('\u009b2J');
    expect(body).toContain('\u202e');
    expect(body.length).toBeGreaterThan(100_000);
  });

  it('--once: the plain table, the error in plain words, no escape, no control, no bidi', async () => {
    const run = await runCli(['--config', config, '--once'], { env: env() });
    expect(run.code).toBe(1);
    expectClean('stdout', run.stdout);
    expectClean('stderr', run.stderr);
    // LOAD (`? (http)`: this fake Ollama has no /api/ps) sits between LATENCY and MODELS once load is read.
    expect(run.stdout).toMatch(/^hostile-models\s+ollama\s+healthy\s+\S+\s+(?:\? \(http\)\s+)?11$/m);
    expect(run.stdout).toMatch(new RegExp(`^hostile-500\\s+ollama\\s+unhealthy\\s.*http: HTTP 500: ${HOSTILE_ERROR_PLAIN}$`, 'm'));
    expect(run.stdout).toMatch(/^hostile-text\s+generic\s+unhealthy\s.*parse: expected JSON, got text: plain text body$/m);
    // Every line of the table is one line: nothing from the server broke it.
    expect(run.stdout.trimEnd().split('\n')).toHaveLength(6);
  });

  it('--once --json: parses; the model ids are the plain text, in server order, each and all bounded', async () => {
    const run = await runCli(['--config', config, '--once', '--json'], { env: env() });
    expect(run.code).toBe(1);
    expectClean('stdout', run.stdout);
    expectClean('stderr', run.stderr);
    // JSON escapes count too: a \u001b in the document is an ESC for whoever prints the value.
    expect(run.stdout).not.toMatch(/\\u00(?:[01][0-9a-f]|7f|[89][0-9a-f])/i);
    expect(run.stdout).not.toMatch(/\\u(?:061c|200[ef]|202[a-e]|206[6-9])/i);
    const doc = JSON.parse(run.stdout) as Doc;
    const by = new Map(doc.backends.map((b) => [b.name, b]));
    const models = by.get('hostile-models')!;
    expect(models.status).toBe('healthy');
    expect(models.model_count).toBe(HOSTILE_MODELS.length + 1);
    expect(models.models.slice(0, -1)).toEqual(PLAIN_NAMES);
    const huge = models.models.at(-1)!;
    expect(huge.startsWith(HUGE_PLAIN_PREFIX)).toBe(true);
    expect(huge.endsWith('…')).toBe(true);
    for (const id of models.models) expect(Array.from(id).length).toBeLessThanOrEqual(512);
    // 100 KB went in; the whole document stays small.
    expect(run.stdout.length).toBeLessThan(16_000);
    expect(by.get('hostile-500')!.last_error).toEqual({ kind: 'http', message: `HTTP 500: ${HOSTILE_ERROR_PLAIN}`, at: expect.any(String) });
    expect(by.get('hostile-text')!.last_error).toEqual({ kind: 'parse', message: 'expected JSON, got text: plain text body', at: expect.any(String) });
  });

  it('--events --record: every line parses and is plain, and so is the recording; SIGINT exits 0', async () => {
    const record = join(home, 'hostile.ndjson');
    const e: Record<string, string> = {};
    for (const [k, v] of Object.entries({ ...process.env, ...env() })) if (v !== undefined) e[k] = v;
    const child = spawn(process.execPath, [CLI, '--config', config, '--events', '--record', record], { cwd: ROOT, env: e, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
    // The first status of each of the three backends.
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`not 3 status events in 8 s: ${JSON.stringify(stdout)} stderr: ${stderr}`)), 8_000);
      child.stdout.setEncoding('utf8').on('data', (d: string) => {
        stdout += d;
        if ((stdout.match(/"type":"status"/g) ?? []).length >= 3) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    child.kill('SIGINT');
    expect(await done).toEqual({ code: 0, signal: null });
    expectClean('stdout', stdout);
    expectClean('stderr', stderr);
    const events = stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(events).toContainEqual(expect.objectContaining({ type: 'status', backend: 'hostile-500', to: 'unhealthy', kind: 'http', message: `HTTP 500: ${HOSTILE_ERROR_PLAIN}` }));
    expect(events).toContainEqual(expect.objectContaining({ type: 'status', backend: 'hostile-models', to: 'healthy' }));
    const recording = readFileSync(record, 'utf8');
    expectClean('recording', recording);
    const probes = recording.trimEnd().split('\n').map((l) => JSON.parse(l) as { type: string; backend?: string; models?: string[] });
    const listed = probes.find((p) => p.type === 'probe' && p.backend === 'hostile-models' && Array.isArray(p.models));
    expect(listed?.models?.slice(0, -1)).toEqual(PLAIN_NAMES);
    expect(recording.length).toBeLessThan(50_000);
  }, 15_000);
});
