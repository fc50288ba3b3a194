/**
 * Asking a backend how loaded it is (I/O): which endpoints each type has, asked over the prober's own
 * connections and deadline (Prober.side), their answers read by the pure parsers in backends/load/.
 * An endpoint that is off, wants a key or is not there (501, 401/403, 404) is an answer: what the other
 * endpoints say is used, and that one is asked again only every ASK_OFF_AGAIN_EVERY rounds. A generic or
 * OpenAI-compatible backend is asked `/metrics` until it answers once; kept if it is a server we read.
 */
import { judgeLoadAnswer, type EndpointAnswer } from '../backends/load/answer.js';
import { metricsFamily, NO_FIGURES, parseLlamacppSlots, parseLmStudioModels, parseMetricsLoad, parseOllamaPs, type LoadParse, type MetricsFamily } from '../backends/load/figures.js';
import type { Get } from '../backends/types.js';
import type { BackendConfig, BackendType } from '../config/types.js';
import type { LoadFigures, LoadReading, LoadSource, SideError } from '../core/load.js';
import type { FailureKind } from '../core/outcome.js';
import { cleanText } from '../text/sanitize.js';
import type { SideOutcome } from './probe.js';

/** An endpoint found off (or locked, or absent) is asked again on every this many rounds. */
export const ASK_OFF_AGAIN_EVERY = 10;

interface Endpoint {
  path: string;
  source: LoadSource;
  parse: (body: string) => LoadParse;
}

const metrics = (family: MetricsFamily): Endpoint => ({ path: '/metrics', source: 'metrics', parse: (body) => parseMetricsLoad(body, family) });
const SLOTS: Endpoint = { path: '/slots', source: 'slots', parse: parseLlamacppSlots };
const PS: Endpoint = { path: '/api/ps', source: 'ps', parse: parseOllamaPs };
const LMSTUDIO_MODELS: Endpoint = { path: '/api/v0/models', source: 'models', parse: parseLmStudioModels };

/**
 * The endpoints of each type, in the order asked. SGLang and TGI have no type of their own: as `generic`
 * their `/metrics` is recognised. openai, anthropic, google (cloud APIs) and exo have no load endpoint.
 */
const PLANS: Partial<Record<BackendType, readonly Endpoint[]>> = {
  vllm: [metrics('vllm')],
  llamacpp: [SLOTS, metrics('llamacpp')],
  ollama: [PS],
  lmstudio: [LMSTUDIO_MODELS],
};
/** Types whose `/metrics` is tried once and kept when it is one we read. */
const DETECTED: ReadonlySet<BackendType> = new Set(['generic']);

/** The request transport: Prober.side of the prober in force. */
export type Side = <T>(backend: BackendConfig, use: (get: Get, mask: (text: string) => string) => Promise<T>, external?: AbortSignal) => Promise<SideOutcome<T>>;

export interface LoadReader {
  /** Whether the backend is asked for load: its type has a load endpoint (a generic one until its `/metrics` proved none). */
  asks(backend: BackendConfig): boolean;
  /** One round: its reading, or null when there is nothing to say (no load endpoint; a generic backend not yet found out). Never rejects. */
  read(backend: BackendConfig, signal?: AbortSignal): Promise<LoadReading | null>;
}

interface EndpointState {
  /** Rounds still to skip an endpoint found off; 0: ask. */
  skip: number;
  /** What it said when last asked, while off. */
  off: string | null;
}

interface BackendState {
  endpoints: Map<string, EndpointState>;
  /** A detected backend's `/metrics`: undefined until it answers, null when it is none we read. */
  family: MetricsFamily | null | undefined;
}

/** Transport failures, after which a generic backend's `/metrics` is still to be found out. */
const TRANSIENT: ReadonlySet<FailureKind> = new Set(['timeout', 'connection', 'dns', 'tls']);

type Asked = EndpointAnswer & { source: LoadSource };

/** The first known value of each figure, in the order the endpoints were asked. */
function merge(answers: readonly Asked[]): { figures: LoadFigures; sources: LoadSource[] } {
  const figures: LoadFigures = { ...NO_FIGURES };
  const sources: LoadSource[] = [];
  for (const a of answers) {
    if (a.kind !== 'figures') continue;
    sources.push(a.source);
    const f = a.figures;
    figures.running ??= f.running;
    figures.waiting ??= f.waiting;
    figures.kvCache ??= f.kvCache;
    figures.slots ??= f.slots;
    figures.loadedModels ??= f.loadedModels;
  }
  return { figures, sources };
}

