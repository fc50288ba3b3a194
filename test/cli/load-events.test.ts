/** `--events` prints `load` lines (CONTRACT.md): when a backend starts queueing and when its queue empties. */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendWire, startLoopback, type Loopback } from '../helpers/loopback.js';
import { CLI, ROOT } from '../helpers/run-cli.js';
import { loadWire } from '../helpers/wire.js';

let home: string;
let server: Loopback;
const state = { waiting: 6 };
beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'nexus-top-load-events-'));
  const models = loadWire('vllm/v1_models.http');
  server = await startLoopback((req, res) => {
    if (req.url !== '/metrics') return sendWire(res, models);
    const body = `vllm:num_requests_running{engine="0"} 2\nvllm:num_requests_waiting{engine="0"} ${state.waiting}\nvllm:kv_cache_usage_perc{engine="0"} 0.5\n`;
    sendWire(res, { status: 200, statusText: 'OK', headers: [['Content-Type', 'text/plain']], body: Buffer.from(body) });
  });
});
afterAll(async () => {
  await server.close();
  rmSync(home, { recursive: true, force: true });
});

describe('nexus-top --events with load', () => {
  it('prints a load line when waiting leaves 0 and when it returns to 0', async () => {
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries({ ...process.env, HOME: home, XDG_CONFIG_HOME: join(home, '.config'), XDG_STATE_HOME: join(home, '.state') })) {
      if (v !== undefined && k !== 'NEXUS_TOP_CONFIG') env[k] = v;
    }
    const child = spawn(process.execPath, [CLI, '--events', '--interval', '1s', '--load-interval', '300ms', `gpu@vllm=${server.url}`], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const lines: string[] = [];
    let buffer = '';
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const loadLines = (): Array<Record<string, unknown>> => lines.filter((l) => l.includes('"type":"load"')).map((l) => JSON.parse(l) as Record<string, unknown>);
    const seen = (n: number): Promise<void> =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no ${n} load lines: ${JSON.stringify(lines)} ${stderr}`)), 8_000);
        const check = (): void => {
          if (loadLines().length >= n) {
            clearTimeout(timer);
            child.stdout.off('data', onData);
            resolve();
          }
        };
        const onData = (d: string): void => {
          buffer += d;
          const parts = buffer.split('\n');
          buffer = parts.pop()!;
          lines.push(...parts);
          check();
        };
        child.stdout.setEncoding('utf8').on('data', onData);
        check();
      });
    try {
      await seen(1);
      state.waiting = 0;
      await seen(2);
    } finally {
      child.kill('SIGTERM');
    }
    const [up, down] = loadLines();
    expect(up).toEqual({ ts: expect.stringMatching(/Z$/), type: 'load', backend: 'gpu', waiting_from: 0, waiting_to: 6 });
    expect(down).toMatchObject({ type: 'load', backend: 'gpu', waiting_from: 6, waiting_to: 0 });
  }, 15_000);
});
