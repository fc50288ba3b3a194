import type { ProbeOutcome } from '../core/outcome.js';
import { checkList, modelListOutcome } from './judge.js';
import type { BackendDriver, HttpAnswer } from './types.js';

/**
 * Google Gemini `GET /v1beta/models`: models from `models[].name` (e.g. `models/gemini-2.0-flash`, first page only).
 * Google's JSON omits empty repeated fields, so `{}` means no models.
 */
export function parseGoogleModels(answer: HttpAnswer): ProbeOutcome {
  return modelListOutcome(answer, { key: 'models', id: 'name', missingIsEmpty: true });
}

export const googleDriver: BackendDriver = {
  type: 'google',
  path: '/v1beta/models',
  authHeaders: (apiKey) => ({ 'x-goog-api-key': apiKey }),
  check: (get) => checkList(get, '/v1beta/models', parseGoogleModels),
};
