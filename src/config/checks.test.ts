import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeCheck, parseChecks, sameCheck, shownCommand } from './checks.js';
import { diffFleets } from './diff.js';
import { parseConfig } from './parse.js';
import { hostPort, substitute } from './placeholders.js';
import { programProblem } from './program.js';

const BACKENDS = `[[backends]]
name = "gpu-1"
url = "http://10.0.0.5:8000"

[[backends]]
name = "api"
url = "https://user:hunter2@api.example/v1"
`;

let dir: string;
let file: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'nexus-top-checks-'));
  file = join(dir, 'nexus.toml');
  writeFileSync(join(dir, 'check.sh'), '#!/bin/sh\nexit 0\n');
  chmodSync(join(dir, 'check.sh'), 0o755);
  writeFileSync(join(dir, 'not-exec.sh'), '#!/bin/sh\nexit 0\n');
  chmodSync(join(dir, 'not-exec.sh'), 0o644);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const parse = (checks: string) => parseConfig(`${BACKENDS}\n${checks}`, file);
/** The message a user sees for `checks`, with the file name shortened to F. */
const errorOf = (checks: string): string => {
  try {
    parse(checks);
  } catch (err) {
    return (err as Error).message.replace(file, 'F');
  }
  throw new Error('expected a config error');
};
// BACKENDS is 7 lines and a blank line follows it: the checks start on line 9.

