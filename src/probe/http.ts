import type { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import { Agent, buildConnector, request } from 'undici';
import type { Exchange } from '../backends/types.js';
import { cleanText } from '../text/sanitize.js';
import { classifyError, formatBytes } from './classify.js';

export interface HttpClientOptions {
  /** The probe deadline; undici's own connect/headers/body timers are set just past it so ours fires first. */
  timeoutMs: number;
  /** Stop reading a body past this many bytes, on the wire and once decoded. */
  bodyLimitBytes: number;
  /**
   * PEM certificates to trust INSTEAD of Node's bundled roots (and NODE_EXTRA_CA_CERTS).
   * Unset in life; the tests use it to trust a private test CA.
   */
  ca?: string | string[];
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

/**
 * Compression is advertised: bodies must be decoded anyway (some servers and proxies compress whatever
 * they are asked), and cloud model lists are tens to hundreds of KB of repetitive JSON that shrink ~10×
 * on the wire. Local servers (Ollama, llama.cpp, vLLM) ignore it. The body limit applies to the decoded
 * size as well, so a zip bomb stays bounded.
 */
export const ACCEPT_ENCODING = 'gzip, deflate, br';
const BASE_HEADERS = { accept: 'application/json', 'accept-encoding': ACCEPT_ENCODING, 'user-agent': 'nexus-top' };

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

/** The body passed the limit (on the wire or decoded). */
class BodyTooBig extends Error {}
/** The body stream itself failed (socket reset, abort): classified like any transport error. */
class TransportError extends Error {
  constructor(readonly original: unknown) {
    super('transport');
  }
}

const DECODERS: Record<string, { name: string; create(first: Buffer): Transform }> = {
  // Lenient about a missing end like browsers and undici's fetch: a cut body then reads as truncated JSON.
  gzip: { name: 'gzip', create: () => zlib.createGunzip({ flush: zlib.constants.Z_SYNC_FLUSH, finishFlush: zlib.constants.Z_SYNC_FLUSH }) },
  'x-gzip': { name: 'gzip', create: () => zlib.createGunzip({ flush: zlib.constants.Z_SYNC_FLUSH, finishFlush: zlib.constants.Z_SYNC_FLUSH }) },
  // HTTP "deflate" is zlib-wrapped, but some servers send raw deflate: tell them apart by the zlib header.
  deflate: {
    name: 'deflate',
    create: (first) => {
      const opts = { flush: zlib.constants.Z_SYNC_FLUSH, finishFlush: zlib.constants.Z_SYNC_FLUSH };
      const zlibWrapped = first.length >= 2 && (first[0]! & 0x0f) === 8 && ((first[0]! << 8) | first[1]!) % 31 === 0;
      return zlibWrapped || first.length < 2 ? zlib.createInflate(opts) : zlib.createInflateRaw(opts);
    },
  },
  br: {
    name: 'brotli',
    create: () => zlib.createBrotliDecompress({ flush: zlib.constants.BROTLI_OPERATION_FLUSH, finishFlush: zlib.constants.BROTLI_OPERATION_FLUSH }),
  },
};

/** `content-encoding: gzip, br` lists codings in the order applied; `identity` is none. */
function codingsOf(header: string | undefined): string[] {
  if (!header) return [];
  return header
    .split(',')
    .map((c) => c.trim().toLowerCase())
    .filter((c) => c !== '' && c !== 'identity');
}

type Body = { ok: true; bytes: Buffer } | { ok: false; reason: 'too-big' } | { ok: false; reason: 'corrupt'; coding: string };

/**
 * Read a body, decoding it, streaming: never more than the limit buffered (wire or decoded).
 * Transport errors are rethrown as they came; too big and corrupt are results.
 */
async function readBody(body: Readable, codings: string[], limit: number): Promise<Body> {
  const chunks: Buffer[] = [];
  let wire = 0;
  let decoded = 0;
  // The decoder (index into `order`) whose own failure ended the read; -1: none.
  let stage = -1;
  const order = [...codings].reverse(); // listed in the order applied: undo the last first
  const wireStage = async function* (source: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
    try {
      for await (const chunk of source) {
        wire += chunk.length;
        if (wire > limit) throw new BodyTooBig();
        yield chunk;
      }
    } catch (error) {
      throw error instanceof BodyTooBig ? error : new TransportError(error);
    }
  };
  const decoderStage = (coding: string, index: number) =>
    async function* (source: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
      const iterator = source[Symbol.asyncIterator]();
      // The first chunk decides between zlib-wrapped and raw deflate.
      const first = await iterator.next();
      if (first.done) return;
      const decoder = DECODERS[coding]!.create(first.value);
      // Its errors are read through the iteration below; this keeps a late one from being unhandled.
      decoder.on('error', () => {});
      const feed = (async () => {
        try {
          if (!decoder.write(first.value)) await onceDrained(decoder);
          for (;;) {
            const next = await iterator.next();
            if (next.done) break;
            if (!decoder.write(next.value)) await onceDrained(decoder);
          }
          decoder.end();
        } catch (error) {
          decoder.destroy(error instanceof Error ? error : new Error(String(error)));
        }
      })();
      try {
        for await (const chunk of decoder as AsyncIterable<Buffer>) yield chunk;
      } catch (error) {
        // A failure from upstream passes through every later stage: the first decoder to fail is the one.
        if (!(error instanceof TransportError || error instanceof BodyTooBig) && stage < 0) stage = index;
        throw error;
      } finally {
        decoder.destroy();
        await feed;
      }
    };
  const sink = async (source: AsyncIterable<Buffer>): Promise<void> => {
    for await (const chunk of source) {
      decoded += chunk.length;
      if (decoded > limit) throw new BodyTooBig();
      chunks.push(chunk);
    }
  };
  const decoders = order.map((c, i) => decoderStage(c, i));
  try {
    await (pipeline as (...streams: unknown[]) => Promise<void>)(body, wireStage, ...decoders, sink);
  } catch (error) {
    if (error instanceof BodyTooBig) return { ok: false, reason: 'too-big' };
    if (error instanceof TransportError) throw error.original;
    if (stage >= 0) return { ok: false, reason: 'corrupt', coding: DECODERS[order[stage]!]!.name };
    throw error;
  }
  return { ok: true, bytes: Buffer.concat(chunks, decoded) };
}

function onceDrained(stream: Transform): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (): void => {
      stream.off('drain', done);
      stream.off('close', done);
      stream.off('error', fail);
      resolve();
    };
    const fail = (error: Error): void => {
      stream.off('drain', done);
      stream.off('close', done);
      reject(error);
    };
    stream.once('drain', done);
    stream.once('close', done);
    stream.once('error', fail);
  });
}

