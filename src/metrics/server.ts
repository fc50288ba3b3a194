import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Registry } from 'prom-client';
import type { FleetStore } from '../store/store.js';
import { DEFAULT_METRICS_HOST, formatAddress, MetricsAddressError } from './address.js';
import { createFleetMetrics } from './registry.js';

export interface MetricsServerOptions {
  store: FleetStore;
  /** Default 127.0.0.1 (this machine only); `0.0.0.0` or `::` to let others scrape. */
  host?: string;
  /** 0 picks a free port (tests); the CLI passes what parseMetricsAddress returned. */
  port: number;
  /** How the address is named in errors; default `--metrics`. */
  flag?: string;
  /** Register prom-client's default process metrics on this server's registry (default true). */
  defaultMetrics?: boolean;
}

export interface MetricsServer {
  /** `http://127.0.0.1:9464/metrics` (the bound port when 0 was asked). */
  url: string;
  host: string;
  port: number;
  registry: Registry;
  /** Stop listening, drop open connections, stop following the store. Idempotent. */
  close(): Promise<void>;
}

function listenProblem(error: NodeJS.ErrnoException): string {
  switch (error.code) {
    case 'EADDRINUSE':
      return 'address in use';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied (ports below 1024 need privileges)';
    case 'EADDRNOTAVAIL':
      return 'address not available on this machine';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_FAIL':
      return 'host name not found';
    case 'EAFNOSUPPORT':
      return 'address family not supported (no IPv6 here?)';
    default:
      return `cannot listen (${error.code ?? error.message})`;
  }
}

const TEXT = { 'content-type': 'text/plain; charset=utf-8' };

/**
 * Serve the fleet's metrics at `/metrics` in the Prometheus text format. Resolves once listening;
 * rejects with MetricsAddressError (a UsageError: exit 3) when the address cannot be used.
 */
export async function createMetricsServer(options: MetricsServerOptions): Promise<MetricsServer> {
  const host = options.host ?? DEFAULT_METRICS_HOST;
  const flag = options.flag ?? '--metrics';
  const { port } = options;
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new MetricsAddressError(`${flag} ${formatAddress(host, port)}: port out of range (1-65535)`);
  }
  const metrics = createFleetMetrics(options.store, options.defaultMetrics === undefined ? {} : { defaultMetrics: options.defaultMetrics });
  const { registry } = metrics;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { ...TEXT, allow: 'GET, HEAD' }).end('method not allowed\n');
      return;
    }
    if (path === '/metrics') {
      let body: string;
      try {
        body = await registry.metrics();
      } catch {
        res.writeHead(500, TEXT).end('cannot collect metrics\n');
        return;
      }
      res.writeHead(200, { 'content-type': registry.contentType, 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : body);
      return;
    }
    if (path === '/') {
      res.writeHead(200, TEXT).end('nexus-top Prometheus exporter: metrics at /metrics\n');
      return;
    }
    res.writeHead(404, TEXT).end('not found (metrics are at /metrics)\n');
  };

  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500, TEXT);
      res.end();
    });
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  // A scraper that opens a connection and says nothing must not hold a socket forever.
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  server.keepAliveTimeout = 5_000;

  try {
    await new Promise<void>((resolve, reject) => {
      const onError = (error: NodeJS.ErrnoException): void => reject(error);
      server.once('error', onError);
      server.listen({ host, port, exclusive: true }, () => {
        server.off('error', onError);
        resolve();
      });
    });
  } catch (error) {
    metrics.dispose();
    server.close();
    throw new MetricsAddressError(`${flag} ${formatAddress(host, port)}: ${listenProblem(error as NodeJS.ErrnoException)}`);
  }
  // After listening, a socket error is a scraper's problem, not ours.
  server.on('error', () => {});
  server.on('clientError', (_error, socket: Socket) => socket.destroy());

  const bound = (server.address() as AddressInfo).port;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${formatAddress(host, bound)}/metrics`,
    host,
    port: bound,
    registry,
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        metrics.dispose();
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      })),
  };
}
