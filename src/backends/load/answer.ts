/**
 * What one load endpoint's answer means (pure; the asking is probe/load.ts's): figures, an endpoint that
 * is off or needs a key (an answer, asked again rarely), or a failure with its reason. Never a health verdict.
 */
import type { LoadSource, SideError } from '../../core/load.js';
import { cleanText } from '../../text/sanitize.js';
import { httpFailure, isSuccess, serverMessage } from '../judge.js';
import type { Exchange, HttpAnswer } from '../types.js';
import type { LoadFigures, LoadParse } from './figures.js';

export type EndpointAnswer =
  | { kind: 'figures'; figures: LoadFigures }
  /** 501 (not enabled), 401/403 (needs the key), 404 (not there): the server's answer, not a fault. */
  | { kind: 'off'; status: number; message: string }
  | { kind: 'failed'; error: SideError };

function tryJson(body: string): unknown {
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return undefined;
  }
}

/** Every figure unknown: nothing to show, whatever the parse said (a /metrics of NaN and +Inf). */
function nothingUsable(f: LoadFigures): boolean {
  return f.running === null && f.waiting === null && f.kvCache === null && f.slots === null && f.loadedModels === null;
}

/** Ollama's answer when its queue is full (OLLAMA_MAX_QUEUE): saturated, not down. */
const OLLAMA_BUSY = /server busy|maximum pending requests/i;

export function judgeLoadAnswer(exchange: Exchange, path: string, source: LoadSource, parse: (body: string) => LoadParse): EndpointAnswer {
  if (!exchange.ok) return { kind: 'failed', error: { kind: exchange.kind, message: cleanText(`${path}: ${exchange.message}`) } };
  const answer: HttpAnswer = exchange;
  const { status } = answer;
  if (isSuccess(status)) {
    const parsed = parse(answer.body);
    if (!parsed.ok) return { kind: 'failed', error: { kind: 'parse', message: cleanText(`${path}: ${parsed.message}`) } };
    if (nothingUsable(parsed.figures)) return { kind: 'failed', error: { kind: 'parse', message: cleanText(`${path}: no usable value (not a number, or infinite)`) } };
    return { kind: 'figures', figures: parsed.figures };
  }
  const said = serverMessage(tryJson(answer.body));
  if (status === 501) return { kind: 'off', status, message: cleanText(`${path} is off (HTTP 501${said ? `: ${said}` : ''})`) };
  if (status === 401 || status === 403) return { kind: 'off', status, message: cleanText(`${path} needs the API key (HTTP ${status}${said ? `: ${said}` : ''})`) };
  if (status === 404) return { kind: 'off', status, message: cleanText(`${path} is not there (HTTP 404)`) };
  if (source === 'ps' && status === 503 && OLLAMA_BUSY.test(said ?? answer.body.slice(0, 500))) {
    return { kind: 'failed', error: { kind: 'http', message: 'saturated: the queue is full (HTTP 503: server busy, maximum pending requests exceeded); waiting unknown' } };
  }
  return { kind: 'failed', error: { kind: 'http', message: cleanText(`${path}: ${httpFailure(answer).message}`) } };
}
