import { DEFAULT_HEALTH, DEFAULT_TOP, type BackendType } from '../config/types.js';
import { ProbeCancelledError, ProbeDeadlineError } from './classify.js';
import { createHttpClient } from './http.js';
import { endpointUrl } from './probe.js';
import { redactSecrets } from '../text/redact.js';
import { cleanText } from '../text/sanitize.js';
import { parseOllamaTags } from '../backends/ollama.js';
import { parseOpenAIModels } from '../backends/openai.js';
import type { Exchange } from '../backends/types.js';

/**
 * What kind of server is at a URL, asked of the server itself. Every request goes through the
 * prober's HTTP client (src/probe/http.ts), so the body limit, the deadline, the refusal to follow
 * redirects and the error classification are the same as for a probe.
 *
 * All of these are asked at once, within one deadline:
 *   GET /api/tags, /api/version  — Ollama (`{"models":[…]}` without an OpenAI `data` list; `{"version":"…"}`)
 *   GET /health, /props          — llama.cpp (its `Server: llama.cpp` header on every answer; /props settings)
 *   GET /v1/models               — `owned_by` tells: `vllm` (vLLM), `organization_owner` (LM Studio),
 *                                   `exo` (Exo), `llamacpp` (llama.cpp), `openai`/`system`/`organization-owner`
 *                                   (OpenAI itself); any other parseable list is an OpenAI-compatible `generic`.
 * Nothing conclusive: `generic`, `detected: false`, with the reason.
 */

export const DETECT_PATHS = ['/api/tags', '/api/version', '/health', '/props', '/v1/models'] as const;
export type DetectPath = (typeof DETECT_PATHS)[number];

export interface DetectResult {
  type: BackendType;
  /** The server's answers identified it; false: nothing did and `type` is the `generic` fallback. */
  detected: boolean;
  /** Why, in a few words (sanitised, no credentials): `GET /v1/models: owned_by "vllm"`. */
  reason: string;
}

export interface DetectOptions {
  /** One deadline for all the requests (default: the health check timeout, 5 s). Answers in by then are used. */
  timeoutMs?: number;
  /** Aborting it stops detection; detectType then rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Default: the probe's default body limit. */
  bodyLimitBytes?: number;
  /** Sent as a bearer token (a secured vLLM or llama.cpp answers 401 without it). */
  apiKey?: string;
  /** false accepts a self-signed certificate (the backend's `tls_verify = false`). */
  tlsVerify?: boolean;
  /** PEM certificates to trust instead of Node's roots (tests). */
  ca?: string | string[];
}

export type DetectAnswers = Partial<Record<DetectPath, Exchange>>;

type JsonObject = Record<string, unknown>;
const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);
const json = (e: Exchange | undefined): unknown => {
  if (!e?.ok || e.status < 200 || e.status >= 300) return undefined;
  try {
    return JSON.parse(e.body);
  } catch {
    return undefined;
  }
};

/** `owned_by` of a /v1/models answer, distinct, in order. */
function ownersOf(e: Exchange | undefined): string[] {
  const body = json(e);
  if (!isObject(body) || !Array.isArray(body.data)) return [];
  const owners = new Set<string>();
  for (const entry of body.data) if (isObject(entry) && typeof entry.owned_by === 'string') owners.add(entry.owned_by);
  return [...owners];
}

const OWNER_TYPES: ReadonlyArray<[string, BackendType]> = [
  ['vllm', 'vllm'],
  ['llamacpp', 'llamacpp'],
  // LM Studio's /v1/models: underscore (OpenAI's own spec example says `organization-owner`, with a hyphen).
  ['organization_owner', 'lmstudio'],
  ['exo', 'exo'],
  ['openai', 'openai'],
  ['system', 'openai'],
  ['openai-internal', 'openai'],
  ['organization-owner', 'openai'],
];

const q = (text: string): string => JSON.stringify(cleanText(text, 60));

/** How one failed or refused request reads in a reason. */
function failureOf(path: DetectPath, e: Exchange | undefined): string {
  if (!e) return `GET ${path}: no answer`;
  if (!e.ok) return `GET ${path}: ${e.kind}: ${e.message}`;
  return `GET ${path}: HTTP ${e.status}`;
}

