import type { BackendType } from '../config/types.js';
import type { ProbeOutcome } from '../core/outcome.js';
import { bearer, checkList, modelListOutcome } from './judge.js';
import type { BackendDriver, HttpAnswer } from './types.js';

/**
 * OpenAI-style `GET /v1/models`: models from `data[].id`.
 * `"data": null` is how Ollama's /v1/models says it has none: healthy, 0 models.
 */
export function parseOpenAIModels(answer: HttpAnswer): ProbeOutcome {
  return modelListOutcome(answer, { key: 'data', id: 'id', nullIsEmpty: true });
}

function openAICompatible(type: BackendType): BackendDriver {
  return { type, path: '/v1/models', authHeaders: bearer, check: (get) => checkList(get, '/v1/models', parseOpenAIModels) };
}

export const vllmDriver = openAICompatible('vllm');
export const openaiDriver = openAICompatible('openai');
export const lmstudioDriver = openAICompatible('lmstudio');
export const exoDriver = openAICompatible('exo');
export const genericDriver = openAICompatible('generic');
