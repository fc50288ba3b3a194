import type { GpuView } from './sample.js';

export type GpuToolName = 'nvidia-smi' | 'amd-smi' | 'rocm-smi';

export type GpuErrorKind = 'timeout' | 'exit' | 'garbage' | 'spawn';

/** The box's GPUs as the store keeps them: the last good reading, and what went wrong with the last run. */
export interface GpuState {
  tool: GpuToolName;
  /** The last good reading; null until the first one. */
  gpus: GpuView[] | null;
  /** What went wrong with the last run; null when it went well. */
  error: { kind: GpuErrorKind; message: string } | null;
  /** Clock time of the last run's end. */
  at: number;
  /** Clock time of the last good reading (`gpus`); null until the first. */
  gpusAt: number | null;
}
