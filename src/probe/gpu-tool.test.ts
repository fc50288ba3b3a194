/**
 * The GPU tool as the machine has it: which one is found on PATH, how much of its output is kept, and the
 * mapping read from a /proc of the test's making (docker-proxy holding a backend's port; a port held by
 * no readable process).
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { gpuViews } from '../gpu/sample.js';
import { findGpuTool, GPU_OUTPUT_CAP_BYTES, gpuMapping, gpuToolRunner } from './gpu-tool.js';
import { OUTPUT_CAP_BYTES } from './command.js';

const root = mkdtempSync(join(tmpdir(), 'nexus-top-gpu-tool-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function program(dir: string, name: string, body = 'exit 0', mode = 0o755): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, name), `#!/bin/sh\n${body}\n`);
  chmodSync(join(dir, name), mode);
}

describe('finding the GPU tool on PATH', () => {
  it('nvidia-smi first, then amd-smi, then rocm-smi, whichever PATH dir holds it; a file that cannot run is not one', () => {
    const a = join(root, 'path-a');
    const b = join(root, 'path-b');
    program(a, 'rocm-smi');
    program(b, 'amd-smi');
    expect(findGpuTool({ PATH: `${a}:${b}` })).toEqual({ name: 'amd-smi', path: join(b, 'amd-smi') });
    program(b, 'nvidia-smi', 'exit 0', 0o644);
    expect(findGpuTool({ PATH: `${a}:${b}` })?.name).toBe('amd-smi');
    program(a, 'nvidia-smi');
    expect(findGpuTool({ PATH: `${b}:${a}` })).toEqual({ name: 'nvidia-smi', path: join(a, 'nvidia-smi') });
    mkdirSync(join(root, 'path-c', 'nvidia-smi'), { recursive: true });
    expect(findGpuTool({ PATH: join(root, 'path-c') })).toBeNull();
    expect(findGpuTool({})).toBeNull();
    // A relative PATH entry is not searched: the tool would change with the directory nexus-top runs in.
    expect(findGpuTool({ PATH: 'path-a' })).toBeNull();
  });
});

describe('running the GPU tool', () => {
  it('keeps up to 1 MiB of its output (a big box’s process list is past the command checks’ 64 KiB), and no more', async () => {
    expect(GPU_OUTPUT_CAP_BYTES).toBeGreaterThan(OUTPUT_CAP_BYTES);
    const run = gpuToolRunner(process.env);
    const big = await run([process.execPath, '-e', `process.stdout.write('x'.repeat(${300 * 1024}))`], new AbortController().signal);
    expect(big).toMatchObject({ code: 0, aborted: false });
    expect(big.stdout.length).toBe(300 * 1024);
    const huge = await run([process.execPath, '-e', `process.stdout.write('y'.repeat(${3 * 1024 * 1024}))`], new AbortController().signal);
    expect(huge.stdout.length).toBe(GPU_OUTPUT_CAP_BYTES);
  });

  it('is killed, with what it started, when the deadline aborts it', async () => {
    const abort = new AbortController();
    const pending = gpuToolRunner(process.env)(['/bin/sh', '-c', 'sleep 30; echo late'], abort.signal);
    setTimeout(() => abort.abort(), 100);
    const run = await pending;
    expect(run.aborted).toBe(true);
    expect(run.stdout).toBe('');
  });
});

/** A /proc of the test's making: processes (status PPid, comm, fd links) and /proc/net/tcp's listeners. */
function fakeProc(name: string, processes: Array<{ pid: number; ppid: number; comm: string; sockets?: number[] }>, listeners: Array<{ port: number; inode: number }>): string {
  const dir = join(root, name);
  mkdirSync(join(dir, 'net'), { recursive: true });
  const rows = listeners.map((l, i) => `  ${i}: 00000000:${l.port.toString(16).toUpperCase().padStart(4, '0')} 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 ${l.inode} 1 0000000000000000 100 0 0 10 0`);
  writeFileSync(join(dir, 'net', 'tcp'), `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n${rows.join('\n')}\n`);
  writeFileSync(join(dir, 'net', 'tcp6'), '');
  for (const p of processes) {
    mkdirSync(join(dir, String(p.pid), 'fd'), { recursive: true });
    writeFileSync(join(dir, String(p.pid), 'status'), `Name:\t${p.comm}\nPid:\t${p.pid}\nPPid:\t${p.ppid}\n`);
    writeFileSync(join(dir, String(p.pid), 'comm'), `${p.comm}\n`);
    (p.sockets ?? []).forEach((inode, i) => symlinkSync(`socket:[${inode}]`, join(dir, String(p.pid), 'fd', String(i + 3))));
    symlinkSync('/dev/null', join(dir, String(p.pid), 'fd', '0'));
  }
  return dir;
}