/** No endpoint gave figures: the first failure's kind (an off endpoint is an HTTP answer), every reason said. */
function errorOf(answers: readonly Asked[], mask: (text: string) => string): SideError {
  const failed = answers.find((a): a is Extract<Asked, { kind: 'failed' }> => a.kind === 'failed');
  const reasons = answers.map((a) => (a.kind === 'failed' ? a.error.message : a.kind === 'off' ? a.message : ''));
  return { kind: failed?.error.kind ?? 'http', message: mask(cleanText(reasons.filter((r) => r !== '').join('; '))) };
}

export function createLoadReader(options: { side: Side; now: () => number }): LoadReader {
  const { side, now } = options;
  const states = new WeakMap<BackendConfig, BackendState>();
  const stateOf = (backend: BackendConfig): BackendState => {
    let s = states.get(backend);
    if (!s) {
      s = { endpoints: new Map(), family: undefined };
      states.set(backend, s);
    }
    return s;
  };
  const endpointState = (s: BackendState, path: string): EndpointState => {
    let e = s.endpoints.get(path);
    if (!e) {
      e = { skip: 0, off: null };
      s.endpoints.set(path, e);
    }
    return e;
  };

  /** Ask one endpoint, or say again what it said while it is off. */
  async function ask(get: Get, s: BackendState, ep: Endpoint): Promise<Asked> {
    const e = endpointState(s, ep.path);
    if (e.skip > 0 && e.off !== null) {
      e.skip -= 1;
      return { kind: 'off', status: 0, message: e.off, source: ep.source };
    }
    const answer = judgeLoadAnswer(await get(ep.path), ep.path, ep.source, ep.parse);
    if (answer.kind === 'off') {
      e.skip = ASK_OFF_AGAIN_EVERY - 1;
      e.off = answer.message;
    } else {
      e.skip = 0;
      e.off = null;
    }
    return { ...answer, source: ep.source };
  }

  /** A generic backend's `/metrics`: the endpoint to ask from now on, or null when there is none (yet). */
  async function detect(get: Get, s: BackendState): Promise<{ endpoint: Endpoint; first: Asked } | null> {
    const e = endpointState(s, '/metrics');
    if (e.skip > 0) {
      e.skip -= 1;
      return null;
    }
    const exchange = await get('/metrics');
    if (!exchange.ok) {
      // Down or unreachable: not an answer about /metrics; a body too big is one.
      if (!TRANSIENT.has(exchange.kind)) s.family = null;
      return null;
    }
    if (exchange.status === 401 || exchange.status === 403 || exchange.status === 501) {
      e.skip = ASK_OFF_AGAIN_EVERY - 1;
      return null;
    }
    // Overloaded, loading, a proxy's 502: nothing learnt about /metrics yet.
    if (exchange.status >= 500) return null;
    const family = exchange.status >= 200 && exchange.status < 300 ? metricsFamily(exchange.body) : null;
    s.family = family;
    if (family === null) return null;
    const endpoint = metrics(family);
    return { endpoint, first: { ...judgeLoadAnswer(exchange, '/metrics', 'metrics', endpoint.parse), source: 'metrics' } };
  }

  const planOf = (backend: BackendConfig, s: BackendState): readonly Endpoint[] | null => {
    if (DETECTED.has(backend.type)) return s.family ? [metrics(s.family)] : null;
    return PLANS[backend.type] ?? null;
  };

  const asks = (backend: BackendConfig): boolean => {
    // A TCP or command check in place of the HTTP probe: its URL may be no HTTP server at all.
    if (backend.check !== undefined && !backend.check.also) return false;
    return DETECTED.has(backend.type) ? states.get(backend)?.family !== null : PLANS[backend.type] !== undefined;
  };

  return {
    asks,
    async read(backend, signal) {
      if (!asks(backend)) return null;
      const s = stateOf(backend);
      const done = await side(
        backend,
        async (get, mask): Promise<LoadReading | null> => {
          let answers: Asked[];
          const plan = planOf(backend, s);
          if (plan === null) {
            const found = await detect(get, s);
            if (found === null) return null;
            answers = [found.first];
          } else {
            answers = [];
            for (const ep of plan) answers.push(await ask(get, s, ep));
          }
          const { figures, sources } = merge(answers);
          const error = sources.length > 0 ? null : errorOf(answers, mask);
          return { backend: backend.name, at: now(), figures: error ? { ...NO_FIGURES } : figures, sources, error };
        },
        signal,
      );
      if (done.ok) return done.value;
      return { backend: backend.name, at: now(), figures: { ...NO_FIGURES }, sources: [], error: done.error };
    },
  };
}
