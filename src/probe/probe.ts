import { driverFor } from '../backends/index.js';
import type { BackendDriver, Exchange, Get } from '../backends/types.js';
import type { BackendConfig } from '../config/types.js';
import { redactSecrets } from '../text/redact.js';
import { cleanText } from '../text/sanitize.js';
import { ProbeAbort } from './abort.js';
import { classifyError, ProbeCancelledError, ProbeDeadlineError } from './classify.js';
import { createCheckRunner } from './checks.js';
import { elapsedMs } from './elapsed.js';
import { createHttpClient, type Connections } from './http.js';
import type { ProbeOutcome, ProbeResult } from '../core/outcome.js';
import type { SideError } from '../core/load.js';

export interface ProberOptions {
  /** One deadline for the whole check of a backend (every request it makes, bodies included). */
  timeoutMs: number;
  bodyLimitBytes: number;
  /** Where `api_key_env` names are looked up, at probe time. Default `process.env`. */
  env?: Record<string, string | undefined>;
  /** Clock for `startedAt`/`finishedAt`. Default `Date.now`. */
  now?: () => number;
  /** PEM certificates to trust instead of Node's bundled roots; unset in life (tests trust a private CA). */
  ca?: string | string[];
  /** How requests are sent: see HttpClientOptions.connections. Default `pooled`. */
  connections?: Connections;
  /** Command checks running at once (`[top] command_concurrency`). Default 4. */
  commandConcurrency?: number;
  /**
   * Variables kept from command checks' environment (every backend's `api_key_env`), read at each run.
   * The probed backend's own `api_key_env` is kept from it in any case.
   */
  hiddenEnv?: () => Iterable<string | undefined>;
}

export interface Prober {
  /** Probe one backend. Never rejects: every failure is a classified result. */
  probe(backend: BackendConfig, signal?: AbortSignal): Promise<ProbeResult>;
  /**
   * Requests beside the probe (load): `use` gets a `get` on the backend's target, over the same
   * connections, with its API key, secrets masked in bodies, under the probe's deadline (every request
   * `use` makes together), and `mask` for messages built from what came back. Never rejects: a throw
   * of `use` (a parser bug) is a SideError.
   */
  side<T>(backend: BackendConfig, use: (get: Get, mask: (text: string) => string) => Promise<T>, external?: AbortSignal): Promise<SideOutcome<T>>;
  /** Close the connection pools. */
  close(): Promise<void>;
}

export type SideOutcome<T> = { ok: true; value: T } | { ok: false; error: SideError };

interface Target {
  base: URL;
  headers: Record<string, string>;
  secrets: string[];
}

/** Every spelling of a secret a server could echo: as is, JSON-escaped, Go's HTML-safe JSON. */
function secretForms(secret: string): string[] {
  const json = JSON.stringify(secret).slice(1, -1);
  const goJson = json.replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026');
  return [...new Set([secret, json, goJson])];
}

/** The request URL without credentials, and the headers and secrets they turn into. */
function targetOf(backend: BackendConfig, apiKey: string | undefined, authHeaders: (key: string) => Record<string, string>): Target {
  const base = new URL(backend.url);
  if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new UnsupportedUrlError(`unsupported URL scheme ${base.protocol}`);
  const secrets: string[] = [];
  let headers: Record<string, string> = {};
  const user = decodeURIComponent(base.username);
  const password = decodeURIComponent(base.password);
  if (base.password) secrets.push(...secretForms(password), base.password);
  if (apiKey) {
    headers = authHeaders(apiKey);
    secrets.push(...secretForms(apiKey));
  } else if (base.username || base.password) {
    const token = Buffer.from(`${user}:${password}`, 'utf8').toString('base64');
    headers = { authorization: `Basic ${token}` };
    if (base.password) secrets.push(token);
  }
  base.username = '';
  base.password = '';
  base.hash = '';
  return { base, headers, secrets: secrets.filter((s) => s.length > 0) };
}

class UnsupportedUrlError extends Error {}

/** `http://h/proxy` + `/v1/models` → `http://h/proxy/v1/models`; the configured query is kept. */
export function endpointUrl(base: URL, path: string): URL {
  const url = new URL(base.href);
  url.pathname = base.pathname.replace(/\/+$/, '') + path;
  return url;
}

/**
 * A backend's request target as last worked out, kept while its config object and API key stay the same
 * (the key is read from the environment at every probe), with its endpoint URLs by path.
 */
