/**
 * The GPU tool as this machine has it (I/O): which one is on PATH, how it is run (the command checks'
 * runner: detached, its process group killed at the deadline), and what /proc says for the mapping of
 * its processes to backends. The schedule is src/monitor/gpu-sampler.ts; the reasoning src/gpu/.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';
import { backendsByLocalPort } from '../gpu/owner.js';
import type { Mapping } from '../gpu/sample.js';
import type { GpuToolName } from '../gpu/state.js';
import type { GpuTool, RunTool } from '../monitor/gpu-sampler.js';
import { runCommand } from './command.js';
import { listenerPorts, localAddresses, readProcesses } from './procfs.js';

/** In this order: a box with both an NVIDIA tool and an AMD one is read by nvidia-smi. */
const TOOLS: readonly GpuToolName[] = ['nvidia-smi', 'amd-smi', 'rocm-smi'];

/**
 * nvidia-smi's process list on a box with hundreds of processes is past the command checks' 64 KiB;
 * past this it is garbage, cut (and then read in part: a cut line is skipped).
 */
export const GPU_OUTPUT_CAP_BYTES = 1024 * 1024;

function executable(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The first GPU tool on PATH, nvidia-smi first, then amd-smi, then rocm-smi; null when none is. */
export function findGpuTool(env: Record<string, string | undefined>): GpuTool | null {
  const dirs = (env.PATH ?? '').split(delimiter).filter((d) => d !== '' && isAbsolute(d));
  for (const name of TOOLS) {
    for (const dir of dirs) {
      const path = join(dir, name);
      if (executable(path)) return { name, path };
    }
  }
  return null;
}

/** Run the tool with stdin closed, in a process group of its own, killed with it when `signal` aborts. */
export function gpuToolRunner(env: Record<string, string | undefined>): RunTool {
  return (argv, signal) => runCommand(argv, { cwd: '', env, signal, outputCapBytes: GPU_OUTPUT_CAP_BYTES });
}

/**
 * What the mapping needs, read from /proc for the GPU processes `pids` and their ancestors: the listening
 * sockets, the backends whose URL is on this host (as configured now), and who holds their ports. Never
 * rejects: what cannot be read is unknown.
 */
export function gpuMapping(backends: () => readonly { name: string; url: string }[], root = '/proc'): (pids: readonly number[]) => Promise<Mapping | null> {
  const holders = new Map<number, number | null>();
  return async (pids) => {
    const backendsByPort = backendsByLocalPort(backends(), localAddresses());
    const ports = await listenerPorts(root);
    const listeners = [...ports].filter(([, port]) => backendsByPort.has(port)).map(([inode]) => inode);
    const proc = await readProcesses(pids, root, { listeners, holders });
    return { listenerPorts: ports, backendsByPort, proc };
  };
}
