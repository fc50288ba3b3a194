import { errors } from 'undici';
import { describe, expect, it } from 'vitest';
import { classifyError, formatBytes, formatDuration, ProbeCancelledError, ProbeDeadlineError } from './classify.js';

/** A Node system error as net/dns/tls raise it. */
function systemError(code: string, message: string, extra: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(message), { code, ...extra });
}

describe('classifyError', () => {
  it.each([
    ['our deadline', new ProbeDeadlineError(5_000), 'timeout', 'timed out after 5s'],
    ['our deadline in a cause chain', Object.assign(new errors.RequestAbortedError(), { cause: new ProbeDeadlineError(200) }), 'timeout', 'timed out after 200ms'],
    ['an abort that is not ours', new errors.RequestAbortedError(), 'timeout', 'cancelled'],
    ['a caller abort', new ProbeCancelledError(), 'timeout', 'cancelled'],
    ['refused', systemError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:1'), 'connection', 'connection refused'],
    [
      'refused on every address (happy eyeballs)',
      Object.assign(new AggregateError([systemError('ECONNREFUSED', 'connect ECONNREFUSED ::1:1'), systemError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:1')]), { code: 'ECONNREFUSED' }),
      'connection',
      'connection refused',
    ],
    ['reset under undici', Object.assign(new errors.SocketError('other side closed'), { cause: systemError('ECONNRESET', 'read ECONNRESET') }), 'connection', 'connection reset'],
    ['closed by the server', new errors.SocketError('other side closed'), 'connection', 'connection closed by the server'],
    ['DNS', systemError('ENOTFOUND', 'getaddrinfo ENOTFOUND gpu1.lan', { hostname: 'gpu1.lan' }), 'dns', 'DNS lookup failed for gpu1.lan'],
    ['DNS, temporary', systemError('EAI_AGAIN', 'getaddrinfo EAI_AGAIN gpu1.lan', { hostname: 'gpu1.lan' }), 'dns', 'DNS lookup failed for gpu1.lan'],
    ['self-signed', systemError('DEPTH_ZERO_SELF_SIGNED_CERT', 'self-signed certificate'), 'tls', 'TLS: self-signed certificate'],
    ['chain', systemError('SELF_SIGNED_CERT_IN_CHAIN', 'self-signed certificate in certificate chain'), 'tls', 'TLS: self-signed certificate in the chain'],
    ['leaf', systemError('UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'unable to verify the first certificate'), 'tls', 'TLS: unable to verify the certificate'],
    ['expired', systemError('CERT_HAS_EXPIRED', 'certificate has expired'), 'tls', 'TLS: certificate has expired'],
    ['host name', systemError('ERR_TLS_CERT_ALTNAME_INVALID', "Hostname/IP does not match certificate's altnames"), 'tls', 'TLS: certificate does not match the host name'],
    ['plain HTTP on a TLS URL', systemError('ERR_SSL_WRONG_VERSION_NUMBER', 'wrong version number'), 'tls', 'TLS: wrong version number (is it plain HTTP?)'],
    [
      'plain HTTP on a TLS URL, as node:http reports it',
      systemError('EPROTO', 'write EPROTO 807CACAD197F0000:error:0A00010B:SSL routines:ssl3_get_record:wrong version number:../deps/openssl/openssl/ssl/record/ssl3_record.c:350:'),
      'tls',
      'TLS: wrong version number (is it plain HTTP?)',
    ],
    ['other SSL error as a write error', systemError('EPROTO', 'write EPROTO 80:error:0A000410:SSL routines:ssl3_read_bytes:sslv3 alert handshake failure:x.c:1:'), 'tls', 'TLS: sslv3 alert handshake failure'],
    ['other SSL error', systemError('ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE', 'sslv3 alert handshake failure'), 'tls', 'TLS: sslv3 alert handshake failure'],
    ['connect timeout', new errors.ConnectTimeoutError(), 'timeout', 'connect timed out'],
    ['headers timeout', new errors.HeadersTimeoutError(), 'timeout', 'timed out waiting for headers'],
    ['body timeout', new errors.BodyTimeoutError(), 'timeout', 'timed out reading the body'],
    ['unknown', new Error('something odd\u001b[2J happened'), 'connection', 'something odd happened'],
    ['not an error', 'boom', 'connection', 'boom'],
  ])('%s', (_name, error, kind, message) => {
    expect(classifyError(error, { host: 'gpu1.lan' })).toEqual({ kind, message });
  });

  it('names the configured host when the DNS error does not', () => {
    expect(classifyError(systemError('ENOTFOUND', 'lookup failed'), { host: 'gpu9.lan' })).toEqual({ kind: 'dns', message: 'DNS lookup failed for gpu9.lan' });
  });

  it('says which names a certificate is for when the host does not match (names cleaned, a few shown)', () => {
    const mismatch = (subjectaltname: string | undefined, cn?: string): unknown =>
      Object.assign(new Error("Hostname/IP does not match certificate's altnames"), {
        code: 'ERR_TLS_CERT_ALTNAME_INVALID',
        host: '10.0.0.5',
        cert: { subjectaltname, subject: { CN: cn } },
      });
    expect(classifyError(mismatch('DNS:other.example'))).toEqual({ kind: 'tls', message: 'TLS: certificate is for other.example, not 10.0.0.5' });
    expect(classifyError(mismatch('DNS:a.example, IP Address:10.0.0.6, email:x@y'))).toEqual({ kind: 'tls', message: 'TLS: certificate is for a.example, 10.0.0.6, not 10.0.0.5' });
    expect(classifyError(mismatch('DNS:a.example, DNS:b.example, DNS:c.example, DNS:d.example, DNS:e.example'))).toEqual({
      kind: 'tls',
      message: 'TLS: certificate is for a.example, b.example and 3 more, not 10.0.0.5',
    });
    expect(classifyError(mismatch(undefined, 'legacy.example'))).toEqual({ kind: 'tls', message: 'TLS: certificate is for legacy.example, not 10.0.0.5' });
    expect(classifyError(mismatch('DNS:evil\u001b[2J.example'))).toEqual({ kind: 'tls', message: 'TLS: certificate is for evil.example, not 10.0.0.5' });
    expect(classifyError(mismatch(undefined))).toEqual({ kind: 'tls', message: 'TLS: certificate does not match the host name' });
  });

  it('adds the deadline to undici timeouts when known', () => {
    expect(classifyError(new errors.HeadersTimeoutError(), { timeoutMs: 1_500 })).toEqual({ kind: 'timeout', message: 'timed out waiting for headers (deadline 1.5s)' });
  });
});

describe('human units', () => {
  it('durations', () => {
    expect([200, 1_000, 1_500, 5_000, 90_000].map(formatDuration)).toEqual(['200ms', '1s', '1.5s', '5s', '90s']);
  });
  it('sizes', () => {
    expect([512, 1024, 256 * 1024, 8 * 1024 * 1024, 1.5 * 1024 ** 3].map(formatBytes)).toEqual(['512 bytes', '1 KiB', '256 KiB', '8 MiB', '1.5 GiB']);
  });
});
