import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { WireAnswer } from '../../src/demo/wire-file.js';
import { loadWire } from './wire.js';

export type Handler = (req: IncomingMessage, res: ServerResponse) => void;

export interface Loopback {
  /** `http://127.0.0.1:PORT` (https for the TLS server; no trailing slash). */
  url: string;
  port: number;
  server: Server;
  /** Requests seen so far, in order. */
  requests: IncomingMessage[];
  /** Sockets the server accepted. */
  sockets: Socket[];
  /** Stop listening and drop every connection. Idempotent. */
  close(): Promise<void>;
}

/** A real node:http server on 127.0.0.1, port 0 (or `port`: a restart on the same port), answering with `handler`. */
export function startLoopback(handler: Handler, options: { port?: number } = {}): Promise<Loopback> {
  return listen(handler, false, options.port);
}

/**
 * Certificates a TLS loopback can present. `self-signed`: for 127.0.0.1/localhost (valid 2000–2099).
 * The others are issued by TEST_CA (test/helpers/tls, made by its make-certs.sh): `valid` for
 * 127.0.0.1/localhost, `expired` the same but expired in 2001, `other-host` for other.example only.
 * TEST-ONLY keys; they protect nothing.
 */
export type TestCertificate = 'self-signed' | 'valid' | 'expired' | 'other-host';

const tlsFile = (name: string): string => readFileSync(fileURLToPath(new URL(`./tls/${name}`, import.meta.url)), 'utf8');

/** The private CA that issued the `valid`, `expired` and `other-host` certificates (give it to the prober as `ca`). */
export const TEST_CA = tlsFile('ca.pem');

/** The same over TLS, presenting `certificate` (default: self-signed). */
export function startTlsLoopback(handler: Handler, certificate: TestCertificate = 'self-signed'): Promise<Loopback> {
  return listen(handler, certificate);
}

const TEST_KEY = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgHJwoXyC1si2R+7iR
KfCZA7AKQsi3s2sLY4+hbmEPsmyhRANCAAT+aiCvEXeqSVQWhudZlhfM0asAMpJ4
+hh5pVmX3ExYedeQ2ios8V0CC6QzhCTXG1b3kMcgy+gUzfHnVYhWeqcE
-----END PRIVATE KEY-----
`;
const TEST_CERT = `-----BEGIN CERTIFICATE-----
MIIBYDCCAQegAwIBAgIBATAKBggqhkjOPQQDAjAUMRIwEAYDVQQDDAkxMjcuMC4w
LjEwIBcNMDAwMTAxMDAwMDAwWhgPMjA5OTEyMzEwMDAwMDBaMBQxEjAQBgNVBAMM
CTEyNy4wLjAuMTBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABP5qIK8Rd6pJVBaG
51mWF8zRqwAyknj6GHmlWZfcTFh515DaKizxXQILpDOEJNcbVveQxyDL6BTN8edV
iFZ6pwSjSDBGMBoGA1UdEQQTMBGHBH8AAAGCCWxvY2FsaG9zdDAJBgNVHRMEAjAA
MB0GA1UdDgQWBBR/dTTPOUAFYco1YGy0YcQE2wI8gDAKBggqhkjOPQQDAgNHADBE
AiBEUryn3Nco+cXzbeeIRPgGZ3rQoy+acFlHL8LyXG7RbgIgWoSqRc1bMW+e6fni
dCYCb24SCNCU4Tz1EuEK+qT5hMo=
-----END CERTIFICATE-----
`;

function keyPair(certificate: TestCertificate): { key: string; cert: string } {
  if (certificate === 'self-signed') return { key: TEST_KEY, cert: TEST_CERT };
  return { key: tlsFile(`${certificate}.key`), cert: tlsFile(`${certificate}.pem`) };
}

async function listen(handler: Handler, certificate: TestCertificate | false, port = 0): Promise<Loopback> {
  const tls = certificate !== false;
  const requests: IncomingMessage[] = [];
  const sockets: Socket[] = [];
  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    requests.push(req);
    handler(req, res);
  };
  const server: Server = certificate !== false ? createTlsServer(keyPair(certificate), onRequest) : createServer(onRequest);
  server.on(tls ? 'secureConnection' : 'connection', (socket: Socket) => sockets.push(socket));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const { port: bound } = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  return {
    url: `${tls ? 'https' : 'http'}://127.0.0.1:${bound}`,
    port: bound,
    server,
    requests,
    sockets,
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      })),
  };
}

/** Send a captured answer through node:http: its status, reason, headers and exact body bytes. */
export function sendWire(res: ServerResponse, answer: WireAnswer): void {
  if (res.destroyed) return;
  const headers = answer.headers.filter(([name]) => name.toLowerCase() !== 'content-length');
  res.writeHead(answer.status, answer.statusText, [...headers, ['Content-Length', String(answer.body.length)]].flat());
  res.end(answer.body);
}

/** A server answering every request with a wire file (e.g. `ollama/api_tags.http`) or a given answer. */
export function serveWire(wire: string | WireAnswer): Promise<Loopback> {
  const answer = typeof wire === 'string' ? loadWire(wire) : wire;
  return startLoopback((_req, res) => sendWire(res, answer));
}

/** A server routing by path to wire files; anything else gets `notFound` (or a plain 404). */
export function serveRoutes(table: Record<string, string | WireAnswer>, notFound?: string | WireAnswer): Promise<Loopback> {
  const load = (w: string | WireAnswer): WireAnswer => (typeof w === 'string' ? loadWire(w) : w);
  const routes = new Map(Object.entries(table).map(([path, w]) => [path, load(w)]));
  const fallback: WireAnswer = notFound
    ? load(notFound)
    : { status: 404, statusText: 'Not Found', headers: [['Content-Type', 'text/plain']], body: Buffer.from('not found') };
  return startLoopback((req, res) => sendWire(res, routes.get(new URL(req.url ?? '/', 'http://x').pathname) ?? fallback));
}

/** A port on 127.0.0.1 that was just listening and is now closed: connecting to it is refused. */
export async function closedPort(): Promise<number> {
  const server = await startLoopback((_req, res) => res.end());
  await server.close();
  return server.port;
}
