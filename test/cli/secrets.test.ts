/**
 * No output of nexus-top ever shows an API key or a URL password, even when a hostile server echoes them
 * back (as is, JSON-escaped, split by escape sequences, or placed so that a length cut would keep part of
 * them). Every output is collected and grepped: `--once`, `--once --json`, `--events`, `--record` files and
 * their replay, stderr of each, config errors about the backend with the password, and the dashboard in a
 * real terminal (table, every detail pane, the event log). The server must have received the credentials,
 * so the test proves they are used and still hidden.
 */
import { spawn } from 'node:child_process';
import type { IncomingMessage } from 'node:http';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closedPort, startLoopback, type Loopback } from '../helpers/loopback.js';
import { CLI, ROOT, runCli } from '../helpers/run-cli.js';
import { killAllTerminals, withTerminal, type Screen, type Tmux } from '../helpers/tmux.js';

const KEY_ENV = 'NT_SECRET_KEY';
const KEY = 'sk-live-SECRET123-q7Zp4Lx9Kd2Vt8Rw3Nf';
const USER = 'admin';
const PASSWORD = 'hunter2pass';
const BASIC = Buffer.from(`${USER}:${PASSWORD}`).toString('base64');

/** Every character as a JSON \u escape: JSON.parse gives the secret back, a byte search of the body does not find it. */
const uEscaped = (s: string): string => [...s].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`).join('');
/** The secret split by an SGR sequence, which sanitising removes (putting the secret back together). */
const escSplit = (s: string): string => `${s.slice(0, 12)}\u001b[0m${s.slice(12)}`;

/** Everything a reader must never see. */
function leaks(text: string): string[] {
  const found: string[] = [];
  if (text.includes(KEY)) found.push('the API key');
  if (text.includes(PASSWORD)) found.push('the URL password');
  if (text.includes(BASIC)) found.push('the Basic credentials');
  if (/Bearer sk-/i.test(text)) found.push('Bearer sk-…');
  if (/Authorization:?\s*(?:Bearer|Basic)\s+(?!\*\*\*)\S/i.test(text)) found.push('an Authorization header with its credentials');
  // A part of a secret is a leak too (a cut that kept most of it): any 8 characters of the key's random
  // part, any 6 of the password.
  const random = KEY.slice('sk-live-'.length);
  for (let i = 0; i + 8 <= random.length; i++) if (text.includes(random.slice(i, i + 8))) found.push(`part of the key (${random.slice(i, i + 8)})`);
  for (let i = 0; i + 6 <= PASSWORD.length; i++) if (text.includes(PASSWORD.slice(i, i + 6))) found.push(`part of the password (${PASSWORD.slice(i, i + 6)})`);
  return [...new Set(found)];
}

/** `PREFIX***`: the secret (split in two by the server, so perhaps masked as two `***`) and nothing else. */
const MASKED = (prefix: string): RegExp => new RegExp(`^${prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\*{3,}$`);
const DENIED = /you sent Authorization: Bearer \*\*\* \(key \*{3,}\)/;

function expectNoSecret(what: string, text: string): void {
  expect(leaks(text), `${what} shows a secret:\n${text.slice(0, 4000)}`).toEqual([]);
}

let home: string;
let server: Loopback;
let refused: number;
let config: string;
/** The Authorization header each path received. */
const received = new Map<string, string[]>();

function authOf(req: IncomingMessage): string {
  return req.headers.authorization ?? '';
}

function json(res: import('node:http').ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(body);
}

/** A server that tries every way of getting the credentials it was sent onto the user's screen. */
function hostile(req: IncomingMessage, res: import('node:http').ServerResponse): void {
  const path = new URL(req.url ?? '/', 'http://x').pathname;
  const auth = authOf(req);
  received.set(path, [...(received.get(path) ?? []), auth]);
  const key = auth.replace(/^Bearer /, '');
  const creds = auth.startsWith('Basic ') ? Buffer.from(auth.slice(6), 'base64').toString('utf8') : '';
  switch (path) {
    case '/echo/v1/models':
      return json(
        res,
        200,
        `{"object":"list","data":[${[
          JSON.stringify(`auth=Authorization: ${auth}`),
          JSON.stringify(`key=${key}`),
          JSON.stringify(`esc=${escSplit(key)}`),
          `"uni=${uEscaped(key)}"`,
          // 480 + 4 characters, then the key: cut at 512, most of the key would be left.
          `"cut=${'y'.repeat(480)}${uEscaped(key)}"`,
          '"ok-model"',
        ]
          .map((id) => `{"id":${id},"object":"model","owned_by":${JSON.stringify(auth)}}`)
          .join(',')}]}`,
      );
    case '/deny/v1/models':
      return json(res, 401, JSON.stringify({ error: { message: `invalid api key; you sent Authorization: ${auth} (key ${escSplit(key)})`, type: 'invalid_request_error' } }));
    case '/straddle/v1/models':
      // 260 characters, then the key: `HTTP 401: ` and a cut at 300 would keep 28 of its 37 characters.
      return json(res, 401, `{"error":{"message":"${'z'.repeat(259)} ${uEscaped(key)}"}}`);
    case '/basic/v1/models':
      return json(res, 200, JSON.stringify({ data: [{ id: `auth=Authorization: ${auth}` }, { id: `creds=${creds}` }, { id: `esc=${escSplit(creds)}` }, { id: 'basic-model' }] }));
    case '/basic500/v1/models':
      return json(res, 500, JSON.stringify({ error: `denied for ${creds} (Authorization: ${auth})` }));
    default:
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end(`no ${path}; you sent ${auth}`);
  }
}

const NAMES = ['key-deny', 'key-echo', 'key-refused', 'key-straddle', 'pass-500', 'pass-echo', 'pass-refused'] as const;

function fleetConfig(): string {
  const at = `127.0.0.1:${server.port}`;
  const backend = (name: string, url: string, type: string, key: boolean): string =>
    ['[[backends]]', `name = "${name}"`, `url = "${url}"`, `type = "${type}"`, ...(key ? [`api_key_env = "${KEY_ENV}"`] : []), ''].join('\n');
  return [
    '[health_check]',
    'interval_seconds = 1',
    'timeout_seconds = 2',
    '',
    backend('key-echo', `http://${at}/echo`, 'openai', true),
    backend('key-deny', `http://${at}/deny`, 'openai', true),
    backend('key-straddle', `http://${at}/straddle`, 'vllm', true),
    backend('key-refused', `http://127.0.0.1:${refused}`, 'openai', true),
    backend('pass-echo', `http://${USER}:${PASSWORD}@${at}/basic`, 'generic', false),
    backend('pass-500', `http://${USER}:${PASSWORD}@${at}/basic500`, 'generic', false),
    backend('pass-refused', `http://${USER}:${PASSWORD}@127.0.0.1:${refused}/`, 'generic', false),
  ].join('\n');
}

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'nexus-top-secrets-'));
  server = await startLoopback(hostile);
  refused = await closedPort();
  config = join(home, 'secrets.toml');
  writeFileSync(config, fleetConfig());
});
afterAll(async () => {
  await killAllTerminals();
  await server?.close();
  rmSync(home, { recursive: true, force: true });
});

