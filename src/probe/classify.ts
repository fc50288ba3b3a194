import { cleanText } from '../text/sanitize.js';
import type { FailureKind } from '../core/outcome.js';

/** The abort reason of the probe's own total deadline. */
export class ProbeDeadlineError extends Error {
  override readonly name = 'ProbeDeadlineError';
  readonly code = 'NEXUS_PROBE_DEADLINE';
  constructor(readonly timeoutMs: number) {
    super(`timed out after ${formatDuration(timeoutMs)}`);
  }
}

/** The abort reason when the caller cancels a probe (the engine stopping). */
export class ProbeCancelledError extends Error {
  override readonly name = 'ProbeCancelledError';
  readonly code = 'NEXUS_PROBE_CANCELLED';
  constructor() {
    super('cancelled');
  }
}

export interface Classified {
  kind: FailureKind;
  message: string;
}

export interface ClassifyContext {
  /** The probe's deadline, for messages about undici's own timeouts. */
  timeoutMs?: number;
  /** The host being probed, for DNS messages when the error does not name it. */
  host?: string;
}

/** `200ms`, `5s`, `1.5s`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  return `${Number((ms / 1000).toFixed(1))}s`;
}

/** `512 bytes`, `64 KiB`, `8 MiB`, `1.5 GiB`. */
export function formatBytes(bytes: number): string {
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  if (bytes < 1024) return `${bytes} bytes`;
  let value = bytes;
  let unit = 'bytes';
  for (const next of units) {
    if (value < 1024) break;
    value /= 1024;
    unit = next;
  }
  return `${Number(value.toFixed(1))} ${unit}`;
}

interface ErrorLike {
  name?: unknown;
  host?: unknown;
  cert?: unknown;
  code?: unknown;
  message?: unknown;
  hostname?: unknown;
  reason?: unknown;
  cause?: unknown;
  errors?: unknown;
}

/** The error, its causes and an AggregateError's members (Node's happy-eyeballs connect), breadth first. */
function chainOf(err: unknown): ErrorLike[] {
  const out: ErrorLike[] = [];
  const queue: unknown[] = [err];
  const seen = new Set<unknown>();
  while (queue.length > 0 && out.length < 16) {
    const node = queue.shift();
    if (typeof node !== 'object' || node === null || seen.has(node)) continue;
    seen.add(node);
    const e = node as ErrorLike;
    out.push(e);
    if (e.cause !== undefined) queue.push(e.cause);
    if (Array.isArray(e.errors)) queue.push(...e.errors);
  }
  return out;
}

const str = (value: unknown): string => (typeof value === 'string' ? value : '');

const TLS_REASONS: Record<string, string> = {
  DEPTH_ZERO_SELF_SIGNED_CERT: 'self-signed certificate',
  SELF_SIGNED_CERT_IN_CHAIN: 'self-signed certificate in the chain',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'unable to verify the certificate',
  UNABLE_TO_GET_ISSUER_CERT: 'unable to get the issuer certificate',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'unknown certificate issuer',
  CERT_HAS_EXPIRED: 'certificate has expired',
  CERT_NOT_YET_VALID: 'certificate is not yet valid',
  CERT_REVOKED: 'certificate revoked',
  CERT_UNTRUSTED: 'certificate not trusted',
  CERT_SIGNATURE_FAILURE: 'bad certificate signature',
  ERR_TLS_CERT_ALTNAME_INVALID: 'certificate does not match the host name',
  HOSTNAME_MISMATCH: 'certificate does not match the host name',
  ERR_SSL_WRONG_VERSION_NUMBER: 'wrong version number (is it plain HTTP?)',
};

const isTlsCode = (code: string): boolean =>
  code in TLS_REASONS || code.startsWith('CERT_') || code.startsWith('ERR_TLS_') || code.startsWith('ERR_SSL_');

const DNS_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NONAME', 'EAI_NODATA']);

const CONNECTION_MESSAGES: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  EPIPE: 'connection reset',
  ECONNABORTED: 'connection aborted',
  EHOSTUNREACH: 'host unreachable',
  EHOSTDOWN: 'host is down',
  ENETUNREACH: 'network unreachable',
  ENETDOWN: 'network is down',
  EADDRNOTAVAIL: 'address not available',
  UND_ERR_RES_CONTENT_LENGTH_MISMATCH: 'connection closed before the whole body arrived',
  UND_ERR_SOCKET: 'connection closed by the server',
  UND_ERR_CLOSED: 'client closed',
  UND_ERR_DESTROYED: 'client closed',
};

const UNDICI_TIMEOUTS: Record<string, string> = {
  UND_ERR_CONNECT_TIMEOUT: 'connect timed out',
  UND_ERR_HEADERS_TIMEOUT: 'timed out waiting for headers',
  UND_ERR_BODY_TIMEOUT: 'timed out reading the body',
  ETIMEDOUT: 'connect timed out',
};

