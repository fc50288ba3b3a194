import { performance } from 'node:perf_hooks';
import { driverFor } from '../backends/index.js';
import type { Exchange, Get } from '../backends/types.js';
import type { BackendConfig } from '../config/types.js';
import { redactSecrets } from '../text/redact.js';
import { cleanText } from '../text/sanitize.js';
import { classifyError, ProbeCancelledError, ProbeDeadlineError } from './classify.js';
import { createHttpClient } from './http.js';
import type { ProbeOutcome, ProbeResult } from './types.js';

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
}

export interface Prober {
  /** Probe one backend. Never rejects: every failure is a classified result. */
  probe(backend: BackendConfig, signal?: AbortSignal): Promise<ProbeResult>;
  /** Close the connection pools. */
  close(): Promise<void>;
}

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

export function createProber(options: ProberOptions): Prober {
  const { timeoutMs, bodyLimitBytes } = options;
  const env = options.env ?? process.env;
  const now = options.now ?? Date.now;
  const http = createHttpClient({ timeoutMs, bodyLimitBytes, ...(options.ca ? { ca: options.ca } : {}) });

  async function check(backend: BackendConfig, signal: AbortSignal, secrets: string[]): Promise<ProbeOutcome> {
    const driver = driverFor(backend.type);
    const keyName = backend.apiKeyEnv;
    const apiKey = keyName ? env[keyName] || undefined : undefined;
    let target: Target;
    try {
      target = targetOf(backend, apiKey, (key) => driver.authHeaders(key));
    } catch (error) {
      const message = error instanceof UnsupportedUrlError ? error.message : 'invalid URL';
      return { outcome: 'failure', kind: 'connection', message };
    }
    secrets.push(...target.secrets);
    const get: Get = async (path) => {
      const exchange: Exchange = await http.get({
        url: endpointUrl(target.base, path),
        headers: target.headers,
        signal,
        tlsVerify: backend.tlsVerify,
      });
      // A server that echoes the key or password must not hand it to the parsers (ids, messages).
      return exchange.ok ? { ...exchange, body: redactSecrets(exchange.body, secrets) } : exchange;
    };
    return driver.check(get);
  }

  return {
    async probe(backend, external) {
      const startedAt = now();
      const started = performance.now();
      const secrets: string[] = [];
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(new ProbeDeadlineError(timeoutMs)), Math.min(Math.max(0, timeoutMs), 2 ** 31 - 1));
      const onCancel = (): void => controller.abort(new ProbeCancelledError());
      if (external?.aborted) onCancel();
      else external?.addEventListener('abort', onCancel, { once: true });
      let outcome: ProbeOutcome;
      try {
        outcome = await check(backend, controller.signal, secrets);
      } catch (error) {
        // A driver or parser bug must not take the monitor down: report it as a failure of this probe.
        outcome = { outcome: 'failure', ...classifyError(controller.signal.aborted ? controller.signal.reason : error, { timeoutMs }) };
      } finally {
        clearTimeout(timer);
        external?.removeEventListener('abort', onCancel);
      }
      const latencyMs = Math.round((performance.now() - started) * 10) / 10;
      const finishedAt = now();
      if (outcome.outcome !== 'ok') outcome = { ...outcome, message: cleanText(redactSecrets(outcome.message, secrets)) };
      else if (outcome.models) outcome = { ...outcome, models: outcome.models.map((id) => redactSecrets(id, secrets)) };
      return { ...outcome, backend: backend.name, startedAt, finishedAt, latencyMs };
    },
    close: () => http.close(),
  };
}
