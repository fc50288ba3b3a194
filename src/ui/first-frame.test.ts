import { describe, expect, it } from 'vitest';
import { drawFirstFrame, ENTER_SCREEN } from './first-frame.js';

function fakeStdout(columns: number): { stream: NodeJS.WriteStream; written: () => string } {
  let out = '';
  const stream = { columns, write: (s: string) => ((out += s), true) } as unknown as NodeJS.WriteStream;
  return { stream, written: () => out };
}

describe('drawFirstFrame', () => {
  it('enters the alternate screen, writes the header at the top and puts the cursor back home for Ink', () => {
    const t = fakeStdout(80);
    drawFirstFrame(t.stream, 'nexus-top 1.2.3  ·  /etc/nexus/nexus.toml');
    expect(t.written()).toBe(`${ENTER_SCREEN}nexus-top 1.2.3  ·  /etc/nexus/nexus.toml\u001b[H`);
  });
  it('writes no header that would wrap on a narrow terminal', () => {
    const t = fakeStdout(20);
    drawFirstFrame(t.stream, 'nexus-top 1.2.3  ·  /a/very/long/path/nexus.toml');
    expect(t.written()).toBe(`${ENTER_SCREEN}\u001b[H`);
  });
});
