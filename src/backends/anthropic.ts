import type { ProbeOutcome } from '../core/outcome.js';
import { checkList, modelListOutcome } from './judge.js';
import type { BackendDriver, HttpAnswer } from './types.js';

export const ANTHROPIC_VERSION = '2023-06-01';

/** Anthropic `GET /v1/models`: `{"data":[{"id":…}],"has_more":…}` (first page only). */
export function parseAnthropicModels(answer: HttpAnswer): ProbeOutcome {
  return modelListOutcome(answer, { key: 'data', id: 'id', nullIsEmpty: true });
}

export const anthropicDriver: BackendDriver = {
  type: 'anthropic',
  path: '/v1/models',
  authHeaders: (apiKey) => ({ 'x-api-key': apiKey, 'anthropic-version': ANTHROPIC_VERSION }),
  check: (get) => checkList(get, '/v1/models', parseAnthropicModels),
};
