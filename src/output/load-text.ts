/** Load in plain words (`--once`), and the thresholds every view of load shares. */
import type { LoadView } from '../core/load.js';

/** KV cache use from here on is shown as trouble: vLLM starts preempting requests near a full cache. */
export const KV_FULL = 0.9;

/**
 * The backend refused to say because its queue is full (Ollama's 503 "maximum pending requests exceeded"):
 * load is unknown, but that is saturation, not a failure to read it. The load reader words it so
 * (backends/load/answer.ts: a message starting `saturated:`).
 */
export function queueFull(load: LoadView): boolean {
  return load.error !== null && load.error.message.startsWith('saturated');
}

export const percent = (f: number): string => `${Math.round(f * 100)}%`;

/** Some of a loaded model is not in VRAM (Ollama `size_vram` < `size`): it runs partly on the CPU. */
export function partlyOnCpu(load: LoadView): boolean {
  return (load.loadedModels ?? []).some((m) => m.sizeBytes !== null && m.vramBytes !== null && m.vramBytes < m.sizeBytes);
}

/** The LOAD cell of `--once` in short plain words (logs and pipes): `run 12, wait 3, kv 87%`, `slots 2/2, wait 1`, `2 models, part CPU`. */
export function loadText(load: LoadView | null): string {
  if (load === null) return '-';
  const parts: string[] = [];
  if (load.slots !== null) parts.push(`slots ${load.slots.busy}/${load.slots.total}`);
  else if (load.running !== null) parts.push(`run ${load.running}`);
  if (load.waiting !== null) parts.push(`wait ${load.waiting}`);
  if (load.kvCache !== null) parts.push(`kv ${percent(load.kvCache)}`);
  if (parts.length === 0 && load.loadedModels !== null) {
    const n = load.loadedModels.length;
    parts.push(`${n} ${n === 1 ? 'model' : 'models'}${partlyOnCpu(load) ? ', part CPU' : ''}`);
  }
  if (parts.length === 0 && load.routerPending !== null) parts.push(`router ${load.routerPending} pending`);
  if (parts.length > 0) return parts.join(', ');
  if (queueFull(load)) return 'queue full';
  return load.error !== null ? `? (${load.error.kind})` : '-';
}
