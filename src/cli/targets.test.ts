import { afterEach, describe, expect, it } from 'vitest';
import { closedPort, serveRoutes, type Loopback } from '../../test/helpers/loopback.js';
import { configOf } from '../../test/helpers/fleet.js';
import { BACKEND_TYPES } from '../config/types.js';
import {
  configForTargets,
  defaultName,
  mergeBackends,
  parseTarget,
  parseTargets,
  resolveTargets,
  shownArg,
  targetBackend,
} from './targets.js';
import { UsageError } from './usage-error.js';

describe('parseTarget: the grammar', () => {
  it.each([
    ['http://gpu1:11434', { url: 'http://gpu1:11434' }],
    ['https://api.example.com/v1/', { url: 'https://api.example.com/v1/' }],
    ['HTTP://GPU1:11434', { url: 'HTTP://GPU1:11434' }],
    ['gpu2:8000', { url: 'http://gpu2:8000' }],
    ['gpu2', { url: 'http://gpu2' }],
    ['10.0.0.5:8080/proxy', { url: 'http://10.0.0.5:8080/proxy' }],
    ['[::1]:8000', { url: 'http://[::1]:8000' }],
    ['ollama=http://gpu1:11434', { type: 'ollama', url: 'http://gpu1:11434' }],
    ['vllm=gpu2:8000', { type: 'vllm', url: 'http://gpu2:8000' }],
    ['LMStudio=localhost:1234', { type: 'lmstudio', url: 'http://localhost:1234' }],
    ['gpu1@http://gpu1:11434', { name: 'gpu1', url: 'http://gpu1:11434' }],
    ['big box@https://h', { name: 'big box', url: 'https://h' }],
    ['gpu1@ollama=http://gpu1:11434', { name: 'gpu1', type: 'ollama', url: 'http://gpu1:11434' }],
    ['gpu1@llamacpp=gpu1:8080', { name: 'gpu1', type: 'llamacpp', url: 'http://gpu1:8080' }],
    // Credentials are not names.
    ['http://user:pass@gpu1:11434', { url: 'http://user:pass@gpu1:11434' }],
    ['user:pass@gpu1:11434', { url: 'http://user:pass@gpu1:11434' }],
    ['http://user@gpu1:11434', { url: 'http://user@gpu1:11434' }],
    ['gpu1@http://user:p%40ss@gpu1:11434', { name: 'gpu1', url: 'http://user:p%40ss@gpu1:11434' }],
    ['vllm=http://user:pass@gpu1:8000', { type: 'vllm', url: 'http://user:pass@gpu1:8000' }],
    // `=` inside a URL is not a type separator.
    ['http://gpu1:8000/?key=abc', { url: 'http://gpu1:8000/?key=abc' }],
    ['gpu1:8000/x?a=b', { url: 'http://gpu1:8000/x?a=b' }],
    ['  gpu1:8000  ', { url: 'http://gpu1:8000' }],
  ])('%s', (arg, expected) => {
    expect(parseTarget(arg)).toEqual({ arg: arg.trim(), ...expected });
  });

  it.each([
    ['', 'an empty argument is not a backend address'],
    ['olama=http://gpu1:11434', `"olama=http://gpu1:11434": unknown backend type "olama" (types: ${BACKEND_TYPES.join(', ')}; to name a backend write NAME@URL)`],
    ['gpu1=http://gpu1:11434', '"gpu1=http://gpu1:11434": unknown backend type "gpu1"'],
    ['=http://gpu1', '"=http://gpu1": no type before ='],
    ['ollama=', '"ollama=": no address (expected http://HOST:PORT or HOST:PORT)'],
    ['@http://gpu1', '"@http://gpu1": the name before @ is empty'],
    ['ftp://gpu1', '"ftp://gpu1": only http:// and https:// addresses can be watched'],
    ['grpc=gpu1:50051', '"grpc=gpu1:50051": unknown backend type "grpc"'],
    ['http:/gpu1', '"http:/gpu1": not an address (expected http://HOST:PORT or HOST:PORT)'],
    ['gpu1:', '"gpu1:": not an address'],
    ['gpu1:abc', '"gpu1:abc": not an address'],
    ['http:gpu1', '"http:gpu1": not an address'],
    ['8000', '"8000": a port alone is not an address (write HOST:PORT, e.g. localhost:8000)'],
    [':8000', '":8000": a port alone is not an address (write HOST:PORT, e.g. localhost:8000)'],
    ['gpu1:11434@http://x', '"gpu1:***@http://x": not an address (a scheme in the middle; a name before @ cannot contain \':\' or \'/\')'],
    ['gpu1@gpu1:11434', '"gpu1@gpu1:11434": ambiguous: for a backend named gpu1 write gpu1@http://gpu1:11434; for a user name write http://gpu1@gpu1:11434'],
    ['ollama=gpu1@http://gpu1:11434', '"ollama=gpu1@http://gpu1:11434": put the name first: gpu1@ollama=http://gpu1:11434'],
    ['http://', '"http://": the URL is not a valid URL'],
    ['http://gpu 1:8000', 'an address cannot contain spaces'],
    [`${'n'.repeat(300)}@http://h`, 'the name is too long (300 characters, at most 256)'],
    ['gpu\u00071@http://h', 'the name must not contain control characters'],
  ])('%j is refused', (arg, message) => {
    expect(() => parseTarget(arg)).toThrow(UsageError);
    expect(() => parseTarget(arg)).toThrow(message);
  });

  it('never shows a password in a message', () => {
    for (const arg of ['ftp://admin:hunter2@h', 'olama=http://admin:hunter2@h', 'http://admin:hunter2@h:99999']) {
      let message = '';
      try {
        parseTarget(arg);
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message).not.toBe('');
      expect(message).not.toContain('hunter2');
      expect(message).toContain('admin:***@');
    }
    expect(shownArg('a@vllm=http://u:pw@h')).toBe('"a@vllm=http://u:***@h"');
  });
});

