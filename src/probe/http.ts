import type { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Exchange } from '../backends/types.js';
import { errorCode } from '../error-code.js';
import { cleanText } from '../text/sanitize.js';
import type { AbortSignalLike } from './abort.js';
import { classifyError, formatBytes } from './classify.js';
import { getOnce } from './single.js';
import type { Agent } from './undici.js';

/**
 * Undici is loaded with the first pooled request, not at start: a run that never makes one (--once,
 * --check) never pays for it, and the dashboard's first frame does not wait for it.
 */
type Undici = typeof import('./undici.js');
let undici: Undici | undefined;
let loadingUndici: Promise<Undici> | undefined;
function loadUndici(): Promise<Undici> {
  return (loadingUndici ??= import('./undici.js').then((m) => (undici = m)));
}

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
  /**
   * `pooled` (the default): undici, keep-alive connections reused from probe to probe — the loop.
   * `single`: each request on a connection of its own over node:http (src/probe/single.ts) — for runs
   * that ask each backend once, where a pool buys nothing and undici's start-up costs most of the run.
   */
  connections?: Connections;
}

/** How a client sends its requests: see HttpClientOptions.connections. */
export type Connections = 'pooled' | 'single';

export interface GetRequest {
  /** Absolute http(s) URL without credentials. */
  url: URL;
  headers: Record<string, string>;
  /** Aborting it ends the exchange at once; its reason is classified (ProbeDeadlineError → timeout). */
  signal: AbortSignalLike;
  tlsVerify: boolean;
  /**
   * A JSON body: the request is then a POST (the generation check). A stale kept-alive socket is retried
   * for it too: nothing was answered, and a one-token completion asked twice costs nothing worth a false alarm.
   */
  body?: string;
}

export interface HttpClient {
  /** One GET (or a POST when `req.body` is set): never follows redirects, never rejects. */
  get(req: GetRequest): Promise<Exchange>;
  /** One POST of a JSON body; the same rules as `get`. */
  post(req: GetRequest & { body: string }): Promise<Exchange>;
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
const ONCE = { once: true } as const;
const CLOSED: Exchange = { ok: false, kind: 'connection', message: 'prober closed' };

function lowerCaseHeaders(raw: Record<string, string | string[] | undefined>): Record<string, string> {
  // Undici hands out a fresh object with lower-case names: kept as it is when it already is what we want.
  for (const name in raw) {
    const value = raw[name];
    if (typeof value !== 'string' || name === '__proto__' || hasUpperCase(name) || !Object.hasOwn(raw, name)) return copyHeaders(raw);
  }
  return raw as Record<string, string>;
}

function hasUpperCase(name: string): boolean {
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if ((c >= 65 && c <= 90) || c > 127) return true;
  }
  return false;
}

