import type { ProbeOutcome } from '../core/outcome.js';
import { cleanText } from '../text/sanitize.js';
import { bearer, errorOnly, exchangeFailure, isSuccess, judgeAnswer, modelListOutcome } from './judge.js';
import type { BackendDriver, Get, HttpAnswer } from './types.js';

/**
 * llama.cpp `GET /health`: `{"status":"ok"}` is healthy, and so is an empty 200 (a pure health endpoint).
 * Healthy here means `models: null`: the list comes from /v1/models.
 */
export function parseLlamacppHealth(answer: HttpAnswer): ProbeOutcome {
  if (isSuccess(answer.status) && answer.body.trim() === '') return { outcome: 'ok', models: null };
  const judged = judgeAnswer(answer);
  if ('outcome' in judged) return judged.outcome;
  const { json } = judged;
  const refused = errorOnly(json, answer.status, 'status');
  if (refused) return refused;
  if (json.status === 'ok') return { outcome: 'ok', models: null };
  if (typeof json.status === 'string') {
    return { outcome: 'failure', kind: 'http', message: cleanText(`health status: ${json.status}`), status: answer.status };
  }
  return { outcome: 'failure', kind: 'parse', message: 'expected {"status":"ok"}', status: answer.status };
}

/** llama.cpp `GET /v1/models`: `data[].id` (the body also carries Ollama-style `models[].name`, read if `data` is absent). */
export function parseLlamacppModels(answer: HttpAnswer): ProbeOutcome {
  return modelListOutcome(answer, { key: 'data', id: 'id', nullIsEmpty: true, fallback: { key: 'models', id: 'name' } });
}

/** `/health` decides; a failed model list leaves the backend healthy with `models: null` (keep the last list, stale). */
async function check(get: Get): Promise<ProbeOutcome> {
  const health = await get('/health');
  if (!health.ok) return exchangeFailure(health);
  const verdict = parseLlamacppHealth(health);
  if (verdict.outcome !== 'ok') return verdict;
  const list = await get('/v1/models');
  if (!list.ok) return { outcome: 'ok', models: null };
  const models = parseLlamacppModels(list);
  return models.outcome === 'ok' ? models : { outcome: 'ok', models: null };
}

export const llamacppDriver: BackendDriver = { type: 'llamacpp', path: '/health', authHeaders: bearer, check };
