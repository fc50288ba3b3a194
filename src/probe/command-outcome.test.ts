import { describe, expect, it } from 'vitest';
import { ProbeAbort } from './abort.js';
import { commandOutcome, firstLine } from './command-outcome.js';
import { createSemaphore } from './semaphore.js';

const end = { code: 0, signal: null, stdout: '', stderr: '' };

describe('the outcome of a command check', () => {
  it('maps exit 0 to success without models', () => {
    expect(commandOutcome(end, 5_000)).toEqual({ outcome: 'ok', models: null });
  });

  it('maps another exit to kind command with the first line of stderr, else stdout', () => {
    expect(commandOutcome({ ...end, code: 3, stderr: '\n\n  not ready: loading weights\nmore', stdout: 'ignored' }, 5_000)).toEqual({
      outcome: 'failure',
      kind: 'command',
      message: 'exit 3: not ready: loading weights',
    });
    expect(commandOutcome({ ...end, code: 1, stdout: 'from stdout\n' }, 5_000)).toMatchObject({ message: 'exit 1: from stdout' });
    expect(commandOutcome({ ...end, code: 1, stderr: ' \n\u001b[0m\n' }, 5_000)).toMatchObject({ message: 'exit 1' });
  });

  it('maps a signal, the deadline and a cancel to kind timeout', () => {
    expect(commandOutcome({ ...end, code: null, signal: 'SIGSEGV' }, 5_000)).toEqual({ outcome: 'failure', kind: 'timeout', message: 'killed by SIGSEGV' });
    expect(commandOutcome({ ...end, code: null, signal: 'SIGKILL', killed: 'deadline' }, 1_500)).toEqual({ outcome: 'failure', kind: 'timeout', message: 'timed out after 1.5s (command killed)' });
    expect(commandOutcome({ ...end, code: null, signal: 'SIGKILL', killed: 'cancelled' }, 1_500)).toMatchObject({ kind: 'timeout', message: 'cancelled' });
  });

  it('maps a program that could not start to kind command', () => {
    expect(commandOutcome({ ...end, code: null, spawnErrorCode: 'EACCES' }, 5_000)).toEqual({ outcome: 'failure', kind: 'command', message: 'cannot run the command: permission denied' });
  });

  it('cuts and cleans the line like any backend text', () => {
    expect(firstLine(`\u001b]0;title\u0007${'é'.repeat(400)}`)).toBe(`${'é'.repeat(299)}…`);
    expect(firstLine('a\tb\rc')).toBe('a b c');
  });
});

describe('the command slots', () => {
  it('hand out at most the limit, in order, and drop a wait that is aborted', async () => {
    const slots = createSemaphore(2);
    const a = new ProbeAbort();
    const first = await slots.acquire(a);
    const second = await slots.acquire(a);
    const order: string[] = [];
    const dropped = new ProbeAbort();
    const third = slots.acquire(dropped).then((r) => (order.push(r === null ? 'third dropped' : 'third'), r));
    const fourth = slots.acquire(a).then((r) => (order.push('fourth'), r));
    await Promise.resolve();
    expect(order).toEqual([]);
    dropped.abort(new Error('cancel'));
    await third;
    first!();
    first!(); // a second release is a no-op
    const four = await fourth;
    expect(order).toEqual(['third dropped', 'fourth']);
    let fifth = false;
    void slots.acquire(a).then(() => (fifth = true));
    await new Promise((r) => setTimeout(r, 10));
    expect(fifth).toBe(false);
    second!();
    await new Promise((r) => setTimeout(r, 0));
    expect(fifth).toBe(true);
    four!();
    expect(await slots.acquire(dropped)).toBeNull();
  });
});
