/**
 * One reading of the box's GPUs, put together (pure): the tool's GPUs, its processes on each, and the
 * backend each process serves. What the store keeps and every view reads.
 */
import { ownerOf, type ProcessLookup } from './owner.js';
import type { GpuProcess, GpuReading } from './types.js';

export interface GpuProcessView {
  pid: number;
  name: string;
  memoryBytes: number | null;
  /** The backend it serves; null when none (said in `unmapped`). */
  backend: string | null;
  /** Why it belongs to no backend: it is often the answer (a leftover engine holding 70 GB). */
  unmapped: string | null;
}

export interface GpuView extends GpuReading {
  processes: GpuProcessView[];
}

/** The mapping's inputs: listening sockets (inode → port), the backends on this host (port → name), /proc. */
export interface Mapping {
  listenerPorts: ReadonlyMap<number, number>;
  backendsByPort: ReadonlyMap<number, string>;
  proc: ProcessLookup;
}

/** GPUs with their processes (matched by uuid), each process given its backend. */
export function gpuViews(gpus: readonly GpuReading[], processes: readonly GpuProcess[], mapping: Mapping | null): GpuView[] {
  const owners = new Map<number, ReturnType<typeof ownerOf>>();
  const ownerFor = (pid: number): ReturnType<typeof ownerOf> => {
    let o = owners.get(pid);
    if (o === undefined) {
      o = mapping ? ownerOf(pid, mapping.listenerPorts, mapping.backendsByPort, mapping.proc) : { backend: null, why: 'processes are not mapped on this box' };
      owners.set(pid, o);
    }
    return o;
  };
  return gpus.map((g) => ({
    ...g,
    processes: processes
      .filter((p) => g.uuid !== null && p.gpuUuid === g.uuid)
      .map((p) => {
        const o = ownerFor(p.pid);
        return { pid: p.pid, name: p.name, memoryBytes: p.memoryBytes, backend: o.backend, unmapped: o.backend === null ? o.why : null };
      }),
  }));
}

/** GPU memory held by each backend's processes, summed over GPUs; backends with none mapped are absent. */
export function memoryByBackend(gpus: readonly GpuView[]): Map<string, number> {
  const held = new Map<string, number>();
  for (const g of gpus) {
    for (const p of g.processes) if (p.backend !== null && p.memoryBytes !== null) held.set(p.backend, (held.get(p.backend) ?? 0) + p.memoryBytes);
  }
  return held;
}
