import type { ProbeOutcome } from '../core/outcome.js';
import { bearer, checkList, modelListOutcome } from './judge.js';
import type { BackendDriver, HttpAnswer } from './types.js';

/** Ollama `GET /api/tags`: models from `models[].name`. */
export function parseOllamaTags(answer: HttpAnswer): ProbeOutcome {
  return modelListOutcome(answer, { key: 'models', id: 'name' });
}

export const ollamaDriver: BackendDriver = {
  type: 'ollama',
  path: '/api/tags',
  authHeaders: bearer,
  check: (get) => checkList(get, '/api/tags', parseOllamaTags),
};
