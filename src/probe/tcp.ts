import type { Socket } from 'node:net';
import type { AbortSignalLike } from './abort.js';

/**
 * Open a TCP connection to host:port and close it at once, sending nothing. Resolves when the
 * connection is established; rejects with the socket's error (ECONNREFUSED, ENOTFOUND, …) or with
 * `signal.reason` when it aborts first (the deadline). node:net is loaded on the first TCP check.
 */
export function tcpConnect(host: string, port: number, signal: AbortSignalLike): Promise<void> {
  if (signal.aborted) return Promise.reject(signal.reason);
  const { connect } = process.getBuiltinModule('node:net');
  return new Promise<void>((resolve, reject) => {
    let socket: Socket | undefined;
    const settle = (error?: unknown): void => {
      signal.removeEventListener('abort', onAbort);
      socket?.destroy();
      if (error === undefined) resolve();
      else reject(error);
    };
    const onAbort = (): void => settle(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    socket = connect({ host, port });
    socket.once('connect', () => settle());
    socket.once('error', (error) => settle(error));
  });
}
