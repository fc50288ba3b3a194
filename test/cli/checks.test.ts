import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closedPort } from '../helpers/loopback.js';
import { CLI, ROOT, runCli } from '../helpers/run-cli.js';

/**
 * `[top.checks]` end to end: the built binary, a real TCP listener, real scripts. The commands are a
 * script beside the config (found from the config's directory whatever the working directory) and node.
 */
let home: string;
let config: string;
let listener: Server;

const env = () => ({ HOME: home, XDG_CONFIG_HOME: join(home, '.config'), XDG_STATE_HOME: join(home, '.state'), NEXUS_TOP_CONFIG: undefined, GPU_KEY: 'sk-hidden-0123456789' });

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'nexus-top-checks-cli-'));
  listener = createServer((socket) => socket.end());
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  const up = (listener.address() as AddressInfo).port;
  const down = await closedPort();
  writeFileSync(join(home, 'ready.sh'), '#!/bin/sh\n# The key of another backend must not reach a check.\n[ -z "$GPU_KEY" ] || { echo "saw the key" >&2; exit 9; }\n[ "$1" = "http://ops@127.0.0.1:9/" ] || { echo "bad url $1" >&2; exit 8; }\nexit 0\n');
  chmodSync(join(home, 'ready.sh'), 0o755);
  config = join(home, 'nexus.toml');
  writeFileSync(
    config,
    `[health_check]
interval_seconds = 0.5
timeout_seconds = 2
failure_threshold = 1
recovery_threshold = 1

[[backends]]
name = "port-up"
url = "http://127.0.0.1:${up}"

[[backends]]
name = "port-down"
url = "http://127.0.0.1:${down}"

[[backends]]
name = "script-ok"
url = "http://ops:hunter2@127.0.0.1:9/"
api_key_env = "GPU_KEY"

[[backends]]
name = "script-fail"
url = "http://127.0.0.1:9"

[top.checks.port-up]
check = "tcp"

[top.checks.port-down]
check = "tcp"

[top.checks.script-ok]
check = "command"
command = ["./ready.sh", "\${url}"]

[top.checks.script-fail]
check = "command"
command = ["${process.execPath}", "-e", "console.error('\\u001b[31mmodel files missing\\u001b[0m in \${name}'); process.exit(3)", "\${name}"]
`,
  );
});
afterAll(() => {
  listener.close();
  rmSync(home, { recursive: true, force: true });
});

interface BackendJson {
  name: string;
  check: string;
  status: string;
  model_count: number | null;
  latency_ms: number | null;
  last_error: null | { kind: string; message: string };
}

describe('nexus-top with tcp and command checks', () => {
  it('--once --json: the checks decide each status; no models for them; exit 1', async () => {
    const run = await runCli(['--config', config, '--once', '--json'], { env: env(), cwd: ROOT });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(1);
    const doc = JSON.parse(run.stdout) as { summary: Record<string, number>; backends: BackendJson[] };
    const by = Object.fromEntries(doc.backends.map((b) => [b.name, b]));
    expect(by['port-up']).toMatchObject({ check: 'tcp', status: 'healthy', model_count: null, last_error: null });
    expect(by['port-up']!.latency_ms).toBeGreaterThanOrEqual(0);
    expect(by['port-down']).toMatchObject({ check: 'tcp', status: 'unhealthy', model_count: null, last_error: { kind: 'connection', message: 'connection refused' } });
    expect(by['script-ok']).toMatchObject({ check: 'command', status: 'healthy', model_count: null, last_error: null });
    expect(by['script-fail']).toMatchObject({ check: 'command', status: 'unhealthy', last_error: { kind: 'command', message: 'exit 3: model files missing in script-fail' } });
    expect(doc.summary).toMatchObject({ total: 4, healthy: 2, unhealthy: 2 });
    expect(run.stdout).not.toContain('hunter2');
  });

  it('--once: the table shows - for their models', async () => {
    const run = await runCli(['--config', config, '--once'], { env: env(), cwd: home });
    expect(run.code).toBe(1);
    const row = (name: string): string => run.stdout.split('\n').find((l) => l.startsWith(`${name} `)) ?? '';
    expect(row('port-up'), run.stdout).toMatch(/healthy\s+[\d.]+ms\s+-\s*$/);
    expect(row('script-fail'), run.stdout).toMatch(/unhealthy\s+-\s+-\s+command: exit 3: model files missing in script-fail$/);
  });

  it('--events: status events carry the checks\' results and kinds', async () => {
    const child = spawn(process.execPath, [CLI, '--config', config, '--events'], { cwd: ROOT, env: { ...process.env, ...env(), NEXUS_TOP_CONFIG: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    const events = await new Promise<Record<string, unknown>[]>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`not enough events: ${out} ${err}`)), 15_000);
      child.stdout.setEncoding('utf8').on('data', (d: string) => {
        out += d;
        const parsed = out.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
        if (parsed.filter((e) => e['type'] === 'status').length >= 4) {
          clearTimeout(timer);
          resolve(parsed);
        }
      });
    });
    child.kill('SIGTERM');
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    expect(code).toBe(0);
    const status = Object.fromEntries(events.filter((e) => e['type'] === 'status').map((e) => [e['backend'], e]));
    expect(status['port-up']).toMatchObject({ to: 'healthy' });
    expect(status['script-ok']).toMatchObject({ to: 'healthy' });
    expect(status['port-down']).toMatchObject({ to: 'unhealthy', kind: 'connection', message: 'connection refused' });
    expect(status['script-fail']).toMatchObject({ to: 'unhealthy', kind: 'command', message: 'exit 3: model files missing in script-fail' });
  });

  it('refuses a command whose program does not exist, before probing: file, line, key; exit 3', async () => {
    const bad = join(home, 'bad.toml');
    writeFileSync(bad, '[[backends]]\nname = "gpu"\nurl = "http://127.0.0.1:9"\n\n[top.checks.gpu]\ncheck = "command"\ncommand = ["nexus-top-no-such-check", "${url}"]\n');
    const run = await runCli(['--config', bad, '--once', '--json'], { env: env() });
    expect(run.code).toBe(3);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(`nexus-top: ${bad}:7: top.checks.gpu.command: program "nexus-top-no-such-check" not found in PATH\n`);
  });
});
