/**
 * nvidia-smi's CSV (pure): the two queries nexus-top sends, with `--format=csv,noheader,nounits`.
 * Fields are separated by `, `. `[N/A]`, `[Not Supported]` and a bare `N/A` mean unknown. A header line
 * or units (`87 %`, `71234 MiB`: the same query without `noheader,nounits`) are read too.
 */
import { cleanText, MAX_MODEL_ID } from '../text/sanitize.js';
import { MAX_GPU_PROCESSES, MAX_GPUS, MIB, type GpuProcess, type GpuReading, type Parsed } from './types.js';

export const QUERY_GPU = ['index', 'uuid', 'name', 'utilization.gpu', 'memory.used', 'memory.total', 'temperature.gpu', 'power.draw', 'power.limit'] as const;
export const QUERY_APPS = ['gpu_uuid', 'pid', 'used_memory', 'process_name'] as const;

/** The arguments of each query, as nexus-top runs them. */
export const NVIDIA_GPU_ARGS = [`--query-gpu=${QUERY_GPU.join(',')}`, '--format=csv,noheader,nounits'];
export const NVIDIA_APPS_ARGS = [`--query-compute-apps=${QUERY_APPS.join(',')}`, '--format=csv,noheader,nounits'];

const UNKNOWN = /^\[?(N\/A|Not Supported|Unknown Error|Insufficient Permissions)\]?$/i;

/** A number from a field, its unit (if any) dropped; null for unknown or garbage. */
function numberOf(field: string | undefined): number | null {
  if (field === undefined) return null;
  const text = field.trim().replace(/\s*(%|MiB|W|C)$/, '');
  if (text === '' || UNKNOWN.test(text)) return null;
  if (!/^-?\d+(\.\d+)?$/.test(text)) return null;
  return Number(text);
}

function lines(text: string): string[] {
  return text.split('\n').map((l) => l.replace(/\r$/, '')).filter((l) => l.trim() !== '');
}

const isHeader = (line: string, first: string): boolean => line.trim().startsWith(`${first},`);

/** `--query-gpu=index,uuid,name,utilization.gpu,memory.used,memory.total,temperature.gpu,power.draw,power.limit`. */
export function parseNvidiaGpus(text: string): Parsed<GpuReading> {
  const items: GpuReading[] = [];
  let skipped = 0;
  for (const line of lines(text)) {
    if (isHeader(line, 'index')) continue;
    const f = line.split(', ');
    // The name is the only field that could hold ", ": everything after it is counted from the end.
    const tail = QUERY_GPU.length - 3;
    const index = numberOf(f[0]);
    if (f.length < QUERY_GPU.length || index === null || !Number.isInteger(index) || items.length >= MAX_GPUS) {
      skipped++;
      continue;
    }
    const [util, used, total, temp, power, limit] = f.slice(f.length - tail).map(numberOf);
    const uuid = cleanText(f[1]!.trim(), 128);
    items.push({
      index,
      uuid: uuid === '' ? null : uuid,
      name: cleanText(f.slice(2, f.length - tail).join(', ').trim(), MAX_MODEL_ID) || null,
      vendor: 'nvidia',
      utilization: util === null || util === undefined || util < 0 || util > 100 ? null : util / 100,
      memoryUsedBytes: used === null || used === undefined || used < 0 ? null : used * MIB,
      memoryTotalBytes: total === null || total === undefined || total <= 0 ? null : total * MIB,
      temperatureC: temp ?? null,
      powerW: power === null || power === undefined || power < 0 ? null : power,
      powerLimitW: limit === null || limit === undefined || limit <= 0 ? null : limit,
    });
  }
  return { items, skipped };
}

/** `--query-compute-apps=gpu_uuid,pid,used_memory,process_name`: process_name last, as a workload names itself (commas included). */
export function parseNvidiaApps(text: string): Parsed<GpuProcess> {
  const items: GpuProcess[] = [];
  let skipped = 0;
  for (const line of lines(text)) {
    if (isHeader(line, 'gpu_uuid')) continue;
    const f = line.split(', ');
    const pid = numberOf(f[1]);
    if (f.length < QUERY_APPS.length || pid === null || !Number.isInteger(pid) || pid <= 0 || items.length >= MAX_GPU_PROCESSES) {
      skipped++;
      continue;
    }
    const memory = numberOf(f[2]);
    items.push({
      gpuUuid: cleanText(f[0]!.trim(), 128),
      pid,
      name: cleanText(f.slice(3).join(', ').trim(), MAX_MODEL_ID),
      memoryBytes: memory === null || memory < 0 ? null : memory * MIB,
    });
  }
  return { items, skipped };
}
