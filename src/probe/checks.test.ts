import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { closedPort, startLoopback, type Loopback } from '../../test/helpers/loopback.js';
import { backendAt, timed } from '../../test/helpers/probing.js';
import type { BackendCheck, BackendConfig } from '../config/types.js';
import { createProber, type Prober, type ProberOptions } from './probe.js';
import { MAX_MESSAGE } from '../text/sanitize.js';

const servers: Loopback[] = [];
const probers: Prober[] = [];
const children: ChildProcess[] = [];
const sockets: Socket[] = [];
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'nexus-top-probe-checks-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  for (const c of children.splice(0)) c.kill('SIGKILL');
  await Promise.all(probers.splice(0).map((p) => p.close()));
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

function prober(opts: Partial<ProberOptions> = {}): Prober {
  const p = createProber({ timeoutMs: 3_000, bodyLimitBytes: 1 << 20, connections: 'single', env: {}, ...opts });
  probers.push(p);
  return p;
}

const tcp = (url: string, also = false, extra: Partial<BackendConfig> = {}): BackendConfig => backendAt(url, 'generic', { check: { kind: 'tcp', also }, ...extra });
const command = (argv: string[], also = false, extra: Partial<BackendConfig> = {}, url = 'http://127.0.0.1:9'): BackendConfig =>
  backendAt(url, 'generic', { check: { kind: 'command', also, argv, cwd: dir } satisfies BackendCheck, ...extra });
/** `node -e SCRIPT`: a real child process, on any machine that runs the tests. */
const node = (script: string, ...args: string[]): string[] => [process.execPath, '-e', script, ...args];

async function serveModels(): Promise<Loopback> {
  const s = await startLoopback((_req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ object: 'list', data: [{ id: 'm1', object: 'model' }] }));
  });
  servers.push(s);
  return s;
}

/** Whether a process is gone (a zombie waiting for a reaper counts as gone: it runs no more). */
function gone(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return true;
  }
  try {
    return /^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}

async function eventually(condition: () => boolean, ms = 5_000): Promise<void> {
  const end = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * A listening port whose owner never accepts: a child process listens with a backlog of 1 and then blocks
 * its event loop, and the accept queue is filled, so the kernel answers no further SYN.
 */
async function neverAccepting(): Promise<number> {
  const child = spawn(
    process.execPath,
    ['-e', "const s=require('net').createServer();s.listen({port:0,host:'127.0.0.1',backlog:1},()=>{console.log(s.address().port);Atomics.wait(new Int32Array(new SharedArrayBuffer(4)),0,0)})"],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  children.push(child);
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout!.once('data', (d: Buffer) => resolve(Number(String(d).trim())));
    child.once('exit', () => reject(new Error('listener exited')));
  });
  // Fill the accept queue: connect until a connect hangs.
  for (let i = 0; i < 16; i++) {
    const socket = connect({ host: '127.0.0.1', port });
    sockets.push(socket);
    const connected = await new Promise<boolean>((resolve) => {
      const t = setTimeout(() => resolve(false), 300);
      socket.once('connect', () => {
        clearTimeout(t);
        resolve(true);
      });
    });
    if (!connected) return port;
  }
  throw new Error('the accept queue never filled');
}

describe('a tcp check', () => {
  it('passes when the port accepts a connection, sends nothing, lists no models; the latency is the connect', async () => {
    const received: Buffer[] = [];
    let connections = 0;
    const server = await new Promise<Server>((resolve) => {
      const s = createServer((socket: Socket) => {
        connections++;
        socket.on('data', (d: Buffer) => received.push(d));
      });
      s.listen(0, '127.0.0.1', () => resolve(s));
    });
    const port = (server.address() as AddressInfo).port;
    try {
      const result = await prober().probe(tcp(`http://127.0.0.1:${port}`));
      expect(result).toMatchObject({ outcome: 'ok', models: null, backend: 'b1' });
      expect(result.latencyMs).toBeGreaterThanOrEqual(0);
      expect(result.latencyMs).toBeLessThan(3_000);
      await eventually(() => connections === 1);
      await new Promise((r) => setTimeout(r, 50));
      expect(Buffer.concat(received).length).toBe(0);
    } finally {
      server.close();
    }
  });

  it('fails as connection refused, like the HTTP probe', async () => {
    const port = await closedPort();
    expect(await prober().probe(tcp(`http://127.0.0.1:${port}`))).toMatchObject({ outcome: 'failure', kind: 'connection', message: 'connection refused' });
  });

  it('times out at the deadline on a listener that never accepts', async () => {
    const port = await neverAccepting();
    const [result, ms] = await timed(prober({ timeoutMs: 400 }).probe(tcp(`http://127.0.0.1:${port}`)));
    expect(result).toMatchObject({ outcome: 'failure', kind: 'timeout', message: 'timed out after 400ms' });
    expect(ms).toBeGreaterThanOrEqual(390);
    expect(ms).toBeLessThan(3_000);
  });

  it('with also = true, needs the HTTP probe to pass too (its models and latency kept)', async () => {
    const up = await serveModels();
    expect(await prober().probe(tcp(up.url, true))).toMatchObject({ outcome: 'ok', models: ['m1'] });
    const port = await closedPort();
    expect(await prober().probe(tcp(`http://127.0.0.1:${port}`, true))).toMatchObject({ outcome: 'failure', kind: 'connection' });
  });
});

