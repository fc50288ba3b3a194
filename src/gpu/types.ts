/** One GPU as a tool reports it; every figure null when unknown (`[N/A]`), never 0 (a 0 is a real 0). */
export interface GpuReading {
  index: number;
  /** NVIDIA's `GPU-…` id; null where the tool gives none (rocm-smi without --showuniqueid, amd-smi metric). */
  uuid: string | null;
  name: string | null;
  vendor: 'nvidia' | 'amd';
  /** 0–1. */
  utilization: number | null;
  memoryUsedBytes: number | null;
  memoryTotalBytes: number | null;
  temperatureC: number | null;
  powerW: number | null;
  powerLimitW: number | null;
}

/** A process holding GPU memory, as the tool reports it (host PIDs, even for containers). */
export interface GpuProcess {
  /** Which GPU: NVIDIA reports its uuid. */
  gpuUuid: string;
  pid: number;
  name: string;
  memoryBytes: number | null;
}

/** What a parse kept, and how many lines it could not read (said in the panel, never fatal). */
export interface Parsed<T> {
  items: T[];
  skipped: number;
}

/** More than this many GPUs or processes in one output is garbage, not a box. */
export const MAX_GPUS = 64;
export const MAX_GPU_PROCESSES = 4096;

export const MIB = 1024 * 1024;