describe('[top.checks]', () => {
  it('reads a tcp check, a command check and also = true; backends without one keep the HTTP probe', () => {
    const config = parse(`[top]\ncommand_concurrency = 2\n\n[top.checks.gpu-1]\ncheck = "tcp"\n\n[top.checks.api]\ncheck = "command"\ncommand = ["./check.sh", "--url=\${url}", "\${port}"]\nalso = true\n`);
    expect(config.top.commandConcurrency).toBe(2);
    expect(config.backends[0]!.check).toEqual({ kind: 'tcp', also: false });
    expect(config.backends[1]!.check).toEqual({ kind: 'command', also: true, argv: ['./check.sh', '--url=${url}', '${port}'], cwd: dirname(file) });
    expect(parse('').backends.map((b) => b.check)).toEqual([undefined, undefined]);
    expect(parse('').top.commandConcurrency).toBe(4);
    // Inline tables and check = "http" (the default, written out) too.
    const inline = parse(`[top]\nchecks = { gpu-1 = { check = "http" }, api = { check = "tcp" } }\n`);
    expect(inline.backends.map((b) => b.check)).toEqual([undefined, { kind: 'tcp', also: false }]);
  });

  it('refuses a shell string instead of a list, naming file, line and key', () => {
    expect(errorOf(`[top.checks.gpu-1]\ncheck = "command"\ncommand = "curl -s \${url} | jq ."\n`)).toBe(
      'F:11: top.checks.gpu-1.command: must be a list of arguments, ["program", "arg", …], not a string: no shell runs it, so nothing would split it',
    );
  });

  it('refuses bad argv lists', () => {
    expect(errorOf(`[top.checks.gpu-1]\ncheck = "command"\ncommand = []\n`)).toBe('F:11: top.checks.gpu-1.command: must not be empty: its first element is the program to run');
    expect(errorOf(`[top.checks.gpu-1]\ncheck = "command"\ncommand = ["true",\n  3]\n`)).toBe('F:12: top.checks.gpu-1.command[1]: expected a string, got number 3');
    expect(errorOf(`[top.checks.gpu-1]\ncheck = "command"\ncommand = [""]\n`)).toBe('F:11: top.checks.gpu-1.command[0]: the program must not be empty');
    expect(errorOf(`[top.checks.gpu-1]\ncheck = "command"\ncommand = ["true", "a\\u0000b"]\n`)).toBe('F:11: top.checks.gpu-1.command[1]: must not contain a NUL character');
    expect(errorOf(`[top.checks.gpu-1]\ncheck = "command"\ncommand = { program = "true" }\n`)).toBe(
      'F:11: top.checks.gpu-1.command: expected a list of arguments, ["program", "arg", …], got a table',
    );
    expect(errorOf(`[top.checks.gpu-1]\ncheck = "command"\n`)).toBe('F:9: top.checks.gpu-1.command: missing: check = "command" needs command = ["program", "arg", …]');
    expect(errorOf(`[top.checks.gpu-1]\ncheck = "command"\ncommand = ["\${url}"]\n`)).toBe(
      'F:11: top.checks.gpu-1.command[0]: the program cannot be a placeholder: it is looked up when the config is read',
    );
  });

  it('refuses an unknown or unfinished placeholder', () => {
    expect(errorOf(`[top.checks.gpu-1]\ncheck = "command"\ncommand = ["true", "\${url}",\n "\${model}"]\n`)).toBe(
      'F:12: top.checks.gpu-1.command[2]: unknown placeholder ${model}; known: ${url}, ${host}, ${port}, ${name}',
    );
    expect(errorOf(`[top.checks.gpu-1]\ncheck = "command"\ncommand = ["true", "\${url"]\n`)).toBe(
      'F:11: top.checks.gpu-1.command[1]: unfinished placeholder (a "${" without its "}")',
    );
  });

  it('refuses a program that is not there, in PATH or as a path, at load', () => {
    expect(errorOf(`[top.checks.gpu-1]\ncheck = "command"\ncommand = ["no-such-program-nexus-top", "x"]\n`)).toBe(
      'F:11: top.checks.gpu-1.command: program "no-such-program-nexus-top" not found in PATH',
    );
    expect(errorOf(`[top.checks.gpu-1]\ncheck = "command"\ncommand = ["./missing.sh"]\n`)).toBe(`F:11: top.checks.gpu-1.command: program "./missing.sh" not found (relative to ${dir})`);
    expect(errorOf(`[top.checks.gpu-1]\ncheck = "command"\ncommand = ["./not-exec.sh"]\n`)).toBe('F:11: top.checks.gpu-1.command: program "./not-exec.sh" is not executable');
    expect(errorOf(`[top.checks.gpu-1]\ncheck = "command"\ncommand = ["/tmp"]\n`)).toBe('F:11: top.checks.gpu-1.command: program "/tmp" is a directory');
    // Found: in PATH (sh), absolute, relative to the config's directory.
    expect(() => parse(`[top.checks.gpu-1]\ncheck = "command"\ncommand = ["sh", "-c", "exit 0"]\n`)).not.toThrow();
    expect(() => parse(`[top.checks.gpu-1]\ncheck = "command"\ncommand = ["${join(dir, 'check.sh')}"]\n`)).not.toThrow();
  });

  it('looks a bare program up in PATH only', () => {
    expect(programProblem('check.sh', '/', dir)).toBeUndefined();
    expect(programProblem('check.sh', '/', '/usr/bin')).toBe('program "check.sh" not found in PATH');
    expect(programProblem('not-exec.sh', '/', dir)).toBe('program "not-exec.sh" not found in PATH');
    expect(programProblem('sh', '/', '')).toBe('program "sh" not found in PATH');
  });

  it('refuses checks of backends that do not exist, unknown keys and wrong kinds', () => {
    expect(errorOf(`[top.checks.gpu-2]\ncheck = "tcp"\n`)).toBe('F:9: top.checks.gpu-2: no backend is named "gpu-2" (the keys of [top.checks] are backend names)');
    expect(errorOf(`[top.checks.gpu-1]\ncheck = "tcp"\ncomand = ["true"]\n`)).toBe('F:11: top.checks.gpu-1.comand: unknown key; did you mean command?');
    expect(errorOf(`[top.checks.gpu-1]\ncheck = "tcp"\ninterval = 5\n`)).toBe('F:11: top.checks.gpu-1.interval: unknown key (a check takes check, command, also)');
    expect(errorOf(`[top.checks.gpu-1]\ncheck = "ping"\n`)).toBe('F:10: top.checks.gpu-1.check: must be one of "http", "tcp", "command" (got string "ping")');
    expect(errorOf(`[top.checks.gpu-1]\nalso = true\n`)).toBe('F:9: top.checks.gpu-1: missing: check = "tcp" or check = "command"');
    expect(errorOf(`[top.checks.gpu-1]\ncheck = "tcp"\nalso = "yes"\n`)).toBe('F:11: top.checks.gpu-1.also: expected true or false, got string "yes"');
    expect(errorOf(`[top.checks.gpu-1]\ncheck = "http"\nalso = true\n`)).toBe(
      'F:11: top.checks.gpu-1.also: also = true runs a tcp or command check beside the HTTP probe: set check = "tcp" or "command"',
    );
    expect(errorOf(`[top.checks.gpu-1]\ncheck = "tcp"\ncommand = ["true"]\n`)).toBe('F:11: top.checks.gpu-1.command: is only used with check = "command" (this check is "tcp")');
    expect(errorOf(`[top]\nchecks = "tcp"\n`)).toBe('F:10: top.checks: expected a table of checks by backend name, got string "tcp"');
    expect(errorOf(`[top.checks]\ngpu-1 = "tcp"\n`)).toBe('F:10: top.checks.gpu-1: expected a table (check = "tcp" or check = "command"), got string "tcp"');
    expect(errorOf(`[top]\ncommand_concurrency = 0\n`)).toBe('F:10: top.command_concurrency: must be at least 1 (got 0)');
  });

  it('names a backend with an unusual name quoted, as TOML would', () => {
    const config = `[[backends]]\nname = "my gpu"\nurl = "http://h:1"\n\n[top.checks."my gpu"]\ncheck = "command"\ncommand = "x"\n`;
    expect(() => parseConfig(config, 'n.toml')).toThrow('n.toml:7: top.checks."my gpu".command: must be a list of arguments');
  });

  it('is pure: the program lookup is asked of the caller', () => {
    const asked: string[] = [];
    const result = parseChecks({
      raw: { a: { check: 'command', command: ['prog', '${name}'] } },
      backends: ['a'],
      cwd: '/srv',
      programProblem: (program, cwd) => {
        asked.push(`${cwd}:${program}`);
        return undefined;
      },
    });
    expect(result).toEqual({ ok: true, checks: new Map([['a', { kind: 'command', also: false, argv: ['prog', '${name}'], cwd: '/srv' }]]) });
    expect(asked).toEqual(['/srv:prog']);
  });
});