const gpu = { index: 0, uuid: 'GPU-x', name: 'G', vendor: 'nvidia' as const, utilization: 0.5, memoryUsedBytes: 30, memoryTotalBytes: 100, temperatureC: 50, powerW: 100, powerLimitW: 300 };

describe('the mapping read from /proc', () => {
  it('a backend whose port docker-proxy holds: its container’s GPU process stays unmapped, and the panel says why', async () => {
    // vLLM in a container: the host's port 8000 is docker-proxy's; the engine runs under containerd-shim.
    const proc = fakeProc(
      'docker',
      [
        { pid: 100, ppid: 1, comm: 'docker-proxy', sockets: [777] },
        { pid: 150, ppid: 1, comm: 'containerd-shim' },
        { pid: 200, ppid: 150, comm: 'python3' },
        { pid: 300, ppid: 1, comm: 'llama-server', sockets: [888] },
      ],
      [
        { port: 8000, inode: 777 },
        { port: 8080, inode: 888 },
      ],
    );
    const mapping = gpuMapping(() => [{ name: 'vllm-docker', url: 'http://127.0.0.1:8000' }, { name: 'llama', url: 'http://localhost:8080' }], proc);
    const views = gpuViews(
      [gpu],
      [
        { gpuUuid: 'GPU-x', pid: 200, name: 'python3', memoryBytes: 10 },
        { gpuUuid: 'GPU-x', pid: 300, name: 'llama-server', memoryBytes: 5 },
      ],
      await mapping([200, 300]),
    );
    expect(views[0]!.processes.map((p) => [p.pid, p.backend, p.unmapped])).toEqual([
      [200, null, 'vllm-docker’s port 8000 is held by docker-proxy: a container’s processes cannot be tied to it'],
      [300, 'llama', null],
    ]);
  });

  it('a backend port held by no readable process: said as such, never an error', async () => {
    const proc = fakeProc('hidden', [{ pid: 200, ppid: 1, comm: 'python3' }], [{ port: 8000, inode: 999 }]);
    const mapping = await gpuMapping(() => [{ name: 'vllm', url: 'http://127.0.0.1:8000' }], proc)([200]);
    const [view] = gpuViews([gpu], [{ gpuUuid: 'GPU-x', pid: 200, name: 'python3', memoryBytes: 10 }], mapping);
    expect(view!.processes[0]).toMatchObject({ backend: null, unmapped: 'it listens on no configured backend’s port (vllm’s port 8000 is held by no process that could be read)' });
  });

  it('no backend on this host: nothing to tie a GPU process to, said as such', async () => {
    const proc = fakeProc('remote', [{ pid: 200, ppid: 1, comm: 'python3' }], []);
    const mapping = await gpuMapping(() => [{ name: 'far', url: 'http://gpu9.example:8000' }], proc)([200]);
    const [view] = gpuViews([gpu], [{ gpuUuid: 'GPU-x', pid: 200, name: 'python3', memoryBytes: 10 }], mapping);
    expect(view!.processes[0]).toMatchObject({ backend: null, unmapped: 'no configured backend runs on this host' });
  });

  it('no /proc at all (another OS): unmapped, never an error', async () => {
    const mapping = await gpuMapping(() => [{ name: 'vllm', url: 'http://127.0.0.1:8000' }], join(root, 'nowhere'))([200]);
    const [view] = gpuViews([gpu], [{ gpuUuid: 'GPU-x', pid: 200, name: 'python3', memoryBytes: 10 }], mapping);
    expect(view!.processes[0]).toMatchObject({ backend: null, unmapped: expect.stringMatching(/could not be read/) });
  });
});