function copyHeaders(raw: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name in raw) {
    if (!Object.hasOwn(raw, name)) continue;
    const value = raw[name];
    if (value === undefined) continue;
    out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

/** An answer's status and head, its body still to be read (undici's response data, or node:http's). */
interface Answer {
  statusCode: number;
  headers: Record<string, string | string[] | undefined>;
  body: Readable;
}

/** The body passed the limit (on the wire or decoded). */
class BodyTooBig extends Error {}
/** The body stream itself failed (socket reset, abort): classified like any transport error. */
class TransportError extends Error {
  constructor(readonly original: unknown) {
    super('transport');
  }
}

/** node:zlib, loaded with the first encoded body (local servers never compress). */
const zlibModule = (): typeof import('node:zlib') => process.getBuiltinModule('node:zlib');

function gunzip(): Transform {
  const zlib = zlibModule();
  return zlib.createGunzip({ flush: zlib.constants.Z_SYNC_FLUSH, finishFlush: zlib.constants.Z_SYNC_FLUSH });
}

const DECODERS: Record<string, { name: string; create(first: Buffer): Transform }> = {
  // Lenient about a missing end like browsers and undici's fetch: a cut body then reads as truncated JSON.
  gzip: { name: 'gzip', create: () => gunzip() },
  'x-gzip': { name: 'gzip', create: () => gunzip() },
  // HTTP "deflate" is zlib-wrapped, but some servers send raw deflate: tell them apart by the zlib header.
  deflate: {
    name: 'deflate',
    create: (first) => {
      const zlib = zlibModule();
      const opts = { flush: zlib.constants.Z_SYNC_FLUSH, finishFlush: zlib.constants.Z_SYNC_FLUSH };
      const zlibWrapped = first.length >= 2 && (first[0]! & 0x0f) === 8 && ((first[0]! << 8) | first[1]!) % 31 === 0;
      return zlibWrapped || first.length < 2 ? zlib.createInflate(opts) : zlib.createInflateRaw(opts);
    },
  },
  br: {
    name: 'brotli',
    create: () => {
      const zlib = zlibModule();
      return zlib.createBrotliDecompress({ flush: zlib.constants.BROTLI_OPERATION_FLUSH, finishFlush: zlib.constants.BROTLI_OPERATION_FLUSH });
    },
  },
};

const NO_CODINGS: readonly string[] = [];

/** `content-encoding: gzip, br` lists codings in the order applied; `identity` is none. */
function codingsOf(header: string | undefined): readonly string[] {
  if (!header) return NO_CODINGS;
  return header
    .split(',')
    .map((c) => c.trim().toLowerCase())
    .filter((c) => c !== '' && c !== 'identity');
}

type Body = { ok: true; bytes: Buffer } | { ok: false; reason: 'too-big' } | { ok: false; reason: 'corrupt'; coding: string };

const TOO_BIG: Body = { ok: false, reason: 'too-big' };
const noop = (): void => {};

/** What `pipeline` reports for a stream that closed before its end: the same error, for the same message. */
function prematureClose(): Error {
  return Object.assign(new Error('Premature close'), { code: 'ERR_STREAM_PREMATURE_CLOSE' });
}

/** A plain body being read: kept on the stream itself, so its listeners are shared functions. */
interface PlainRead {
  chunks: Buffer[];
  size: number;
  limit: number;
  resolve: (body: Body) => void;
  reject: (error: unknown) => void;
}
const kPlainRead = Symbol('nexus-top plain body read');
type Reading = Readable & { [kPlainRead]?: PlainRead | undefined };

function detachPlain(body: Reading): PlainRead {
  const read = body[kPlainRead]!;
  body[kPlainRead] = undefined;
  body.off('data', onPlainData);
  body.off('end', onPlainEnd);
  body.off('error', onPlainError);
  body.off('close', onPlainClose);
  return read;
}
function onPlainData(this: Reading, chunk: Buffer): void {
  const read = this[kPlainRead]!;
  read.size += chunk.length;
  if (read.size > read.limit) {
    detachPlain(this);
    // Read no further; a late error of the stream being dropped is no news.
    this.pause();
    this.on('error', noop);
    read.resolve(TOO_BIG);
    return;
  }
  read.chunks.push(chunk);
}
function onPlainEnd(this: Reading): void {
  const { chunks, size, resolve } = detachPlain(this);
  resolve({ ok: true, bytes: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size) });
}
function onPlainError(this: Reading, error: unknown): void {
  detachPlain(this).reject(error);
}
function onPlainClose(this: Reading): void {
  detachPlain(this).reject(prematureClose());
}

/**
 * Read a body sent without content coding: its bytes as they come, never more than the limit buffered.
 * The common case (every local server, most answers) without the machinery of a decoding pipeline.
 * Transport errors are rethrown as they came; too big is a result (the caller drops the stream).
 */
function readPlainBody(body: Readable, limit: number): Promise<Body> {
  return new Promise<Body>((resolve, reject) => {
    (body as Reading)[kPlainRead] = { chunks: [], size: 0, limit, resolve, reject };
    body.on('data', onPlainData);
    body.on('end', onPlainEnd);
    body.on('error', onPlainError);
    body.on('close', onPlainClose);
  });
}

/**
 * Read a body, decoding it, streaming: never more than the limit buffered (wire or decoded).
 * Transport errors are rethrown as they came; too big and corrupt are results.
 */
