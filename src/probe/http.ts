import { Agent, request } from 'undici';
import type { Exchange } from '../backends/types.js';
import { classifyError, formatBytes } from './classify.js';

export interface HttpClientOptions {
  /** The probe deadline; undici's own connect/headers/body timers are set just past it so ours fires first. */
  timeoutMs: number;
  /** Stop reading a body past this many bytes. */
  bodyLimitBytes: number;
}

export interface GetRequest {
  /** Absolute http(s) URL without credentials. */
  url: URL;
  headers: Record<string, string>;
  /** Aborting it ends the exchange at once; its reason is classified (ProbeDeadlineError → timeout). */
  signal: AbortSignal;
  tlsVerify: boolean;
}

export interface HttpClient {
  /** One GET: never follows redirects, never rejects. */
  get(req: GetRequest): Promise<Exchange>;
  /** Close every connection (in-flight requests are dropped). */
  close(): Promise<void>;
}

const BASE_HEADERS = { accept: 'application/json', 'accept-encoding': 'identity', 'user-agent': 'nexus-top' };

/** Settles when the signal aborts, rejecting with its reason (never resolves). */
function whenAborted(signal: AbortSignal): { promise: Promise<never>; dispose(): void } {
  let dispose = (): void => {};
  const promise = new Promise<never>((_, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    dispose = () => signal.removeEventListener('abort', onAbort);
  });
  return { promise, dispose };
}

function lowerCaseHeaders(raw: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw)) {
    if (value === undefined) continue;
    out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

export function createHttpClient(options: HttpClientOptions): HttpClient {
  const { timeoutMs, bodyLimitBytes } = options;
  // Undici's timers back ours up (a request left behind by an abort still ends); ours is the one reported.
  const undiciTimeout = timeoutMs + 1_000;
  const agents = new Map<boolean, Agent>();
  let closed = false;

  const agentFor = (tlsVerify: boolean): Agent => {
    let agent = agents.get(tlsVerify);
    if (!agent) {
      agent = new Agent({
        connect: { rejectUnauthorized: tlsVerify, timeout: undiciTimeout },
        headersTimeout: undiciTimeout,
        bodyTimeout: undiciTimeout,
      });
      agents.set(tlsVerify, agent);
    }
    return agent;
  };

  async function exchange(req: GetRequest): Promise<Exchange> {
    const { statusCode, headers, body } = await request(req.url, {
      method: 'GET',
      headers: { ...BASE_HEADERS, ...req.headers },
      signal: req.signal,
      dispatcher: agentFor(req.tlsVerify),
    });
    const answerHeaders = lowerCaseHeaders(headers);
    const tooBig = (): Exchange => {
      body.destroy();
      return { ok: false, kind: 'parse', message: `body over ${formatBytes(bodyLimitBytes)}` };
    };
    const declared = Number(answerHeaders['content-length']);
    if (Number.isFinite(declared) && declared > bodyLimitBytes) return tooBig();
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of body as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > bodyLimitBytes) return tooBig();
      chunks.push(chunk);
    }
    // WHATWG UTF-8: BOM dropped, invalid bytes become U+FFFD, never throws.
    const text = new TextDecoder('utf-8').decode(Buffer.concat(chunks, size));
    return { ok: true, status: statusCode, headers: answerHeaders, body: text };
  }

  return {
    async get(req) {
      if (closed) return { ok: false, kind: 'connection', message: 'prober closed' };
      const aborted = whenAborted(req.signal);
      const running = exchange(req);
      // An abort may not reach undici at once (a connect still in progress); the race answers now anyway.
      running.catch(() => {});
      try {
        return await Promise.race([running, aborted.promise]);
      } catch (error) {
        const reason = req.signal.aborted ? req.signal.reason : error;
        const { kind, message } = classifyError(reason, { timeoutMs, host: req.url.hostname });
        return { ok: false, kind, message };
      } finally {
        aborted.dispose();
      }
    },
    async close() {
      closed = true;
      const all = [...agents.values()];
      agents.clear();
      await Promise.all(all.map((agent) => agent.destroy().catch(() => {})));
    },
  };
}
