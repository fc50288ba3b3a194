/**
 * The mapping on real processes of this machine: a process that listens on a backend's port, and a child
 * of it that holds no socket (as vLLM's EngineCore under its API server), are both that backend's.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { backendsByLocalPort, ownerOf } from '../gpu/owner.js';
import { gpuViews, memoryByBackend } from '../gpu/sample.js';
import { listenerPorts, localAddresses, readProcesses } from './procfs.js';

const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
});

/** A server process on 127.0.0.1 that starts a child of its own; resolves with both PIDs and the port. */
async function serverWithWorker(): Promise<{ server: number; worker: number; port: number }> {
  const script = `
    const { spawn } = require('node:child_process');
    const srv = require('node:http').createServer(() => {}).listen(0, '127.0.0.1', () => {
      const worker = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
      process.on('exit', () => worker.kill('SIGKILL'));
      process.on('SIGTERM', () => process.exit(0));
      console.log(JSON.stringify({ port: srv.address().port, worker: worker.pid }));
    });`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  const [line] = (await once(child.stdout!, 'data')) as [Buffer];
  const { port, worker } = JSON.parse(line.toString()) as { port: number; worker: number };
  children.push({ kill: () => process.kill(worker, 'SIGKILL') } as unknown as ChildProcess);
  return { server: child.pid!, worker, port };
}

describe('/proc: which backend a process serves', () => {
  it('the listening process and its child map to the backend on that port; another process does not', async () => {
    const { server, worker, port } = await serverWithWorker();
    const backends = backendsByLocalPort([{ name: 'vllm-local', url: `http://127.0.0.1:${port}` }, { name: 'far', url: 'http://gpu9:8000' }], localAddresses());
    const ports = await listenerPorts();
    expect([...ports.values()]).toContain(port);
    const proc = await readProcesses([worker, server, process.pid]);
    expect(proc.parent(worker)).toBe(server);
    expect(ownerOf(server, ports, backends, proc)).toEqual({ backend: 'vllm-local', via: server });
    expect(ownerOf(worker, ports, backends, proc)).toEqual({ backend: 'vllm-local', via: server });
    expect(ownerOf(process.pid, ports, backends, proc)).toMatchObject({ backend: null });

    // As the GPU panel sees it: a GPU with both processes and a stray one; the memory each backend holds.
    const gpu = { index: 0, uuid: 'GPU-x', name: 'G', vendor: 'nvidia' as const, utilization: 0.5, memoryUsedBytes: 30, memoryTotalBytes: 100, temperatureC: 50, powerW: 100, powerLimitW: 300 };
    const views = gpuViews(
      [gpu],
      [
        { gpuUuid: 'GPU-x', pid: server, name: 'api', memoryBytes: 10 },
        { gpuUuid: 'GPU-x', pid: worker, name: 'VLLM::EngineCore', memoryBytes: 15 },
        { gpuUuid: 'GPU-x', pid: process.pid, name: 'stray', memoryBytes: 5 },
      ],
      { listenerPorts: ports, backendsByPort: backends, proc },
    );
    expect(views[0]!.processes.map((p) => [p.name, p.backend])).toEqual([
      ['api', 'vllm-local'],
      ['VLLM::EngineCore', 'vllm-local'],
      ['stray', null],
    ]);
    // As non-root, an ancestor of the test process may be root's, and so unreadable: either way, no backend.
    expect(views[0]!.processes[2]!.unmapped).toMatch(/no configured backend|could not be read/);
    expect(memoryByBackend(views)).toEqual(new Map([['vllm-local', 25]]));
  });

  it('a process that is gone is unmapped, said as such, not an error', async () => {
    const gone = spawn(process.execPath, ['-e', '0']);
    await once(gone, 'exit');
    const proc = await readProcesses([gone.pid!]);
    expect(ownerOf(gone.pid!, await listenerPorts(), new Map([[1, 'x']]), proc)).toMatchObject({ backend: null, why: expect.stringMatching(/could not be read/) });
  });
});
