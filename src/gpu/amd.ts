/**
 * AMD's tools (pure): `rocm-smi --showuse --showmeminfo vram --showtemp --showpower --showproductname --json`
 * (every value a string, a sensor that reads N/A left out) and `amd-smi metric --json` (values as
 * `{value, unit}`, `"N/A"` where unsupported; newer versions wrap the list as `{"gpu_data": […]}`).
 * Neither reports processes in these commands; the panel shows the GPUs.
 */
import { cleanText, MAX_MODEL_ID } from '../text/sanitize.js';
import { MAX_GPUS, MIB, type GpuReading, type Parsed } from './types.js';

export const ROCM_SMI_ARGS = ['--showuse', '--showmeminfo', 'vram', '--showtemp', '--showpower', '--showproductname', '--json'];
export const AMD_SMI_ARGS = ['metric', '--json'];

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function json(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** A number from a string or number value; null for "N/A", garbage or absent. */
function num(v: unknown): number | null {
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v !== 'string' || !/^-?\d+(\.\d+)?$/.test(v.trim())) return null;
  return Number(v.trim());
}

const fraction = (percent: number | null): number | null => (percent === null || percent < 0 || percent > 100 ? null : percent / 100);
const nonNegative = (n: number | null): number | null => (n === null || n < 0 ? null : n);
const positive = (n: number | null): number | null => (n === null || n <= 0 ? null : n);

/** The first of these keys that holds a number. */
function first(o: Record<string, unknown>, keys: readonly string[]): number | null {
  for (const k of keys) {
    const n = num(o[k]);
    if (n !== null) return n;
  }
  return null;
}

/** rocm-smi's `--json`: `{"card0": {"GPU use (%)": "73", …}, "system": {…}}`. */
export function parseRocmSmi(text: string): Parsed<GpuReading> | null {
  const body = json(text);
  if (!isObject(body)) return null;
  const items: GpuReading[] = [];
  let skipped = 0;
  for (const [key, card] of Object.entries(body)) {
    const m = /^card(\d+)$/.exec(key);
    if (!m) continue;
    if (!isObject(card) || items.length >= MAX_GPUS) {
      skipped++;
      continue;
    }
    const name = typeof card['Card Series'] === 'string' ? card['Card Series'] : typeof card['Card SKU'] === 'string' ? card['Card SKU'] : null;
    const uuid = typeof card['Unique ID'] === 'string' ? cleanText(card['Unique ID'], 128) : null;
    items.push({
      index: Number(m[1]),
      uuid: uuid || null,
      name: name === null ? null : cleanText(name, MAX_MODEL_ID) || null,
      vendor: 'amd',
      utilization: fraction(first(card, ['GPU use (%)'])),
      memoryUsedBytes: nonNegative(first(card, ['VRAM Total Used Memory (B)'])),
      memoryTotalBytes: positive(first(card, ['VRAM Total Memory (B)'])),
      // The edge sensor is what NVIDIA's temperature.gpu compares with; junction where there is no edge.
      temperatureC: first(card, ['Temperature (Sensor edge) (C)', 'Temperature (Sensor junction) (C)']),
      powerW: nonNegative(first(card, ['Average Graphics Package Power (W)', 'Current Socket Graphics Package Power (W)'])),
      powerLimitW: positive(first(card, ['Max Graphics Package Power (W)'])),
    });
  }
  items.sort((a, b) => a.index - b.index);
  return { items, skipped };
}

/** `{value, unit}` in amd-smi; the value alone when it gives a bare number; null for "N/A". */
function measured(v: unknown): { value: number; unit: string } | null {
  if (isObject(v)) {
    const value = num(v['value']);
    return value === null ? null : { value, unit: typeof v['unit'] === 'string' ? v['unit'] : '' };
  }
  const value = num(v);
  return value === null ? null : { value, unit: '' };
}

/** amd-smi reports VRAM in "MB" that are MiB (65520 MB on a 64 GiB card). */
function bytesOf(m: { value: number; unit: string } | null): number | null {
  if (m === null || m.value < 0) return null;
  switch (m.unit) {
    case 'B':
      return m.value;
    case 'KB':
      return m.value * 1024;
    case 'MB':
    case '':
      return m.value * MIB;
    case 'GB':
      return m.value * 1024 * MIB;
    default:
      return null;
  }
}

/** `amd-smi metric --json`: a list of `{gpu, usage, power, temperature, mem_usage}`, or `{"gpu_data": [...]}`. */
export function parseAmdSmi(text: string): Parsed<GpuReading> | null {
  const body = json(text);
  const list = Array.isArray(body) ? body : isObject(body) && Array.isArray(body['gpu_data']) ? body['gpu_data'] : null;
  if (list === null) return null;
  const items: GpuReading[] = [];
  let skipped = 0;
  for (const g of list) {
    const index = isObject(g) ? num(g['gpu']) : null;
    if (!isObject(g) || index === null || !Number.isInteger(index) || items.length >= MAX_GPUS) {
      skipped++;
      continue;
    }
    const part = (k: string): Record<string, unknown> => (isObject(g[k]) ? g[k] : {});
    const util = measured(part('usage')['gfx_activity']);
    const temp = measured(part('temperature')['edge']) ?? measured(part('temperature')['hotspot']);
    const power = measured(part('power')['socket_power']);
    items.push({
      index,
      uuid: null,
      name: null,
      vendor: 'amd',
      utilization: fraction(util?.value ?? null),
      memoryUsedBytes: bytesOf(measured(part('mem_usage')['used_vram'])),
      memoryTotalBytes: bytesOf(measured(part('mem_usage')['total_vram'])),
      temperatureC: temp?.value ?? null,
      powerW: nonNegative(power?.value ?? null),
      powerLimitW: null,
    });
  }
  return { items, skipped };
}