interface CachedTarget {
  apiKey: string | undefined;
  target: Target;
  urls: Map<string, URL>;
}

/**
 * Cancellation shared by many probes (the monitor's one signal for all of them): one listener on that
 * signal, however many probes run, aborting each running probe with ProbeCancelledError.
 */
type Linked = Set<ProbeAbort>;

export function createProber(options: ProberOptions): Prober {
  const { timeoutMs, bodyLimitBytes } = options;
  const env = options.env ?? process.env;
  const now = options.now ?? Date.now;
  const http = createHttpClient({ timeoutMs, bodyLimitBytes, ...(options.ca ? { ca: options.ca } : {}), ...(options.connections ? { connections: options.connections } : {}) });
  const deadlineMs = Math.min(Math.max(0, timeoutMs), 2 ** 31 - 1);
  const targets = new WeakMap<BackendConfig, CachedTarget>();
  const linked = new WeakMap<AbortSignal, Linked>();
  const onDeadline = (abort: ProbeAbort): void => abort.abort(new ProbeDeadlineError(timeoutMs));

  /** The backend's target (its API key read now), or why it has none. */
  function cachedTarget(backend: BackendConfig, driver: BackendDriver): CachedTarget | ProbeOutcome {
    const keyName = backend.apiKeyEnv;
    const apiKey = keyName ? env[keyName] || undefined : undefined;
    let cached = targets.get(backend);
    if (cached === undefined || cached.apiKey !== apiKey) {
      let target: Target;
      try {
        target = targetOf(backend, apiKey, (key) => driver.authHeaders(key));
      } catch (error) {
        const message = error instanceof UnsupportedUrlError ? error.message : 'invalid URL';
        return { outcome: 'failure', kind: 'connection', message };
      }
      cached = { apiKey, target, urls: new Map() };
      targets.set(backend, cached);
    }
    return cached;
  }

  /** The backend's URL password and API key (as read now), which a command's output must not show either. */
  function secretsOf(backend: BackendConfig): readonly string[] {
    const cached = cachedTarget(backend, driverFor(backend.type));
    return 'outcome' in cached ? NO_SECRETS : cached.target.secrets;
  }

  function urlFor(cached: CachedTarget, path: string): URL {
    let url = cached.urls.get(path);
    if (!url) {
      url = endpointUrl(cached.target.base, path);
      cached.urls.set(path, url);
    }
    return url;
  }

  /** The probes to cancel when `external` aborts; registered on it once. */
  function linkedTo(external: AbortSignal): Linked {
    let set = linked.get(external);
    if (!set) {
      const probes: Linked = new Set();
      external.addEventListener(
        'abort',
        () => {
          for (const abort of probes) abort.abort(new ProbeCancelledError());
          probes.clear();
        },
        { once: true },
      );
      linked.set(external, probes);
      set = probes;
    }
    return set;
  }

  /** The `get` a driver sequences: every request of this probe, on its target, under its signal. */
  function getter(backend: BackendConfig, cached: CachedTarget, signal: ProbeAbort): Get {
    const { headers, secrets } = cached.target;
    const { tlsVerify } = backend;
    if (secrets.length === 0) return (path) => http.get({ url: urlFor(cached, path), headers, signal, tlsVerify });
    // A server that echoes the key or password must not hand it to the parsers (ids, messages).
    return (path) =>
      http.get({ url: urlFor(cached, path), headers, signal, tlsVerify }).then((exchange: Exchange): Exchange => (exchange.ok ? { ...exchange, body: redactSecrets(exchange.body, secrets) } : exchange));
  }

  /** The HTTP probe's outcome under `signal`, with the secrets its messages and model ids must not show. */
  async function httpOutcome(backend: BackendConfig, signal: ProbeAbort): Promise<{ outcome: ProbeOutcome; secrets: readonly string[] }> {
    let secrets: readonly string[] = NO_SECRETS;
    let outcome: ProbeOutcome;
    try {
      const driver = driverFor(backend.type);
      const cached = cachedTarget(backend, driver);
      if ('outcome' in cached) outcome = cached;
      else {
        secrets = cached.target.secrets;
        outcome = await driver.check(getter(backend, cached, signal));
      }
    } catch (error) {
      // A driver or parser bug must not take the monitor down: report it as a failure of this probe.
      outcome = { outcome: 'failure', ...classifyError(signal.aborted ? signal.reason : error, { timeoutMs }) };
    }
    return { outcome, secrets };
  }

  /** Registers `signal` to be cancelled with `external`; returns how to unregister it. */
  function link(signal: ProbeAbort, external: AbortSignal | undefined): () => void {
    if (external?.aborted) signal.abort(new ProbeCancelledError());
    else if (external) {
      const cancellers = linkedTo(external);
      cancellers.add(signal);
      return () => cancellers.delete(signal);
    }
    return NOTHING;
  }

  const checks = createCheckRunner({ timeoutMs, env, hiddenEnv: options.hiddenEnv, concurrency: options.commandConcurrency ?? 4, link });

  return {
    async probe(backend, external) {
      const startedAt = now();
      const started = process.hrtime.bigint();
      const signal = new ProbeAbort();
      const timer = setTimeout(onDeadline, deadlineMs, signal);
      const unlink = link(signal, external);
      let found: { outcome: ProbeOutcome; secrets: readonly string[] };
      let latencyMs: number;
      try {
        const { check } = backend;
        if (check === undefined) {
          found = await httpOutcome(backend, signal);
          latencyMs = elapsedMs(started);
        } else {
          // A TCP or command check, alone or beside the HTTP probe (both must pass; the latency is HTTP's then).
          const own = checks.run(backend, check, signal, external);
          const beside = check.also ? httpOutcome(backend, signal).then((h) => ({ ...h, latencyMs: elapsedMs(started) })) : undefined;
          const [c, h] = await Promise.all([own, beside]);
          const secrets = h?.secrets ?? secretsOf(backend);
          found = { outcome: h === undefined ? c.outcome : bothMustPass(h.outcome, c.outcome), secrets };
          latencyMs = h?.latencyMs ?? c.latencyMs;
        }
      } finally {
        clearTimeout(timer);
        unlink();
      }
      const finishedAt = now();
      let { outcome } = found;
      const { secrets } = found;
      if (outcome.outcome !== 'ok') outcome = { ...outcome, message: cleanText(secrets.length > 0 ? redactSecrets(outcome.message, secrets) : outcome.message) };
      else if (outcome.models && secrets.length > 0) outcome = { ...outcome, models: outcome.models.map((id) => redactSecrets(id, secrets)) };
      return resultOf(outcome, backend.name, startedAt, finishedAt, latencyMs);
    },
    async side(backend, use, external) {
      const signal = new ProbeAbort();
      const timer = setTimeout(onDeadline, deadlineMs, signal);
      const unlink = link(signal, external);
      let secrets: readonly string[] = NO_SECRETS;
      const mask = (text: string): string => cleanText(secrets.length > 0 ? redactSecrets(text, secrets) : text);
      try {
        const driver = driverFor(backend.type);
        const cached = cachedTarget(backend, driver);
        if ('outcome' in cached) return { ok: false, error: { kind: cached.outcome === 'failure' ? cached.kind : 'connection', message: mask('message' in cached ? cached.message : 'invalid URL') } };
        secrets = cached.target.secrets;
        return { ok: true, value: await use(getter(backend, cached, signal), mask) };
      } catch (error) {
        const { kind, message } = classifyError(signal.aborted ? signal.reason : error, { timeoutMs });
        return { ok: false, error: { kind, message: mask(message) } };
      } finally {
        clearTimeout(timer);
        unlink();
      }
    },
    close: () => http.close(),
  };
}

const NO_SECRETS: readonly string[] = [];
const NOTHING = (): void => {};

/** The HTTP probe's failure first, then the other check's, then the HTTP probe's answer (its models, or loading). */
function bothMustPass(http: ProbeOutcome, other: ProbeOutcome): ProbeOutcome {
  if (http.outcome === 'failure') return http;
  if (other.outcome === 'failure') return other;
  return http;
}

/**
 * `{ ...outcome, backend, startedAt, finishedAt, latencyMs }`, the same keys in the same order, built by
 * assignment: a spread that then adds keys makes V8 build new hidden classes for every result (about
 * 600 bytes a probe instead of about 150).
 */
function resultOf(outcome: ProbeOutcome, backend: string, startedAt: number, finishedAt: number, latencyMs: number): ProbeResult {
  const result: Record<string, unknown> = {};
  for (const key in outcome) {
    if (Object.hasOwn(outcome, key)) result[key] = (outcome as Record<string, unknown>)[key];
  }
  result.backend = backend;
  result.startedAt = startedAt;
  result.finishedAt = finishedAt;
  result.latencyMs = latencyMs;
  return result as ProbeResult;
}