/**
 * `certificate is for other.example, not 127.0.0.1` from Node's ERR_TLS_CERT_ALTNAME_INVALID (its `cert`
 * and `host`). The names come from the server: cleaned, a few shown.
 */
function nameMismatch(err: ErrorLike, fallbackHost: string | undefined): string | undefined {
  const cert = typeof err.cert === 'object' && err.cert !== null ? (err.cert as { subjectaltname?: unknown; subject?: unknown }) : undefined;
  const alt = str(cert?.subjectaltname);
  // `DNS:a.example, IP Address:10.0.0.1, email:…`: the names a host can match.
  let names = alt
    .split(/,\s*/)
    .map((entry) => /^(?:DNS|IP Address):(.+)$/i.exec(entry.trim())?.[1] ?? '')
    .filter((name) => name !== '');
  if (names.length === 0) {
    const cn = (cert?.subject as { CN?: unknown } | undefined)?.CN;
    names = (Array.isArray(cn) ? cn : [cn]).map(str).filter(Boolean);
  }
  names = [...new Set(names.map((n) => cleanText(n, 60)).filter(Boolean))];
  const host = cleanText(str(err.host) || fallbackHost || '', 60);
  if (names.length === 0) return undefined;
  const shown = names.length > 3 ? `${names.slice(0, 2).join(', ')} and ${names.length - 2} more` : names.join(', ');
  return host ? `certificate is for ${shown}, not ${host}` : `certificate is for ${shown}`;
}

/**
 * Map anything a request can throw (undici errors, Node system errors, our abort reasons) to exactly one
 * failure kind and a short message. Looks through `cause` chains: undici wraps the socket's error.
 */
export function classifyError(err: unknown, ctx: ClassifyContext = {}): Classified {
  const chain = chainOf(err);
  const codes = chain.map((e) => str(e.code));
  const find = (test: (code: string, e: ErrorLike) => boolean): ErrorLike | undefined => chain.find((e, i) => test(codes[i] ?? '', e));

  const deadline = chain.find((e): e is ProbeDeadlineError => e instanceof ProbeDeadlineError);
  if (deadline) return { kind: 'timeout', message: `timed out after ${formatDuration(deadline.timeoutMs)}` };
  if (find((code, e) => code === 'NEXUS_PROBE_CANCELLED' || e.name === 'AbortError' || code === 'UND_ERR_ABORTED' || code === 'ABORT_ERR')) {
    return { kind: 'timeout', message: 'cancelled' };
  }

  const tls = find((code) => isTlsCode(code)) ?? find((code, e) => code === 'EPROTO' && /SSL routines/.test(str(e.message)));
  if (tls?.code === 'EPROTO') {
    // OpenSSL's failure as a write error (node:http writes before the handshake ends): `…:SSL routines:
    // func:wrong version number:…`. The same reasons as the handshake's own codes.
    const reason = /SSL routines:[^:]*:([^:]+)/.exec(str(tls.message))?.[1] ?? 'handshake failed';
    const code = `ERR_SSL_${reason.toUpperCase().replace(/[^A-Z0-9]+/g, '_')}`;
    return { kind: 'tls', message: `TLS: ${TLS_REASONS[code] ?? cleanText(reason, 120)}` };
  }
  if (tls) {
    const code = str(tls.code);
    const mismatch = code === 'ERR_TLS_CERT_ALTNAME_INVALID' ? nameMismatch(tls, ctx.host) : undefined;
    const reason = mismatch ?? TLS_REASONS[code] ?? (cleanText(str(tls.reason) || str(tls.message), 120) || code);
    return { kind: 'tls', message: `TLS: ${reason}` };
  }

  const dns = find((code) => DNS_CODES.has(code));
  if (dns) {
    const host = str(dns.hostname) || ctx.host || '';
    return { kind: 'dns', message: cleanText(host ? `DNS lookup failed for ${host}` : 'DNS lookup failed') };
  }

  for (const code of ['ECONNREFUSED', 'ECONNRESET', 'EPIPE']) {
    if (codes.includes(code)) return { kind: 'connection', message: CONNECTION_MESSAGES[code]! };
  }

  const timeout = find((code, e) => code in UNDICI_TIMEOUTS || e.name === 'TimeoutError');
  if (timeout) {
    const text = UNDICI_TIMEOUTS[str(timeout.code)] ?? 'timed out';
    return { kind: 'timeout', message: ctx.timeoutMs ? `${text} (deadline ${formatDuration(ctx.timeoutMs)})` : text };
  }

  const known = find((code) => code in CONNECTION_MESSAGES);
  if (known) return { kind: 'connection', message: CONNECTION_MESSAGES[str(known.code)]! };

  const parser = find((code, e) => code.startsWith('HPE_') || e.name === 'HTTPParserError');
  if (parser) return { kind: 'connection', message: 'not a valid HTTP response' };

  const first = chain[0];
  const text = cleanText(str(first?.message) || (first ? '' : String(err)), 160);
  return { kind: 'connection', message: text || 'unknown error' };
}
