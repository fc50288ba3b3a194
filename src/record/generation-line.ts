/**
 * Generation check results in recordings: one line each,
 *   {"type":"generation","ts":ISO,"backend":…,"ok","model","ttft_ms","error":{kind,message}|null,"skipped"}
 * (the `--json` generation shape; absent from older recordings, which replay as before). Replayed in
 * order with the probes through store.recordGeneration, so a replayed backend turns unhealthy as it did.
 */
import type { GenerationResult, SideError } from '../core/load.js';
import { FAILURE_KINDS, type FailureKind } from '../core/outcome.js';
import { generationJson } from '../output/generation-json.js';
import { cleanText, MAX_MESSAGE, MAX_MODEL_ID } from '../text/sanitize.js';

export function generationLineJson(result: GenerationResult) {
  const { at: _at, ...rest } = generationJson(result)!;
  return { type: 'generation', ts: new Date(result.at).toISOString(), backend: result.backend, ...rest };
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * A generation line's result (the backend and time already read by the line parser). A recording is a
 * file anyone can write: what is not what it should be reads as unknown, strings are cleaned again.
 */
export function generationOfLine(o: Obj, backend: string, at: number): GenerationResult {
  const e = o['error'];
  const error: SideError | null =
    isObj(e) && typeof e['kind'] === 'string' && (FAILURE_KINDS as readonly string[]).includes(e['kind'])
      ? { kind: e['kind'] as FailureKind, message: cleanText(typeof e['message'] === 'string' ? e['message'] : '', MAX_MESSAGE) }
      : null;
  const skipped = typeof o['skipped'] === 'string' ? cleanText(o['skipped'], MAX_MESSAGE) : null;
  const ok = o['ok'] === true && error === null && skipped === null;
  const ttft = o['ttft_ms'];
  return {
    backend,
    at,
    ok,
    model: typeof o['model'] === 'string' ? cleanText(o['model'], MAX_MODEL_ID) : null,
    ttftMs: ok && typeof ttft === 'number' && Number.isFinite(ttft) && ttft >= 0 ? ttft : null,
    // A line that says it failed without saying how still failed.
    error: !ok && skipped === null && error === null ? { kind: 'parse', message: 'generation failed (the recording does not say why)' } : error,
    skipped,
  };
}