/** A request that failed on a kept-alive socket the server had closed (or closes as we write). */
const STALE_SOCKET_CODES = new Set(['UND_ERR_SOCKET', 'ECONNRESET', 'EPIPE']);
function isStaleSocketError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && STALE_SOCKET_CODES.has(code);
}

interface Pool {
  agent: Agent;
  /** Connections opened so far, per origin (`http://127.0.0.1:8080`). */
  connects: Map<string, number>;
}

export function createHttpClient(options: HttpClientOptions): HttpClient {
  const { timeoutMs, bodyLimitBytes } = options;
  // Undici's timers back ours up (a request left behind by an abort still ends); ours is the one reported.
  const undiciTimeout = timeoutMs + 1_000;
  const pools = new Map<boolean, Pool>();
  let closed = false;

  const newPool = (tlsVerify: boolean): Pool => {
    const connects = new Map<string, number>();
    const base = buildConnector({ rejectUnauthorized: tlsVerify, timeout: undiciTimeout, ...(options.ca ? { ca: options.ca } : {}) });
    const agent = new Agent({
      connect: (opts, callback) => {
        const origin = `${opts.protocol}//${opts.host ?? opts.hostname}`;
        connects.set(origin, (connects.get(origin) ?? 0) + 1);
        base(opts, callback);
      },
      headersTimeout: undiciTimeout,
      bodyTimeout: undiciTimeout,
    });
    return { agent, connects };
  };
  const poolFor = (tlsVerify: boolean): Pool => {
    let pool = pools.get(tlsVerify);
    if (!pool) {
      pool = newPool(tlsVerify);
      pools.set(tlsVerify, pool);
    }
    return pool;
  };

  async function exchange(req: GetRequest, agent: Agent, progress: { answered: boolean }): Promise<Exchange> {
    const { statusCode, headers, body } = await request(req.url, {
      method: 'GET',
      headers: { ...BASE_HEADERS, ...req.headers },
      signal: req.signal,
      dispatcher: agent,
    });
    progress.answered = true;
    const answerHeaders = lowerCaseHeaders(headers);
    const success = statusCode >= 200 && statusCode < 300;
    // An error status is judged by its status when its body cannot be read: the status says more.
    const unreadable = (message: string): Exchange => {
      // Dropped unread: undici reports that as an abort error on the stream, which is no news here.
      body.on('error', () => {}).destroy();
      return success ? { ok: false, kind: 'parse', message } : { ok: true, status: statusCode, headers: answerHeaders, body: '' };
    };
    const tooBig = `body over ${formatBytes(bodyLimitBytes)}`;
    const declared = Number(answerHeaders['content-length']);
    if (Number.isFinite(declared) && declared > bodyLimitBytes) return unreadable(tooBig);
    const codings = codingsOf(answerHeaders['content-encoding']);
    const unknown = codings.find((c) => !(c in DECODERS));
    if (unknown !== undefined) return unreadable(`unsupported content-encoding ${JSON.stringify(cleanText(unknown, 20))}`);
    const read = await readBody(body, codings, bodyLimitBytes);
    if (!read.ok) return unreadable(read.reason === 'too-big' ? tooBig : `corrupt ${read.coding} body`);
    // WHATWG UTF-8: BOM dropped, invalid bytes become U+FFFD, never throws.
    const text = new TextDecoder('utf-8').decode(read.bytes);
    // The headers described the encoded body; what the parsers get is decoded.
    if (codings.length > 0) {
      delete answerHeaders['content-encoding'];
      delete answerHeaders['content-length'];
    }
    return { ok: true, status: statusCode, headers: answerHeaders, body: text };
  }

  /**
   * A kept-alive socket the server closed while idle can fail the next request before any answer
   * (`other side closed`, ECONNRESET): that is not the backend failing. Retry once, on a new connection,
   * within the same deadline (a GET is idempotent) — only when the failed request went over a pooled
   * socket (no connection was opened for it) and nothing of its answer had arrived.
   */
  async function exchangeWithRetry(req: GetRequest): Promise<Exchange> {
    const pool = poolFor(req.tlsVerify);
    const origin = `${req.url.protocol}//${req.url.host}`;
    const before = pool.connects.get(origin) ?? 0;
    const progress = { answered: false };
    try {
      return await exchange(req, pool.agent, progress);
    } catch (error) {
      const reused = (pool.connects.get(origin) ?? 0) === before;
      if (!reused || progress.answered || !isStaleSocketError(error) || req.signal.aborted || closed) throw error;
    }
    const fresh = newPool(req.tlsVerify);
    try {
      return await exchange(req, fresh.agent, { answered: false });
    } finally {
      fresh.agent.destroy().catch(() => {});
    }
  }

  return {
    async get(req) {
      if (closed) return { ok: false, kind: 'connection', message: 'prober closed' };
      const aborted = whenAborted(req.signal);
      const running = exchangeWithRetry(req);
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
      const all = [...pools.values()];
      pools.clear();
      await Promise.all(all.map((pool) => pool.agent.destroy().catch(() => {})));
    },
  };
}
