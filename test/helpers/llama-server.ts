/**
 * The REAL llama-server of ../shared/peers/llama-server (llama.cpp v0.5.0, CPU, a tiny model), started by a
 * test on a free port of its own, its output in a temp dir of the test's (../shared is read-only in CI).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PEER = fileURLToPath(new URL('../../../shared/peers/llama-server/', import.meta.url));
const BIN = join(PEER, 'bin/llama-server');
const MODEL = join(PEER, 'models/tiny.gguf');
/** The peer is there (a clone without ../shared has none; CI has it). */
export const peerPresent = existsSync(BIN) && existsSync(MODEL);

export interface LlamaServer {
  base: string;
  /** The test's own dir (the server's log, and HOME for nexus-top). */
  dir: string;
  /** An environment for nexus-top that reads no config and writes state only under `dir`. */
  env: Record<string, string | undefined>;
  stop(): void;
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

function status(url: string): Promise<number> {
  return new Promise((resolve) => {
    const req = request(url, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', () => resolve(0));
    req.setTimeout(2_000, () => req.destroy());
    req.end();
  });
}

/** Start one with the given extra arguments; resolves once its /health says ok (20 s at most). */
export async function startLlamaServer(name: string, args: readonly string[] = []): Promise<LlamaServer> {
  const dir = mkdtempSync(join(tmpdir(), `nexus-top-llama-${name}-`));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const log = openSync(join(dir, 'llama-server.log'), 'w');
  const server: ChildProcess = spawn(BIN, ['-m', MODEL, '--host', '127.0.0.1', '--port', String(port), ...args], { stdio: ['ignore', log, log] });
  const stop = (): void => {
    server.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  const end = Date.now() + 20_000;
  while ((await status(`${base}/health`)) !== 200) {
    if (Date.now() > end) {
      stop();
      throw new Error('llama-server: /health not ok within 20 s');
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const env = { HOME: dir, XDG_CONFIG_HOME: join(dir, 'config'), XDG_STATE_HOME: join(dir, 'state'), NEXUS_TOP_CONFIG: undefined, CI: 'true' };
  return { base, dir, env, stop };
}
