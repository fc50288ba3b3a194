/**
 * Reading the Nexus router (`[top] router_url`, `--router`): its `/v1/stats` and `/health`, both at once,
 * under one deadline, through the prober's HTTP client (body limit, no redirects, failures classified).
 * A password in the URL becomes a Basic header and is never shown: the URL is shown without it, and a
 * router that echoes it has it masked before anything is parsed.
 */
import { parseRouterHealth, parseRouterStats, readExchange, ROUTER_HEALTH_PATH, ROUTER_STATS_PATH, routerViewOf } from '../backends/router.js';
import type { Exchange } from '../backends/types.js';
import type { RouterView } from '../core/load.js';
import { displayUrl, redactSecrets } from '../text/redact.js';
import { ProbeAbort } from './abort.js';
import { ProbeCancelledError, ProbeDeadlineError } from './classify.js';
import { createHttpClient, type Connections } from './http.js';
import { endpointUrl } from './probe.js';

export interface RouterReaderOptions {
  url: string;
  /** The probe deadline: both endpoints within it. */
  timeoutMs: number;
  bodyLimitBytes: number;
  connections?: Connections;
  /** PEM certificates to trust instead of Node's roots (tests). */
  ca?: string | string[];
  /** Clock for the reading's `at`. Default Date.now. */
  now?: () => number;
}

export interface RouterReader {
  /** The router's URL, safe to show. */
  readonly url: string;
  /** One round of both endpoints. Never rejects: a failure is the view's `error`. */
  read(signal?: AbortSignal): Promise<RouterView>;
  close(): Promise<void>;
}

interface Target {
  stats: URL;
  health: URL;
  headers: Record<string, string>;
  secrets: string[];
}

function targetOf(raw: string): Target {
  const base = new URL(raw);
  const user = decodeURIComponent(base.username);
  const password = decodeURIComponent(base.password);
  const headers: Record<string, string> = {};
  const secrets: string[] = [];
  if (base.username || base.password) {
    const token = Buffer.from(`${user}:${password}`, 'utf8').toString('base64');
    headers.authorization = `Basic ${token}`;
    if (password) secrets.push(password, base.password, JSON.stringify(password).slice(1, -1), token);
  }
  base.username = '';
  base.password = '';
  base.hash = '';
  return { stats: endpointUrl(base, ROUTER_STATS_PATH), health: endpointUrl(base, ROUTER_HEALTH_PATH), headers, secrets: [...new Set(secrets.filter((s) => s.length > 0))] };
}

export function createRouterReader(options: RouterReaderOptions): RouterReader {
  const { timeoutMs } = options;
  const now = options.now ?? Date.now;
  const url = displayUrl(options.url);
  const http = createHttpClient({
    timeoutMs,
    bodyLimitBytes: options.bodyLimitBytes,
    ...(options.connections ? { connections: options.connections } : {}),
    ...(options.ca ? { ca: options.ca } : {}),
  });
  let target: Target | Error;
  try {
    target = targetOf(options.url);
  } catch {
    // The config checks the URL; this only keeps a bad one from throwing here.
    target = new Error('invalid URL');
  }
  const masked = (exchange: Exchange, secrets: readonly string[]): Exchange => {
    if (secrets.length === 0) return exchange;
    return exchange.ok ? { ...exchange, body: redactSecrets(exchange.body, secrets) } : { ...exchange, message: redactSecrets(exchange.message, secrets) };
  };

  return {
    url,
    async read(external) {
      if (target instanceof Error) {
        const error = { ok: false as const, kind: 'connection' as const, message: target.message };
        return routerViewOf(url, now(), readExchange(error, parseRouterStats), readExchange(error, parseRouterHealth));
      }
      const t = target;
      const signal = new ProbeAbort();
      const timer = setTimeout(() => signal.abort(new ProbeDeadlineError(timeoutMs)), Math.min(Math.max(0, timeoutMs), 2 ** 31 - 1));
      const cancel = (): void => signal.abort(new ProbeCancelledError());
      if (external?.aborted) cancel();
      else external?.addEventListener('abort', cancel, { once: true });
      try {
        const get = (u: URL): Promise<Exchange> => http.get({ url: u, headers: t.headers, signal, tlsVerify: true }).then((e) => masked(e, t.secrets));
        const [stats, health] = await Promise.all([get(t.stats), get(t.health)]);
        return routerViewOf(url, now(), readExchange(stats, parseRouterStats), readExchange(health, parseRouterHealth));
      } finally {
        clearTimeout(timer);
        external?.removeEventListener('abort', cancel);
      }
    },
    close: () => http.close(),
  };
}