/** The verdict on the answers gathered (pure; exported for tests). */
export function judgeDetection(answers: DetectAnswers): DetectResult {
  const found = (type: BackendType, reason: string): DetectResult => ({ type, detected: true, reason: cleanText(reason) });

  // llama.cpp names itself on every answer, errors and 503 "loading" included.
  for (const path of DETECT_PATHS) {
    const e = answers[path];
    if (e?.ok && /^llama\.cpp\b/i.test(e.headers.server ?? '')) return found('llamacpp', `GET ${path}: Server: llama.cpp`);
  }
  const owners = ownersOf(answers['/v1/models']);
  if (owners.includes('llamacpp')) return found('llamacpp', 'GET /v1/models: owned_by "llamacpp"');
  const props = json(answers['/props']);
  if (isObject(props) && ('default_generation_settings' in props || 'total_slots' in props)) {
    return found('llamacpp', 'GET /props: llama.cpp server settings');
  }

  // Ollama: its own list (older llama.cpp builds also answered /api/tags, but with an OpenAI `data` list beside it).
  const tags = answers['/api/tags'];
  const tagsJson = json(tags);
  if (tags?.ok && isObject(tagsJson) && !('data' in tagsJson) && parseOllamaTags(tags).outcome === 'ok') {
    return found('ollama', 'GET /api/tags: Ollama model list');
  }
  const version = json(answers['/api/version']);
  if (isObject(version) && typeof version.version === 'string' && Object.keys(version).length === 1) {
    return found('ollama', `GET /api/version: Ollama ${cleanText(version.version, 40)}`);
  }

  const models = answers['/v1/models'];
  if (models?.ok && parseOpenAIModels(models).outcome === 'ok') {
    for (const [owner, type] of OWNER_TYPES) {
      if (owners.includes(owner)) return found(type, `GET /v1/models: owned_by ${q(owner)}`);
    }
    const said = owners.length > 0 ? ` (owned_by ${owners.slice(0, 2).map(q).join(', ')}${owners.length > 2 ? ', …' : ''})` : '';
    return found('generic', `GET /v1/models: OpenAI-compatible model list${said}`);
  }

  // Nothing recognisable. Say what went wrong, most telling first: the OpenAI endpoint every type but Ollama has.
  const failures = DETECT_PATHS.map((p) => answers[p]);
  const transport = failures.filter((e): e is Extract<Exchange, { ok: false }> => e !== undefined && !e.ok);
  if (transport.length === DETECT_PATHS.length && transport.every((e) => e.kind === transport[0]!.kind)) {
    return { type: 'generic', detected: false, reason: cleanText(`no answer: ${transport[0]!.kind}: ${transport[0]!.message}`) };
  }
  const why = failureOf('/v1/models', models) + (models?.ok && models.status < 300 ? ' (not a model list)' : '');
  return { type: 'generic', detected: false, reason: cleanText(`not recognised (${why}); assuming generic OpenAI-compatible`) };
}

/** Every spelling of a secret a server could echo back. */
function secretForms(secret: string): string[] {
  const escaped = JSON.stringify(secret).slice(1, -1);
  return [...new Set([secret, escaped, encodeURIComponent(secret)])].filter((s) => s.length > 0);
}

/**
 * Ask the server at `url` what it is. Never rejects for a network problem (that is a `generic`
 * fallback with the reason); rejects only when `signal` aborts. Credentials in the URL are sent as
 * Basic auth, as the prober does, and never appear in the reason.
 */
export async function detectType(url: string, options: DetectOptions = {}): Promise<DetectResult> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_HEALTH.timeoutMs;
  options.signal?.throwIfAborted();
  let base: URL;
  try {
    base = new URL(url);
  } catch {
    return { type: 'generic', detected: false, reason: 'invalid URL' };
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') {
    return { type: 'generic', detected: false, reason: `unsupported URL scheme ${cleanText(base.protocol, 20)}` };
  }
  const secrets: string[] = [];
  const headers: Record<string, string> = {};
  const user = decodeURIComponent(base.username);
  const password = decodeURIComponent(base.password);
  if (options.apiKey) {
    headers.authorization = `Bearer ${options.apiKey}`;
    secrets.push(...secretForms(options.apiKey));
  } else if (base.username || base.password) {
    const token = Buffer.from(`${user}:${password}`, 'utf8').toString('base64');
    headers.authorization = `Basic ${token}`;
    if (password) secrets.push(token);
  }
  if (password) secrets.push(...secretForms(password), base.password);
  base.username = '';
  base.password = '';
  base.hash = '';

  const http = createHttpClient({
    // A few requests once, before anything runs: no pool, and nothing to load (src/probe/single.ts).
    connections: 'single',
    timeoutMs,
    bodyLimitBytes: options.bodyLimitBytes ?? DEFAULT_TOP.bodyLimitBytes,
    ...(options.ca ? { ca: options.ca } : {}),
  });
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new ProbeDeadlineError(timeoutMs)), Math.min(Math.max(0, timeoutMs), 2 ** 31 - 1));
  const onCancel = (): void => controller.abort(new ProbeCancelledError());
  options.signal?.addEventListener('abort', onCancel, { once: true });
  try {
    const answers: DetectAnswers = {};
    await Promise.all(
      DETECT_PATHS.map(async (path) => {
        const e = await http.get({ url: endpointUrl(base, path), headers, signal: controller.signal, tlsVerify: options.tlsVerify ?? true });
        answers[path] = e.ok ? { ...e, body: redactSecrets(e.body, secrets) } : { ...e, message: redactSecrets(e.message, secrets) };
      }),
    );
    options.signal?.throwIfAborted();
    const result = judgeDetection(answers);
    return { ...result, reason: cleanText(redactSecrets(result.reason, secrets)) };
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onCancel);
    await http.close();
  }
}
