import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, ROOT } from '../helpers/run-cli.js';

let home: string;
beforeAll(() => {
  home = mkdtempSync(join(tmpdir(), 'nexus-top-events-'));
});
afterAll(() => rmSync(home, { recursive: true, force: true }));

function start(args: string[]): ChildProcessWithoutNullStreams {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...process.env, HOME: home, XDG_CONFIG_HOME: join(home, '.config'), XDG_STATE_HOME: join(home, '.state') })) {
    if (v !== undefined && k !== 'NEXUS_TOP_CONFIG') env[k] = v;
  }
  return spawn(process.execPath, [CLI, ...args], { cwd: ROOT, env, stdio: 'pipe' }) as ChildProcessWithoutNullStreams;
}

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}
const exited = (child: ChildProcessWithoutNullStreams): Promise<Exit> =>
  new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));

/** Collect stdout lines; resolves once `enough(lines)` holds (or rejects after `ms`). */
function collect(child: ChildProcessWithoutNullStreams, enough: (lines: string[]) => boolean, ms: number): { lines: string[]; ready: Promise<void>; stderr: () => string } {
  const lines: string[] = [];
  let buffer = '';
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not enough lines in ${ms} ms: ${JSON.stringify(lines)} stderr: ${stderr}`)), ms);
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      buffer += d;
      const parts = buffer.split('\n');
      buffer = parts.pop()!;
      lines.push(...parts);
      if (enough(lines)) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  return { lines, ready, stderr: () => stderr };
}

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

describe('nexus-top --events', () => {
  it('--demo: NDJSON status lines within seconds, one object per line with an ISO ts; SIGTERM exits 0', async () => {
    const child = start(['--demo', '--events']);
    const done = exited(child);
    const t = performance.now();
    // The first result of each of the 8 demo backends is a status change from unknown.
    const out = collect(child, (ls) => ls.filter((l) => l.includes('"type":"status"')).length >= 8, 8_000);
    await out.ready;
    expect(performance.now() - t).toBeLessThan(8_000);
    child.kill('SIGTERM');
    expect(await done).toEqual({ code: 0, signal: null });
    expect(out.stderr()).toBe('');
    const events = out.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    for (const e of events) {
      expect(e['ts']).toMatch(ISO);
      expect(new Date(e['ts'] as string).toISOString()).toBe(e['ts']);
      expect(typeof e['type']).toBe('string');
    }
    const status = events.filter((e) => e['type'] === 'status');
    expect(new Set(status.map((e) => e['backend'])).size).toBe(8);
    for (const e of status) expect(Object.keys(e)).toEqual(['ts', 'type', 'backend', 'from', 'to', 'kind', 'message']);
    expect(status).toContainEqual(expect.objectContaining({ backend: 'ollama-gone', from: 'unknown', to: 'unhealthy', kind: 'connection', message: 'connection refused' }));
    expect(status).toContainEqual(expect.objectContaining({ backend: 'llamacpp-gpu2', from: 'unknown', to: 'loading', kind: null, message: 'Loading model' }));
    expect(status).toContainEqual(expect.objectContaining({ backend: 'ollama-gpu1', from: 'unknown', to: 'healthy', kind: null, message: null }));
  }, 15_000);

  it.each(['SIGINT', 'SIGHUP'] as const)('%s also stops it with exit 0 (SIGHUP: config reload is not there yet)', async (signal) => {
    const child = start(['--demo', '--events']);
    const done = exited(child);
    const out = collect(child, (ls) => ls.length >= 1, 8_000);
    await out.ready;
    child.kill(signal);
    expect(await done).toEqual({ code: 0, signal: null });
    expect(out.stderr()).toBe('');
  }, 15_000);

  it('the reader going away (`| head -1`): stops quietly, exit 0, nothing on stderr', async () => {
    const child = start(['--demo', '--events', '--interval', '500ms']);
    const done = exited(child);
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const first = await new Promise<string>((resolve) => child.stdout.once('data', (d: Buffer) => resolve(d.toString('utf8'))));
    expect(() => JSON.parse(first.split('\n')[0]!)).not.toThrow();
    // Close our end of the pipe, as head does after its line: the next write gets EPIPE.
    child.stdout.destroy();
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    const exit = await done;
    clearTimeout(timer);
    expect(exit).toEqual({ code: 0, signal: null });
    expect(stderr).toBe('');
  }, 20_000);

  it('through a shell pipe into head -1', async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, HOME: home, XDG_STATE_HOME: join(home, '.state') };
    delete env['NEXUS_TOP_CONFIG'];
    const run = spawn('bash', ['-c', `"${process.execPath}" "${CLI}" --demo --events --interval 500ms 2>"${join(home, 'err')}" | head -1; echo "rc=\${PIPESTATUS[0]}"; cat "${join(home, 'err')}"`], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    run.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    const timer = setTimeout(() => run.kill('SIGKILL'), 15_000);
    await new Promise((resolve) => run.on('close', resolve));
    clearTimeout(timer);
    const [line, rc, ...rest] = out.split('\n');
    expect(JSON.parse(line!)).toMatchObject({ type: 'status' });
    expect(rc).toBe('rc=0');
    expect(rest.join('\n')).toBe(''); // stderr of nexus-top: empty
  }, 20_000);
});