describe('parseTargets: names', () => {
  it('derives HOST:PORT names, unique with -2, -3, around given and reserved names', () => {
    const targets = parseTargets(
      ['gpu1:11434', 'http://gpu1:11434/other', 'ollama=gpu1:11434', 'http://gpu2', 'gpu2@http://x', 'https://api.example.com', 'http://[::1]:8000'],
      { reservedNames: ['gpu1:11434-2'] },
    );
    expect(targets.map((t) => [t.name, t.nameGiven, t.type ?? null])).toEqual([
      ['gpu1:11434', false, null],
      ['gpu1:11434-3', false, null],
      ['gpu1:11434-4', false, 'ollama'],
      ['gpu2-2', false, null],
      ['gpu2', true, null],
      ['api.example.com', false, null],
      ['[::1]:8000', false, null],
    ]);
  });

  it('a derived name never carries credentials or odd characters', () => {
    expect(defaultName('http://admin:secret@gpu1:8000/x')).toBe('gpu1:8000');
    expect(defaultName('http://bücher.example:80')).toBe('xn--bcher-kva.example');
  });

  it('two given names alike are a usage error naming both arguments', () => {
    expect(() => parseTargets(['a@http://h1', 'http://h2', 'a@http://h3'])).toThrow(new UsageError('duplicate backend name "a" (arguments 1 and 3)'));
  });
});

describe('backends and configs from targets', () => {
  it('targetBackend: the defaults of a [[backends]] table', () => {
    const [t] = parseTargets(['gpu1@vllm=gpu1:8000']);
    expect(targetBackend(t!)).toEqual({ name: 'gpu1', url: 'http://gpu1:8000', type: 'vllm', priority: 50, tlsVerify: true });
    const [u] = parseTargets(['gpu1:8000']);
    expect(targetBackend(u!).type).toBe('generic');
  });

  it('configForTargets: default settings, source "command line"', () => {
    const config = configForTargets(parseTargets(['a@http://h']).map((t) => targetBackend(t)));
    expect(config.source).toBe('command line');
    expect(config.health.intervalMs).toBe(30_000);
    expect(config.backends).toHaveLength(1);
    expect(() => configForTargets([])).toThrow('no backend given');
  });

  it('mergeBackends: the file’s backends then the command line’s; a name in both is a clear error', () => {
    const file = configOf(['gpu1', 'gpu2']);
    const extra = parseTargets(['gpu3@http://h3', 'http://gpu1'], { reservedNames: file.backends.map((b) => b.name) }).map((t) => targetBackend(t));
    const merged = mergeBackends(file, extra);
    expect(merged.backends.map((b) => b.name)).toEqual(['gpu1', 'gpu2', 'gpu3', 'gpu1-2']);
    expect(merged.source).toBe('test.toml');
    const clash = parseTargets(['gpu2@http://admin:pw@h2']).map((t) => targetBackend(t));
    expect(() => mergeBackends(file, clash)).toThrow(
      new UsageError('backend name "gpu2" on the command line (http://admin@h2) is already used in test.toml; name it NAME@URL'),
    );
  });
});

describe('resolveTargets: detection over real HTTP', () => {
  const servers: Loopback[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });

  it('detects the types not given, keeps the ones given, falls back to generic with a reason', async () => {
    const ollama = await serveRoutes({ '/api/tags': 'ollama/api_tags.http' }, 'ollama/not_found.http');
    const vllm = await serveRoutes({ '/v1/models': 'vllm/v1_models.http' }, 'vllm/not_found.http');
    servers.push(ollama, vllm);
    const dead = await closedPort();
    const targets = parseTargets([ollama.url, `big@${vllm.url}`, `exo=${vllm.url}`, `127.0.0.1:${dead}`]);
    const resolved = await resolveTargets(targets, { timeoutMs: 2_000 });
    expect(resolved.map((r) => [r.backend.name, r.backend.type, r.detection?.detected ?? null])).toEqual([
      [`127.0.0.1:${ollama.port}`, 'ollama', true],
      ['big', 'vllm', true],
      [`127.0.0.1:${vllm.port}`, 'exo', null],
      [`127.0.0.1:${dead}`, 'generic', false],
    ]);
    expect(resolved[3]!.detection!.reason).toBe('no answer: connection: connection refused');
    // The forced type asked nothing of its server: only the detection of `big` reached vllm.
    expect(vllm.requests).toHaveLength(5);
  });
});
