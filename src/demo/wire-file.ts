/** A captured HTTP answer as stored in fixtures/wire: status line, headers, blank line, exact body bytes. */
export interface WireAnswer {
  status: number;
  statusText: string;
  headers: Array<[string, string]>;
  body: Buffer;
}

/**
 * Split a `.http` file into its parts. Its head uses LF only, which Node's HTTP parser rejects
 * if replayed raw, so callers serve the parts through node:http instead.
 */
export function parseWireFile(bytes: Buffer): WireAnswer {
  let end = bytes.indexOf('\n\n');
  let sep = 2;
  const crlf = bytes.indexOf('\r\n\r\n');
  if (crlf !== -1 && (end === -1 || crlf < end)) {
    end = crlf;
    sep = 4;
  }
  if (end === -1) throw new Error('wire file has no blank line after its head');
  const head = bytes.subarray(0, end).toString('latin1').split(/\r?\n/);
  const statusLine = head.shift() ?? '';
  const match = /^HTTP\/\d(?:\.\d)? (\d{3})(?: (.*))?$/.exec(statusLine);
  if (!match) throw new Error(`bad status line: ${statusLine}`);
  const headers: Array<[string, string]> = [];
  for (const line of head) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.push([line.slice(0, colon).trim(), line.slice(colon + 1).trim()]);
  }
  return { status: Number(match[1]), statusText: match[2] ?? '', headers, body: bytes.subarray(end + sep) };
}