async function readBody(body: Readable, codings: readonly string[], limit: number): Promise<Body> {
  if (codings.length === 0) return readPlainBody(body, limit);
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

/**
 * An answer whose body is not read (too big, undecodable): dropped, and judged by its status when that is
 * an error (the status says more), a parse failure when it is a success.
 */
function unreadable(body: Readable, statusCode: number, headers: Record<string, string>, message: string): Exchange {
  // Dropped unread: undici reports that as an abort error on the stream, which is no news here.
  body.on('error', noop).destroy();
  return statusCode >= 200 && statusCode < 300 ? { ok: false, kind: 'parse', message } : { ok: true, status: statusCode, headers, body: '' };
}

/** A request that failed on a kept-alive socket the server had closed (or closes as we write). */
const STALE_SOCKET_CODES = new Set(['UND_ERR_SOCKET', 'ECONNRESET', 'EPIPE']);
function isStaleSocketError(error: unknown): boolean {
  const code = errorCode(error);
  return code !== undefined && STALE_SOCKET_CODES.has(code);
}

interface Pool {
  agent: Agent;
  /** Connections opened so far, per origin (`http://127.0.0.1:8080`). */
  connects: Map<string, number>;
}

/** What a request needs from its URL, worked out once per URL object (the prober reuses them). */
interface Route {
  /** `http://127.0.0.1:8080`: undici's origin. */
  origin: string;
  /** `/v1/models?x=1`. */
  path: string;
  /** `http://127.0.0.1:8080` as the connector names it (protocol // host), for counting connections. */
  connectKey: string;
}

const routes = new WeakMap<URL, Route>();
function routeOf(url: URL): Route {
  let route = routes.get(url);
  if (!route) {
    route = { origin: url.origin, path: url.search ? `${url.pathname}${url.search}` : url.pathname, connectKey: `${url.protocol}//${url.host}` };
    routes.set(url, route);
  }
  return route;
}

/** The request headers: ours, then the backend's (auth), merged once per headers object. */
const mergedHeaders = new WeakMap<Record<string, string>, Record<string, string>>();
function headersFor(extra: Record<string, string>): Record<string, string> {
  let merged = mergedHeaders.get(extra);
  if (!merged) {
    merged = { ...BASE_HEADERS, ...extra };
    mergedHeaders.set(extra, merged);
  }
  return merged;
}

/** WHATWG UTF-8 without `stream`: stateless between calls, so one serves every body. */
const UTF8 = new TextDecoder('utf-8');

export function createHttpClient(options: HttpClientOptions): HttpClient {
  const { timeoutMs, bodyLimitBytes } = options;
  const single = options.connections === 'single';
  // Undici's timers back ours up (a request left behind by an abort still ends); ours is the one reported.
  const undiciTimeout = timeoutMs + 1_000;
  const pools = new Map<boolean, Pool>();
  let closed = false;

  const newPool = (tlsVerify: boolean): Pool => {
    const connects = new Map<string, number>();
    const { Agent, buildConnector } = undici!;
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

  const tooBig = `body over ${formatBytes(bodyLimitBytes)}`;

  /** The answer's head over the pool's agent. */
  function pooledRequest(req: GetRequest, route: Route, agent: Agent): Promise<Answer> {
    if (req.body !== undefined) {
      // The generation check's POST; the probe's GET below stays one literal of the same shape every time.
      return undici!.request(agent, { origin: route.origin, path: route.path, method: 'POST', headers: { ...headersFor(req.headers), 'content-type': 'application/json' }, body: req.body, signal: req.signal as AbortSignal });
    }
    return undici!.request(agent, {
      origin: route.origin,
      path: route.path,
      method: 'GET',
      headers: headersFor(req.headers),
      // A ProbeAbort, or an AbortSignal: undici takes any EventTarget-like signal.
      signal: req.signal as AbortSignal,
    });
  }

  /** The answer's head on a connection of its own. */
  async function singleRequest(req: GetRequest): Promise<Answer> {
    const headers = req.body === undefined ? headersFor(req.headers) : { ...headersFor(req.headers), 'content-type': 'application/json' };
    const res = await getOnce(req.url, headers, req.signal, { tlsVerify: req.tlsVerify, ca: options.ca, ...(req.body === undefined ? {} : { body: req.body }) });
    return { statusCode: res.statusCode ?? 0, headers: res.headers, body: res };
  }

  async function exchange(answer: Promise<Answer>, progress: { answered: boolean }): Promise<Exchange> {
    const { statusCode, headers, body } = await answer;
    progress.answered = true;
    const answerHeaders = lowerCaseHeaders(headers);
    const declared = Number(answerHeaders['content-length']);
    if (Number.isFinite(declared) && declared > bodyLimitBytes) return unreadable(body, statusCode, answerHeaders, tooBig);
    const codings = codingsOf(answerHeaders['content-encoding']);
    const unknown = codings.length > 0 ? codings.find((c) => !(c in DECODERS)) : undefined;
    if (unknown !== undefined) return unreadable(body, statusCode, answerHeaders, `unsupported content-encoding ${JSON.stringify(cleanText(unknown, 20))}`);
    const read = await readBody(body, codings, bodyLimitBytes);
    if (!read.ok) return unreadable(body, statusCode, answerHeaders, read.reason === 'too-big' ? tooBig : `corrupt ${read.coding} body`);
    // WHATWG UTF-8: BOM dropped, invalid bytes become U+FFFD, never throws.
    const text = UTF8.decode(read.bytes);
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
  function exchangeWithRetry(req: GetRequest, done: (answer: Exchange) => void, failed: (error: unknown) => void): void {
    const pool = poolFor(req.tlsVerify);
    const route = routeOf(req.url);
    const origin = route.connectKey;
    const before = pool.connects.get(origin) ?? 0;
    const progress = { answered: false };
    exchange(pooledRequest(req, route, pool.agent), progress).then(done, (error: unknown) => {
      const reused = (pool.connects.get(origin) ?? 0) === before;
      if (!reused || progress.answered || !isStaleSocketError(error) || req.signal.aborted || closed) return failed(error);
      let fresh: Pool;
      try {
        fresh = newPool(req.tlsVerify);
      } catch (poolError) {
        return failed(poolError);
      }
      const drop = (): void => void fresh.agent.destroy().catch(noop);
      exchange(pooledRequest(req, route, fresh.agent), { answered: false }).then(
        (answer) => {
          drop();
          done(answer);
        },
        (retryError: unknown) => {
          drop();
          failed(retryError);
        },
      );
    });
  }

  /** A transport failure (or the abort reason, once aborted) as a classified exchange. */
  const failure = (req: GetRequest, error: unknown): Exchange => {
    const reason = req.signal.aborted ? req.signal.reason : error;
    const { kind, message } = classifyError(reason, { timeoutMs, host: req.url.hostname });
    return { ok: false, kind, message };
  };

  return {
    get(req) {
      if (closed) return Promise.resolve({ ...CLOSED });
      const { signal } = req;
      if (signal.aborted) return Promise.resolve(failure(req, signal.reason));
      return new Promise<Exchange>((resolve) => {
        let settled = false;
        // An abort may not reach undici at once (a connect still in progress): it answers now anyway.
        const onAbort = (): void => {
          if (settled) return;
          settled = true;
          resolve(failure(req, signal.reason));
        };
        const answered = (answer: Exchange): void => {
          signal.removeEventListener('abort', onAbort);
          if (settled) return;
          settled = true;
          resolve(answer);
        };
        const failed = (error: unknown): void => answered(failure(req, error));
        const start = (): void => {
          if (settled) return;
          if (closed) return answered({ ...CLOSED });
          try {
            if (single) exchange(singleRequest(req), { answered: false }).then(answered, failed);
            else exchangeWithRetry(req, answered, failed);
          } catch (error) {
            failed(error);
          }
        };
        signal.addEventListener('abort', onAbort, ONCE);
        if (single || undici) start();
        else loadUndici().then(start, failed);
      });
    },
    post(req) {
      return this.get(req);
    },
    async close() {
      closed = true;
      const all = [...pools.values()];
      pools.clear();
      await Promise.all(all.map((pool) => pool.agent.destroy().catch(() => {})));
    },
  };
}
