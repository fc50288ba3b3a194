/**
 * The wire files that are load bodies (read by src/backends/load/, not by the health parsers), with the
 * figures a user must see from each. src/backends/parsers.test.ts requires every wire file to be either a
 * health verdict there or a load body here, so a new capture cannot be forgotten.
 */
import { NO_FIGURES, parseLlamacppSlots, parseLmStudioModels, parseMetricsLoad, parseOllamaPs, type LoadFigures, type LoadParse } from '../../src/backends/load/figures.js';

type ParseBody = (body: string) => LoadParse;

const metrics = (family: Parameters<typeof parseMetricsLoad>[1]): ParseBody => (body) => parseMetricsLoad(body, family);
const figures = (f: Partial<LoadFigures>): LoadParse => ({ ok: true, figures: { ...NO_FIGURES, ...f } });

export const LOAD_BODIES: Record<string, [ParseBody, LoadParse]> = {
  'vllm/metrics.http': [metrics('vllm'), figures({ running: 12, waiting: 3, kvCache: 0.6412 })],
  // Before 0.9.2 the KV gauge was gpu_cache_usage_perc.
  'vllm/metrics_v0.8.http': [metrics('vllm'), figures({ running: 4, waiting: 0, kvCache: 0.215 })],
  'sglang/metrics.http': [metrics('sglang'), figures({ running: 9, waiting: 21, kvCache: 0.93 })],
  // KV ≈ the current batch's max tokens over the most the batch can hold: 118211 / 131072.
  'tgi/metrics.http': [metrics('tgi'), figures({ running: 32, waiting: 5, kvCache: 118211 / 131072 })],
  'llamacpp/metrics_busy.http': [metrics('llamacpp'), figures({ running: 2, waiting: 1 })],
  'llamacpp/slots_busy.http': [parseLlamacppSlots, figures({ running: 2, slots: { busy: 2, total: 2 } })],
  'ollama/api_ps.http': [
    parseOllamaPs,
    figures({
      loadedModels: [
        { name: 'qwen3:14b', sizeBytes: 11811160064, vramBytes: 9663676416, expiresAt: Date.parse('2026-08-22T14:38:31.83753-07:00') },
        { name: 'nomic-embed-text:latest', sizeBytes: 849141760, vramBytes: 849141760, expiresAt: Date.parse('2026-08-22T14:33:02.114207-07:00') },
      ],
    }),
  ],
  'ollama/api_ps_empty.http': [parseOllamaPs, figures({ loadedModels: [] })],
  'lmstudio/api_v0_models.http': [parseLmStudioModels, figures({ loadedModels: [{ name: 'qwen/qwen3-8b', sizeBytes: null, vramBytes: null, expiresAt: null }] })],
};