describe('placeholders', () => {
  it('substitute each argument whole: a value never splits or joins arguments', () => {
    const values = { url: 'http://h:1/a b', host: 'h', port: '1', name: 'x; rm -rf /' };
    expect(substitute(['check', '${url}', '--to=${host}:${port}', '${name}', '$HOME', '${nope}'], values)).toEqual([
      'check',
      'http://h:1/a b',
      '--to=h:1',
      'x; rm -rf /',
      '$HOME',
      '${nope}',
    ]);
  });

  it('find host and port, the scheme default when none is written, IPv6 bare', () => {
    expect(hostPort('http://10.0.0.5:8000/v1')).toEqual({ host: '10.0.0.5', port: 8000 });
    expect(hostPort('https://api.example')).toEqual({ host: 'api.example', port: 443 });
    expect(hostPort('http://api.example')).toEqual({ host: 'api.example', port: 80 });
    expect(hostPort('http://[::1]:9000')).toEqual({ host: '::1', port: 9000 });
  });
});

describe('how a check is shown', () => {
  it('says which check runs, with the command sanitised and secrets masked', () => {
    expect(describeCheck({ url: 'http://10.0.0.5:8000' })).toBe('http');
    expect(describeCheck({ url: 'http://10.0.0.5:8000', check: { kind: 'tcp', also: false } })).toBe('tcp connect 10.0.0.5:8000');
    expect(describeCheck({ url: 'http://[::1]:80', check: { kind: 'tcp', also: true } })).toBe('http and tcp connect [::1]:80');
    expect(describeCheck({ url: 'http://h', check: { kind: 'command', also: false, argv: ['./check.sh', '${url}'], cwd: '/' } })).toBe('command: ./check.sh ${url}');
    expect(describeCheck({ url: 'http://h', check: { kind: 'command', also: false, argv: ['echo', 'a\u001b[31mred\u001b]0;title\u0007', 'two words'], cwd: '/' } })).toBe(
      'command: echo "a\\u001b[31mred\\u001b]0;title\\u0007" "two words"',
    );
  });

  it('masks what looks like a secret in the command', () => {
    expect(shownCommand(['curl', '-H', 'Authorization: Bearer sk-live-123', 'http://u:hunter2@h/x', '--token', 'abc', '--api-key=xyz', 'password=p'])).toBe(
      'curl -H "Authorization: ***" http://u@h/x --token *** --api-key=*** password=***',
    );
  });
});

describe('reload', () => {
  it('treats a changed check as a replaced backend, an unchanged one as the same', () => {
    const before = parse(`[top.checks.gpu-1]\ncheck = "tcp"\n`);
    expect(diffFleets(before, parse(`[top.checks.gpu-1]\ncheck = "tcp"\n`))).toMatchObject({ replaced: [], relabelled: [], settings: false });
    for (const after of [
      '',
      `[top.checks.gpu-1]\ncheck = "tcp"\nalso = true\n`,
      `[top.checks.gpu-1]\ncheck = "command"\ncommand = ["true"]\n`,
    ]) {
      expect(diffFleets(before, parse(after)).replaced.map((b) => b.name)).toEqual(['gpu-1']);
    }
    const cmd = (argv: string) => parse(`[top.checks.api]\ncheck = "command"\ncommand = ${argv}\n`);
    expect(diffFleets(cmd('["true"]'), cmd('["true"]')).replaced).toEqual([]);
    expect(diffFleets(cmd('["true"]'), cmd('["true", "x"]')).replaced.map((b) => b.name)).toEqual(['api']);
    expect(sameCheck(undefined, undefined)).toBe(true);
    expect(diffFleets(before, parse(`[top]\ncommand_concurrency = 9\n[top.checks.gpu-1]\ncheck = "tcp"\n`)).settings).toBe(true);
  });
});
