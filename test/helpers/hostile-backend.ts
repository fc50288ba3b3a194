/**
 * A hostile backend: a real node:http server on 127.0.0.1 whose every string tries to take over the
 * terminal of the person watching it (window title, screen clear, hyperlinks, C1 controls, bidi
 * overrides, DCS strings, a 100 KB name). Shared by the e2e and CLI tests of hostile output.
 *
 *   /ok/api/tags     200, an Ollama model list whose names carry the attacks
 *   /err/api/tags    500, written raw on the socket: the reason phrase and the JSON error carry them too
 *   /text/v1/models  200 text/plain (a parse failure whose message quotes the body)
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startLoopback, type Loopback } from './loopback.js';

/** 100 KB of name. */
export const HUGE_NAME = `huge-${'H'.repeat(100_000)}`;

/** The attacks, each as a model name, with the plain text a person must see instead. */
export const HOSTILE_MODELS: ReadonlyArray<{ attack: string; raw: string; plain: string }> = [
  { attack: 'OSC 0 window title (BEL)', raw: 'osc0-\u001b]0;PWNED\u0007model', plain: 'osc0-model' },
  { attack: 'OSC 2 window title (ST)', raw: 'osc2-\u001b]2;PWNED\u001b\\model', plain: 'osc2-model' },
  { attack: 'OSC 0 window title (C1 OSC)', raw: 'c1osc-\u009d0;PWNED\u0007model', plain: 'c1osc-model' },
  { attack: 'screen clear and home', raw: 'clear-\u001b[2J\u001b[Hmodel', plain: 'clear-model' },
  { attack: 'OSC 8 hyperlink', raw: '\u001b]8;;https://evil.example/x\u001b\\link-model\u001b]8;;\u001b\\', plain: 'link-model' },
  { attack: 'C1 CSI (U+009B) clear', raw: 'c1csi-\u009b2Jmodel', plain: 'c1csi-model' },
  { attack: 'BEL', raw: 'bel-\u0007\u0007model', plain: 'bel-model' },
  { attack: 'bidi override', raw: 'bidi-\u202eledom\u202c', plain: 'bidi-ledom' },
  { attack: 'DCS string', raw: 'dcs-\u001bP1$qm\u001b\\model', plain: 'dcs-model' },
  { attack: 'cursor save, move, restore', raw: 'cur-\u001b7\u001b[1;1H\u001b[2Kgotcha\u001b8model', plain: 'cur-gotchamodel' },
];

/** The plain text the huge name becomes: cut to 512 code points (511 and an ellipsis). */
export const HUGE_PLAIN_PREFIX = 'huge-HHHHHHHH';

/** The error the 500 answer carries, and what must be shown of it. */
export const HOSTILE_ERROR_RAW = 'boom\u001b]0;PWNED\u0007\u001b[2J\u001b[H\u009b2J\u202eevil\u202c \u001b]8;;https://evil.example/e\u001b\\click\u001b]8;;\u001b\\\u0007 end';
export const HOSTILE_ERROR_PLAIN = 'boomevil click end';

/** The text/plain body of /text/v1/models. */
export const HOSTILE_TEXT_BODY = 'plain\u001b]2;PWNED\u001b\\\u001b[2J text\u009b2J\u202e body\u0007';

/** Substrings that exist only inside the escape sequences: none may ever reach an output. */
export const PAYLOAD_MARKERS = ['PWNED', 'evil.example'];

/** Every byte or character that must not reach a terminal, JSON or a log. */
export const FORBIDDEN = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

/** What `FORBIDDEN` found in `text`, as code points, for a readable failure. */
export function forbiddenIn(text: string): string[] {
  const found = new Set<string>();
  for (const m of text.matchAll(new RegExp(FORBIDDEN.source, 'g'))) found.add(`U+${m[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`);
  return [...found];
}

export function hostileTagsBody(): string {
  return JSON.stringify({
    models: [
      ...HOSTILE_MODELS.map((m) => ({ name: m.raw, model: m.raw, details: { family: m.raw } })),
      { name: HUGE_NAME, model: HUGE_NAME },
    ],
  });
}

/** Start the hostile server. */
export function startHostileBackend(): Promise<Loopback> {
  const tags = hostileTagsBody();
  const errorBody = JSON.stringify({ error: HOSTILE_ERROR_RAW });
  return startLoopback((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path === '/ok/api/tags') {
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
      res.end(tags);
    } else if (path === '/err/api/tags') {
      // node:http refuses control characters in a reason phrase; a hostile server writes its bytes itself.
      const body = Buffer.from(errorBody, 'utf8');
      const head = `HTTP/1.1 500 Internal \u001b]0;PWNED\u0007\u001b[2J Error\r\ncontent-type: application/json\r\nx-evil: \u009b2J\r\ncontent-length: ${body.length}\r\nconnection: close\r\n\r\n`;
      req.socket.end(Buffer.concat([Buffer.from(head, 'latin1'), body]));
    } else if (path === '/text/v1/models') {
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(HOSTILE_TEXT_BODY);
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
    }
  });
}

/** The config for the hostile server: a model list, an HTTP 500, a text body. */
export function hostileConfig(url: string, extra = ''): string {
  return [
    '[health_check]',
    'interval_seconds = 1',
    'timeout_seconds = 3',
    '',
    '[[backends]]',
    'name = "hostile-models"',
    `url = "${url}/ok"`,
    'type = "ollama"',
    '',
    '[[backends]]',
    'name = "hostile-500"',
    `url = "${url}/err"`,
    'type = "ollama"',
    '',
    '[[backends]]',
    'name = "hostile-text"',
    `url = "${url}/text"`,
    'type = "generic"',
    '',
    extra,
  ].join('\n');
}

/** Write the config into `dir`; returns its path. */
export function writeHostileConfig(dir: string, url: string): string {
  const file = join(dir, 'hostile.toml');
  writeFileSync(file, hostileConfig(url));
  return file;
}
