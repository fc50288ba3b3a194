/**
 * A stand-in `nvidia-smi` for the end-to-end tests (a small sh script in a dir of its own, put first on
 * PATH), and a real backend process to tie its GPU processes to: an HTTP server on 127.0.0.1 that answers
 * as an Ollama with no model, with a child of its own (as vLLM's EngineCore under its API server).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The two queries nexus-top must send, exactly (issue 16; ../shared/wire/gpu/README.md). */
export const QUERY_GPU = '--query-gpu=index,uuid,name,utilization.gpu,memory.used,memory.total,temperature.gpu,power.draw,power.limit';
export const QUERY_APPS = '--query-compute-apps=gpu_uuid,pid,used_memory,process_name';
export const FORMAT = '--format=csv,noheader,nounits';

export const UUID0 = 'GPU-f9ba66fc-a7f5-94c5-da19-019ef2f9c665';
export const UUID1 = 'GPU-1a2b3c4d-0000-1111-2222-333344445555';

export interface StandInProcess {
  pid: number;
  name: string;
  mib: number;
  uuid?: string;
}

export type StandIn =
  /** Answers both queries: an H100 with the processes given, and a card whose sensors read [N/A]. */
  | { kind: 'answers'; processes: StandInProcess[] }
  /** Writes its pid to `pidFile`, then sleeps (its child `sleep` in its process group). */
  | { kind: 'hangs'; pidFile: string }
  /** Exits 9 with NVML's complaint on stderr. */
  | { kind: 'exits-9' };

const sh = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * Write `dir/nvidia-smi` (each call appended to `dir/calls`, one line of arguments); returns `dir` to put
 * first on PATH. A query it does not know is an exit 2 that names it, so a changed query shows.
 */
export function writeStandIn(dir: string, standIn: StandIn): string {
  mkdirSync(dir, { recursive: true });
  const calls = join(dir, 'calls');
  const lines = ['#!/bin/sh', `echo "$*" >> ${sh(calls)}`];
  if (standIn.kind === 'hangs') lines.push(`echo $$ > ${sh(standIn.pidFile)}`, 'sleep 60', 'exit 0');
  else if (standIn.kind === 'exits-9') lines.push('echo "Failed to initialize NVML: Driver/library version mismatch" >&2', 'echo "NVML library version: 550.54" >&2', 'exit 9');
  else {
    const gpus = [`0, ${UUID0}, NVIDIA H100 80GB HBM3, 87, 71234, 81559, 64, 512.37, 700.00`, `1, ${UUID1}, NVIDIA GeForce GTX 770, [Not Supported], 1711, 2047, 52, [N/A], [N/A]`];
    const apps = standIn.processes.map((p) => `${p.uuid ?? UUID0}, ${p.pid}, ${p.mib}, ${p.name}`);
    lines.push(
      `if [ "$#" -eq 2 ] && [ "$1" = ${sh(QUERY_GPU)} ] && [ "$2" = ${sh(FORMAT)} ]; then`,
      `  printf '%s\\n' ${gpus.map(sh).join(' ')}`,
      `elif [ "$#" -eq 2 ] && [ "$1" = ${sh(QUERY_APPS)} ] && [ "$2" = ${sh(FORMAT)} ]; then`,
      apps.length > 0 ? `  printf '%s\\n' ${apps.map(sh).join(' ')}` : '  :',
      'else',
      '  echo "stand-in nvidia-smi: unexpected query: $*" >&2',
      '  exit 2',
      'fi',
    );
  }
  const file = join(dir, 'nvidia-smi');
  writeFileSync(file, `${lines.join('\n')}\n`);
  chmodSync(file, 0o755);
  return dir;
}

export interface Listener {
  child: ChildProcess;
  /** The process that listens (the backend's API server). */
  server: number;
  /** Its child, which holds no socket. */
  worker: number;
  port: number;
  url: string;
}

/** A backend process on 127.0.0.1 (ephemeral port) answering `GET /api/tags` as an Ollama with no model, with a child of its own. */
export async function listenerWithChild(): Promise<Listener> {
  const script = `
    const { spawn } = require('node:child_process');
    const srv = require('node:http').createServer((req, res) => {
      res.writeHead(req.url === '/api/tags' ? 200 : 404, { 'content-type': 'application/json' });
      res.end(req.url === '/api/tags' ? '{"models":[]}' : '{"error":"not found"}');
    }).listen(0, '127.0.0.1', () => {
      const worker = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
      const end = () => { try { worker.kill('SIGKILL'); } catch {} process.exit(0); };
      process.on('SIGTERM', end);
      process.on('SIGINT', end);
      process.on('exit', () => { try { worker.kill('SIGKILL'); } catch {} });
      console.log(JSON.stringify({ port: srv.address().port, worker: worker.pid }));
    });`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [line] = (await once(child.stdout!, 'data')) as [Buffer];
  const { port, worker } = JSON.parse(line.toString()) as { port: number; worker: number };
  return { child, server: child.pid!, worker, port, url: `http://127.0.0.1:${port}` };
}

/** Stop the listener and its child. */
export function stopListener(l: Listener): void {
  for (const pid of [l.worker, l.server]) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
