import { isIP } from 'node:net';
import { UsageError } from '../cli/usage-error.js';

/** Where the Prometheus exporter listens unless told otherwise: this machine only. */
export const DEFAULT_METRICS_HOST = '127.0.0.1';
/** The port registered for nexus-top-like exporters is not ours to claim; 9464 is the OpenTelemetry Prometheus exporter's default. */
export const DEFAULT_METRICS_PORT = 9464;

export interface MetricsAddress {
  /** An IP literal (IPv6 without brackets) or a host name. */
  host: string;
  port: number;
}

/**
 * A `--metrics` address that cannot be used: malformed, or the server could not listen on it
 * (in use, not on this machine, no permission). A UsageError, so the CLI exits 3 with its one line.
 */
export class MetricsAddressError extends UsageError {
  override name = 'MetricsAddressError';
}

/** `127.0.0.1:9464`, `[::1]:9464`, `localhost:9464`: how an address is shown in messages and URLs. */
export function formatAddress(host: string, port: number): string {
  return `${isIP(host) === 6 ? `[${host}]` : host}:${port}`;
}

// RFC 1123 labels; no trailing dot needed on a command line.
const HOST_NAME = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/i;

/** A port as typed: decimal digits only, 1..65535 (0 would be "any port", which nobody could scrape). */
function parsePort(text: string, shown: string, flag: string): number {
  if (!/^\d{1,5}$/.test(text)) throw new MetricsAddressError(`${flag} ${shown}: ${JSON.stringify(text.slice(0, 20))} is not a port (1-65535)`);
  const port = Number(text);
  if (port < 1 || port > 65_535) throw new MetricsAddressError(`${flag} ${shown}: port ${port} is out of range (1-65535)`);
  return port;
}

/**
 * Parse a `--metrics` value: `PORT` (on 127.0.0.1), `HOST:PORT`, or `[IPv6]:PORT`.
 * HOST is an IPv4 address, a bracketed IPv6 address or a host name. Throws MetricsAddressError (exit 3).
 */
export function parseMetricsAddress(value: string, flag = '--metrics'): MetricsAddress {
  const text = value.trim();
  // Shown back to the user: bounded, without control characters.
  const shown = JSON.stringify(text.length > 80 ? `${text.slice(0, 79)}…` : text);
  if (text === '') throw new MetricsAddressError(`${flag} needs an address (PORT, HOST:PORT or [IPv6]:PORT)`);
  if (/^\d+$/.test(text)) return { host: DEFAULT_METRICS_HOST, port: parsePort(text, shown, flag) };
  let host: string;
  let portText: string;
  if (text.startsWith('[')) {
    const m = /^\[([^\]]*)\]:(.*)$/.exec(text);
    if (!m) throw new MetricsAddressError(`${flag} ${shown}: expected [IPv6]:PORT, e.g. [::1]:${DEFAULT_METRICS_PORT}`);
    host = m[1]!;
    portText = m[2]!;
    if (isIP(host) !== 6) throw new MetricsAddressError(`${flag} ${shown}: not an IPv6 address in the brackets`);
  } else {
    const colon = text.lastIndexOf(':');
    if (colon < 0) throw new MetricsAddressError(`${flag} ${shown}: expected PORT or HOST:PORT, e.g. 127.0.0.1:${DEFAULT_METRICS_PORT}`);
    host = text.slice(0, colon);
    portText = text.slice(colon + 1);
    if (host.includes(':')) throw new MetricsAddressError(`${flag} ${shown}: put an IPv6 address in brackets, e.g. [::1]:${DEFAULT_METRICS_PORT}`);
    if (host === '') throw new MetricsAddressError(`${flag} ${shown}: the host is empty (use PORT alone for 127.0.0.1)`);
    if (/^\d+(\.\d+)*$/.test(host) ? isIP(host) !== 4 : !HOST_NAME.test(host)) {
      throw new MetricsAddressError(`${flag} ${shown}: the host is not an IP address or host name`);
    }
  }
  return { host, port: parsePort(portText, shown, flag) };
}