const env = (): Record<string, string | undefined> => ({
  HOME: home,
  XDG_CONFIG_HOME: join(home, '.config'),
  XDG_STATE_HOME: join(home, '.state'),
  NEXUS_TOP_CONFIG: undefined,
  [KEY_ENV]: KEY,
});

interface Doc {
  backends: Array<{ name: string; url: string; status: string; models: string[]; last_error: null | { kind: string; message: string } }>;
}

/** The credentials reached the server: they are in use, so hiding them is not a matter of not sending them. */
function expectCredentialsSent(): void {
  for (const path of ['/echo/v1/models', '/deny/v1/models', '/straddle/v1/models']) expect(received.get(path), path).toContain(`Bearer ${KEY}`);
  for (const path of ['/basic/v1/models', '/basic500/v1/models']) expect(received.get(path), path).toContain(`Basic ${BASIC}`);
}

describe('secrets never reach an output', () => {
  it('the leak check itself finds every form it looks for', () => {
    expect(leaks(`x ${KEY} y`)).toContain('the API key');
    expect(leaks(`Authorization: Bearer ${KEY.slice(0, 20)}`)).toEqual(expect.arrayContaining(['Bearer sk-…', 'an Authorization header with its credentials', 'part of the key (SECRET12)']));
    expect(leaks(`http://admin:${PASSWORD}@h`)).toContain('the URL password');
    expect(leaks(`Basic ${BASIC}`)).toContain('the Basic credentials');
    expect(leaks('…hunter2…')).toContain('part of the password (hunter)');
    expect(leaks('auth=Authorization: Bearer *** and Basic ***')).toEqual([]);
  });

  it('--once and --once --json (with --debug, --record): the redacted echoes are there, the secrets are not', async () => {
    const record = join(home, 'once.ndjson');
    const text = await runCli(['--config', config, '--once', '--debug'], { env: env() });
    const jsonRun = await runCli(['--config', config, '--once', '--json', '--debug', '--record', record], { env: env() });
    expectCredentialsSent();
    for (const [what, out] of [
      ['--once stdout', text.stdout],
      ['--once stderr', text.stderr],
      ['--json stdout', jsonRun.stdout],
      ['--json stderr', jsonRun.stderr],
      ['--record file', readFileSync(record, 'utf8')],
    ] as const) {
      expectNoSecret(what, out);
    }
    expect(text.code).toBe(1);
    for (const name of NAMES) expect(text.stdout).toContain(name);
    expect(jsonRun.code).toBe(1);
    const doc = JSON.parse(jsonRun.stdout) as Doc;
    const by = new Map(doc.backends.map((b) => [b.name, b]));
    // What the server echoed made it through, masked: the absence of the secrets is redaction, not silence.
    expect(by.get('key-echo')).toMatchObject({ status: 'healthy' });
    expect(by.get('key-echo')!.models.slice(0, 4)).toEqual(['auth=Authorization: Bearer ***', 'key=***', expect.stringMatching(MASKED('esc=')), 'uni=***']);
    expect(by.get('key-echo')!.models[4]).toMatch(/^cut=y{480}\*\*\*…$/);
    expect(by.get('key-echo')!.models[5]).toBe('ok-model');
    expect(by.get('key-deny')!.last_error).toMatchObject({ kind: 'http' });
    expect(by.get('key-deny')!.last_error!.message).toMatch(DENIED);
    expect(by.get('key-straddle')!.last_error!.message).toMatch(/^HTTP 401: z{200,} \*\*\*…$/);
    expect(by.get('pass-echo')).toMatchObject({ status: 'healthy', url: `http://${USER}@127.0.0.1:${server.port}/basic` });
    expect(by.get('pass-echo')!.models).toEqual(['auth=Authorization: Basic ***', `creds=${USER}:***`, expect.stringMatching(MASKED(`esc=${USER}:`)), 'basic-model']);
    expect(by.get('pass-500')!.last_error!.message).toBe(`HTTP 500: denied for ${USER}:*** (Authorization: Basic ***)`);
    expect(by.get('pass-refused')).toMatchObject({ url: `http://${USER}@127.0.0.1:${refused}/`, last_error: { kind: 'connection' } });
    expect(by.get('key-refused')!.last_error).toMatchObject({ kind: 'connection' });
    // The recording keeps the variable's name, never its value.
    expect(readFileSync(record, 'utf8')).toContain(`"api_key_env":"${KEY_ENV}"`);
  });

  it('--events --record, then --replay of that recording: no secret in the stream, the file or the replay', async () => {
    const record = join(home, 'events.ndjson');
    const e: Record<string, string> = {};
    for (const [k, v] of Object.entries({ ...process.env, ...env() })) if (v !== undefined) e[k] = v;
    const child = spawn(process.execPath, [CLI, '--config', config, '--events', '--record', record, '--debug'], { cwd: ROOT, env: e, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const done = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`not ${NAMES.length} status events in 8 s: ${stdout} ${stderr}`)), 8_000);
      child.stdout.setEncoding('utf8').on('data', (d: string) => {
        stdout += d;
        if ((stdout.match(/"type":"status"/g) ?? []).length >= NAMES.length) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    // One more round of probes (interval 1 s), so the stream and the file hold repeated answers too.
    await new Promise((r) => setTimeout(r, 1_200));
    child.kill('SIGINT');
    expect(await done).toBe(0);
    const replayed = await runCli(['--replay', record, '--speed', 'max', '--events'], { env: env() });
    const replayedJson = await runCli(['--replay', record, '--once', '--json', '--debug'], { env: env() });
    for (const [what, out] of [
      ['--events stdout', stdout],
      ['--events stderr', stderr],
      ['--record file', readFileSync(record, 'utf8')],
      ['--replay --events', replayed.stdout + replayed.stderr],
      ['--replay --json', replayedJson.stdout + replayedJson.stderr],
    ] as const) {
      expectNoSecret(what, out);
    }
    expect(stdout).toMatch(DENIED);
    expect(stdout).toContain(`denied for ${USER}:*** (Authorization: Basic ***)`);
    expect(replayed.stdout).toBe(stdout);
    expect((JSON.parse(replayedJson.stdout) as Doc).backends.find((b) => b.name === 'key-echo')!.models).toContain('uni=***');
  }, 20_000);

  it.each([
    ['a duplicate name on the backend with the password', (port: number) => `[[backends]]\nname = "a"\nurl = "http://127.0.0.1:${port}"\n\n[[backends]]\nname = "a"\nurl = "http://${USER}:${PASSWORD}@127.0.0.1:${port}/"\n`, /backends\[1\] \(a\)\.name: duplicate backend name "a"/],
    ['an unknown type on its table', (port: number) => `[[backends]]\nname = "p"\nurl = "http://${USER}:${PASSWORD}@127.0.0.1:${port}/"\ntype = "bogus"\n`, /backends\[0\] \(p\)\.type: unknown type "bogus"/],
    ['a tier out of range on its table', (port: number) => `[[backends]]\nname = "p"\nurl = "http://${USER}:${PASSWORD}@127.0.0.1:${port}/"\ntier = 9\n`, /backends\[0\] \(p\)\.tier: must be at most 5/],
    ['its URL with a scheme that is not http', (port: number) => `[[backends]]\nname = "p"\nurl = "ftp://${USER}:${PASSWORD}@127.0.0.1:${port}/m"\n`, /\.url: must start with http:\/\/ or https:\/\/ \(got "ftp:\/\/admin@127\.0\.0\.1:\d+\/m"\)/],
    ['its URL without a scheme (user:password@host parses as scheme "admin:")', (port: number) => `[[backends]]\nname = "p"\nurl = "${USER}:${PASSWORD}@127.0.0.1:${port}"\n`, /\.url: must start with http:\/\/ or https:\/\/ \(got "admin:\*\*\*@127\.0\.0\.1:\d+"\)/],
    ['its URL with a port out of range', () => `[[backends]]\nname = "p"\nurl = "http://${USER}:${PASSWORD}@127.0.0.1:99999/"\n`, /\.url: is not a valid URL/],
    ['its URL string left open (a TOML syntax error on that line)', (port: number) => `[[backends]]\nname = "p"\nurl = "http://${USER}:${PASSWORD}@127.0.0.1:${port}/\n`, /:3:\d+: invalid TOML: /],
    ['the URL in the wrong key', (port: number) => `[[backends]]\nname = "p"\nurl = "http://127.0.0.1:${port}"\nzone = ["http://${USER}:${PASSWORD}@127.0.0.1:${port}/"]\n`, /\.zone: expected a string, got an array/],
  ])('a config error about %s: one line, exit 3, no password (with --debug)', async (_what, body, message) => {
    const file = join(home, `bad-${Math.random().toString(36).slice(2)}.toml`);
    writeFileSync(file, body(server.port));
    const run = await runCli(['--config', file, '--once', '--debug'], { env: env() });
    expect(run.code).toBe(3);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(message);
    expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
    expectNoSecret('config error', run.stderr);
  });
});

describe.concurrent('secrets never reach the dashboard', () => {
  function rowOf(s: Screen, name: string): string | undefined {
    return s.lines.find((l) => l.slice(3).startsWith(`${name} `));
  }
  const ready = (s: Screen): boolean => /^nexus-top /.test(s.lines[0] ?? '') && NAMES.every((n) => rowOf(s, n) !== undefined && !/\bunknown\b/.test(rowOf(s, n)!));

  /** Both captures (as seen, and with escapes) of the current screen must be clean. */
  async function expectCleanScreen(t: Tmux, what: string): Promise<Screen> {
    const plain = await t.capture();
    const escaped = await t.capture({ escapes: true });
    expectNoSecret(what, plain.text);
    expectNoSecret(`${what} (with escapes)`, escaped.text);
    return plain;
  }

  it(
    'the table, the detail pane of every backend, the event log: no secret, the masked echoes shown',
    ({ expect }) =>
      withTerminal('secrets', { cols: 160, rows: 50, args: ['--config', config, '--debug'], env: { [KEY_ENV]: KEY } }, async (t) => {
        await t.waitForScreen(ready, 10_000, 'every backend probed');
        await expectCleanScreen(t, 'the table');
        // Sorted by name; the first row is selected. In the detail pane j goes to the next backend.
        await t.keys('Enter');
        for (const [i, name] of NAMES.entries()) {
          if (i > 0) await t.keys('j');
          const d = await t.waitForScreen((s) => s.lines.some((l) => l.trim() === name) && s.lines.some((l) => /^url\s/.test(l)), 10_000, `the detail pane of ${name}`);
          await expectCleanScreen(t, `the detail pane of ${name}`);
          const url = d.lines.find((l) => /^url\s/.test(l))!.replace(/^url\s+/, '').trimEnd();
          expect(url).not.toContain(':' + PASSWORD);
          if (name === 'pass-echo') {
            expect(url).toBe(`http://${USER}@127.0.0.1:${server.port}/basic`);
            expect(d.text).toContain('auth=Authorization: Basic ***');
            expect(d.text).toContain(`creds=${USER}:***`);
          }
          if (name === 'key-echo') {
            for (const id of ['auth=Authorization: Bearer ***', 'key=***', 'uni=***', 'ok-model']) expect(d.lines.some((l) => l.trim() === id), `${id}\n${d.text}`).toBe(true);
            expect(d.lines.some((l) => MASKED('esc=').test(l.trim())), d.text).toBe(true);
          }
          if (name === 'key-deny') expect(d.text).toMatch(DENIED);
          if (name === 'pass-500') expect(d.text).toContain(`denied for ${USER}:*** (Authorization: Basic ***)`);
        }
        await t.keys('Escape');
        await t.keys('e');
        await t.waitForScreen((s) => s.lines.some((l) => /pass-500/.test(l) && /unhealthy/.test(l)) && !s.lines.some((l) => /^\s*url\s/.test(l)), 10_000, 'the event log');
        await expectCleanScreen(t, 'the event log');
        await t.keys('Escape');
        await t.keys('q');
        const { code, screen } = await t.waitForExit(10_000);
        expect(code).toBe(0);
        expectNoSecret('the screen after quitting', screen.text);
        expectCredentialsSent();
      }),
    30_000,
  );
});