describe('a command check', () => {
  it('passes on exit 0, lists no models', async () => {
    expect(await prober().probe(command(node('process.exit(0)')))).toMatchObject({ outcome: 'ok', models: null });
    expect(await prober().probe(command(['sh', '-c', 'exit 0']))).toMatchObject({ outcome: 'ok', models: null });
  });

  it('fails with kind command and the first line of stderr (else stdout) on another exit', async () => {
    const p = prober();
    expect(await p.probe(command(node("process.stderr.write('\\n  disk full on /models\\nsecond line\\n'); process.stdout.write('ignored\\n'); process.exit(3)")))).toMatchObject({
      outcome: 'failure',
      kind: 'command',
      message: 'exit 3: disk full on /models',
    });
    expect(await p.probe(command(node("console.log('only stdout'); process.exit(1)")))).toMatchObject({ kind: 'command', message: 'exit 1: only stdout' });
    expect(await p.probe(command(['sh', '-c', 'exit 7']))).toMatchObject({ kind: 'command', message: 'exit 7' });
  });

  it('substitutes the placeholders as whole arguments, the URL without its password', async () => {
    const b = command(node("console.error(JSON.stringify(process.argv.slice(1))); process.exit(1)", '${url}', '--at=${host}:${port}', '${name}'), false, { name: 'gpu 1; rm' }, 'http://admin:hunter2@127.0.0.1:8000/v1');
    const result = await prober().probe(b);
    expect(result).toMatchObject({ outcome: 'failure', kind: 'command' });
    expect(result.outcome === 'failure' && result.message).toBe('exit 1: ["http://admin@127.0.0.1:8000/v1","--at=127.0.0.1:8000","gpu 1; rm"]');
  });

  it('runs with stdin closed, in the config directory, without the variables that hold API keys', async () => {
    const env = { PATH: process.env['PATH'], OPENAI_API_KEY: 'sk-other', OWN_KEY: 'sk-own', VISIBLE: 'yes' };
    const script = [
      "const fs = require('fs');",
      "const seen = { stdin: fs.readFileSync(0, 'utf8'), cwd: process.cwd(), other: process.env.OPENAI_API_KEY, own: process.env.OWN_KEY, visible: process.env.VISIBLE };",
      'console.error(JSON.stringify(seen)); process.exit(1);',
    ].join('\n');
    const result = await prober({ env, hiddenEnv: () => ['OPENAI_API_KEY', undefined] }).probe(command(node(script), false, { apiKeyEnv: 'OWN_KEY' }));
    expect(result.outcome === 'failure' && JSON.parse(result.message.replace(/^exit 1: /, ''))).toEqual({ stdin: '', cwd: dir, visible: 'yes' });
  });

  it('is killed with its process group at the deadline: a timeout, and its own child is gone too', async () => {
    const pidFile = join(dir, 'sleep.pid');
    const [result, ms] = await timed(prober({ timeoutMs: 300 }).probe(command(['sh', '-c', `sleep 30 & echo $! > ${pidFile}; wait`])));
    expect(result).toMatchObject({ outcome: 'failure', kind: 'timeout', message: 'timed out after 300ms (command killed)' });
    expect(ms).toBeLessThan(3_000);
    const pid = Number(readFileSync(pidFile, 'utf8'));
    expect(pid).toBeGreaterThan(0);
    await eventually(() => gone(pid));
  });

  it('leaves nothing behind when it exits before a child it started', async () => {
    const pidFile = join(dir, 'left.pid');
    const [result, ms] = await timed(prober().probe(command(['sh', '-c', `sleep 30 & echo $! > ${pidFile}; exit 0`])));
    expect(result).toMatchObject({ outcome: 'ok' });
    expect(ms).toBeLessThan(2_500);
    const pid = Number(readFileSync(pidFile, 'utf8'));
    await eventually(() => gone(pid));
  });

  it('reports a signal as a timeout', async () => {
    expect(await prober().probe(command(['sh', '-c', 'kill -TERM $$']))).toMatchObject({ outcome: 'failure', kind: 'timeout', message: 'killed by SIGTERM' });
  });

  it('strips escape sequences and controls from what the command printed', async () => {
    const result = await prober().probe(command(node("process.stderr.write('\\u001b[2J\\u001b]0;pwned\\u0007bad \\u001b[31mthing\\u001b[0m\\u0007 \\u009b31m\\n'); process.exit(1)")));
    expect(result).toMatchObject({ outcome: 'failure', kind: 'command' });
    const message = result.outcome === 'failure' ? result.message : '';
    expect(message).toBe('exit 1: bad thing');
    // eslint-disable-next-line no-control-regex
    expect(message).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
  });

  it('reads a program that prints 10 MB to the end without blocking, keeping a message of bounded length', async () => {
    const script = "const mb = 'x'.repeat(1024 * 1024); for (let i = 0; i < 10; i++) { process.stdout.write(mb); process.stderr.write(mb); } process.exitCode = 2";
    const [result, ms] = await timed(prober({ timeoutMs: 10_000 }).probe(command(node(script))));
    expect(result).toMatchObject({ outcome: 'failure', kind: 'command' });
    const message = result.outcome === 'failure' ? result.message : '';
    expect(message.startsWith('exit 2: xxx')).toBe(true);
    expect(Array.from(message).length).toBe(MAX_MESSAGE);
    expect(message.endsWith('…')).toBe(true);
    expect(ms).toBeLessThan(10_000);
  });

  it('never runs more than command_concurrency at once', async () => {
    const log = join(dir, 'overlap.log');
    const p = prober({ commandConcurrency: 2 });
    const script = `echo start >> ${log}; sleep 0.3; echo end >> ${log}`;
    const results = await Promise.all(Array.from({ length: 6 }, (_, i) => p.probe(command(['sh', '-c', script], false, { name: `b${i}` }))));
    expect(results.map((r) => r.outcome)).toEqual(Array(6).fill('ok'));
    let running = 0;
    let most = 0;
    for (const line of readFileSync(log, 'utf8').trim().split('\n')) {
      running += line === 'start' ? 1 : -1;
      most = Math.max(most, running);
    }
    expect(most).toBe(2);
    // The wait for a slot is not the command's time: each ran about 0.3 s.
    for (const r of results) expect(r.latencyMs).toBeLessThan(2_000);
  });

  it('stops a running command when the probe is cancelled', async () => {
    const pidFile = join(dir, 'cancel.pid');
    const cancel = new AbortController();
    const probe = prober({ timeoutMs: 30_000 }).probe(command(['sh', '-c', `sleep 30 & echo $! > ${pidFile}; wait`]), cancel.signal);
    await eventually(() => {
      try {
        return readFileSync(pidFile, 'utf8').trim() !== '';
      } catch {
        return false;
      }
    });
    cancel.abort();
    const [result, ms] = await timed(probe);
    expect(result).toMatchObject({ outcome: 'failure', kind: 'timeout', message: 'cancelled' });
    expect(ms).toBeLessThan(2_000);
    await eventually(() => gone(Number(readFileSync(pidFile, 'utf8'))));
  });

  it('fails, without throwing, when the program vanished after the config was read', async () => {
    expect(await prober().probe(command([join(dir, 'no-such-program')]))).toMatchObject({ outcome: 'failure', kind: 'command', message: 'cannot run the command: program not found' });
  });

  it('with also = true, both must pass: the HTTP probe lists the models', async () => {
    const up = await serveModels();
    expect(await prober().probe(command(['sh', '-c', 'exit 0'], true, {}, up.url))).toMatchObject({ outcome: 'ok', models: ['m1'] });
    expect(await prober().probe(command(['sh', '-c', 'echo no GPU >&2; exit 1'], true, {}, up.url))).toMatchObject({ outcome: 'failure', kind: 'command', message: 'exit 1: no GPU' });
    const port = await closedPort();
    expect(await prober().probe(command(['sh', '-c', 'exit 0'], true, {}, `http://127.0.0.1:${port}`))).toMatchObject({ outcome: 'failure', kind: 'connection' });
  });

  it('masks the backend\'s secrets in what the command printed', async () => {
    const result = await prober({ env: { KEY: 'sk-live-0123456789' } }).probe(
      command(node("console.error('key sk-live-0123456789 pw hunter2pass'); process.exit(1)"), false, { apiKeyEnv: 'KEY' }, 'http://u:hunter2pass@127.0.0.1:9'),
    );
    expect(result.outcome === 'failure' && result.message).toBe('exit 1: key *** pw ***');
  });
});
