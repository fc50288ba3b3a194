// node:http by name when the first request is sent: the dashboard's start never loads it (its loop uses undici).
import type { ClientRequest, IncomingMessage } from 'node:http';
import type { AbortSignalLike } from './abort.js';

export interface SingleOptions {
  tlsVerify: boolean;
  /** PEM certificates to trust instead of Node's roots (tests). */
  ca?: string | string[] | undefined;
  /** A JSON body: sent as a POST. */
  body?: string;
}

/**
 * One GET on a connection of its own (`Connection: close`), over Node's built-in HTTP client: for runs
 * that ask each backend once (--once, --check, type detection). It needs no module loaded and no parser
 * compiled at start (undici's parser is WebAssembly, compiled on first use and tiered up in background
 * threads that the process then waits for at exit: most of a short run's time). Resolves with the answer
 * as soon as its head arrived; the body is the caller's to read or destroy. Aborting `signal` destroys
 * the request and its connection.
 */
export function getOnce(url: URL, headers: Record<string, string>, signal: AbortSignalLike, options: SingleOptions): Promise<IncomingMessage> {
  return new Promise<IncomingMessage>((resolve, reject) => {
    // node:https (TLS, crypto) is loaded only for an https URL: ~5 ms of a start otherwise.
    const send = url.protocol === 'https:' ? process.getBuiltinModule('node:https').request : process.getBuiltinModule('node:http').request;
    let req: ClientRequest | undefined;
    const onAbort = (): void => void req?.destroy(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
    const done = (): void => signal.removeEventListener('abort', onAbort);
    req = send(url, {
      method: options.body === undefined ? 'GET' : 'POST',
      headers,
      // A one-off agent: no keep-alive, nothing pooled that could keep the process alive.
      agent: false,
      rejectUnauthorized: options.tlsVerify,
      ...(options.ca ? { ca: options.ca } : {}),
    });
    let answered = false;
    req.on('response', (res) => {
      answered = true;
      res.once('close', done);
      resolve(res);
    });
    req.on('error', (error) => {
      done();
      reject(error);
    });
    req.on('close', () => {
      if (!answered) done();
    });
    signal.addEventListener('abort', onAbort, { once: true });
    req.end(options.body);
  });
}
