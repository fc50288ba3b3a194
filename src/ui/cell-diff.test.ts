/** The cell differ (src/ui/cell-diff.ts): lines as cells, SGR transitions, and the bytes a row change costs. */
import { describe, expect, it } from 'vitest';
import { drawRow, moveTo, parseLine, sgrTransition, type Cursor, type Row } from './cell-diff.js';

const E = '\u001b[';
const at = (row: number, col: number, reach = 10): Cursor => ({ row, col, sgr: '', reach });
const rowOf = (line: string): Row => ({ line, cells: parseLine(line), trust: 'full' });

describe('parseLine', () => {
  it('gives each character its cell and attributes; a wide one two cells', () => {
    const cells = parseLine(`a${E}1;31mb日${E}22mc${E}m `)!;
    expect(cells.map((c) => c.ch)).toEqual(['a', 'b', '日', '', 'c', ' ']);
    expect(cells[1]!.sgr).toBe(cells[2]!.sgr);
    expect(cells[3]!.sgr).toBe(cells[2]!.sgr);
    expect(cells[4]!.sgr).not.toBe(cells[2]!.sgr);
    expect(cells[4]!.sgr).toBe(parseLine(`${E}31mc`)![0]!.sgr);
    expect(cells[5]!.sgr).toBe('');
    // The same attributes however they were spelled.
    expect(parseLine(`${E}1m${E}35mx`)![0]!.sgr).toBe(parseLine(`${E}35;1mx`)![0]!.sgr);
    expect(parseLine(`${E}38;5;208mx${E}0m`)![0]!.sgr).toBe(parseLine(`${E}38;5;208mx`)![0]!.sgr);
  });

  it('keeps a line opaque when its layout depends on the terminal: emoji, clusters, other escapes, controls', () => {
    for (const line of ['🦙 llama', '👩‍💻', 'e\u0301', `${E}2Kx`, '\u001b]8;;http://x\u0007link\u001b]8;;\u0007', 'a\tb', `${E}4:3mx`, `${E}58;5;1mx`]) {
      expect(parseLine(line), line).toBeUndefined();
    }
    expect(parseLine('● ✖ ◌ ▁▂ ⚠ é ｗｉｄｅ')).toBeDefined();
  });
});

describe('sgrTransition', () => {
  const key = (sgr: string): string => parseLine(`${sgr}x`)![0]!.sgr;
  it('writes only what changes, or a reset when that is shorter', () => {
    expect(sgrTransition(key(`${E}32m`), key(`${E}32m`))).toBe('');
    expect(sgrTransition('', key(`${E}1;32m`))).toBe(`${E}1;32m`);
    expect(sgrTransition(key(`${E}1;32m`), key(`${E}1;31m`))).toBe(`${E}31m`);
    expect(sgrTransition(key(`${E}1;32m`), '')).toBe(`${E}m`);
    // 22 ends bold and dim alike: the one still wanted comes back.
    expect(sgrTransition(key(`${E}1;2;31m`), key(`${E}1;31m`))).toBe(`${E}22;1m`);
    expect(sgrTransition(key(`${E}1;2m`), key(`${E}1m`))).toBe(`${E}0;1m`);
    expect(sgrTransition(key(`${E}7;4;9;31m`), key(`${E}32m`))).toBe(`${E}0;32m`);
    // 256 colours and true colour: kept whole, through later escapes on the same line.
    const [a, b] = parseLine(`${E}38;2;10;200;30mx${E}1my${E}48;5;22mz`)!;
    expect(sgrTransition('', a!.sgr)).toBe(`${E}38;2;10;200;30m`);
    expect(sgrTransition('', b!.sgr)).toBe(`${E}1;38;2;10;200;30m`);
    expect(sgrTransition(b!.sgr, parseLine(`${E}38;2;10;200;30;1;48;5;22mz`)![0]!.sgr)).toBe(`${E}48;5;22m`);
  });
});

describe('moveTo', () => {
  it('moves relatively, and reaches rows never drawn through new lines', () => {
    const cur = at(5, 0, 6);
    expect(moveTo(cur, 2, 0)).toBe(`${E}3F`);
    expect(moveTo(cur, 2, 7)).toBe(`${E}7C`);
    expect(moveTo(cur, 3, 4)).toBe(`${E}B${E}3D`);
    expect(moveTo(cur, 4, 3)).toBe(`${E}B\b`);
    expect(moveTo(cur, 4, 40)).toBe(`${E}37C`);
    expect(moveTo(cur, 4, 2)).toBe(`${E}3G`);
    expect(moveTo(cur, 8, 0)).toBe(`${E}2B\r\n\r\n`);
    expect(cur).toMatchObject({ row: 8, col: 0, reach: 8 });
  });
});

describe('drawRow', () => {
  it('one changed cell costs a move and the cell', () => {
    const before = rowOf(`   alpha   ${E}32m● healthy${E}m   12s`);
    const cur = at(0, 0);
    const { out } = drawRow(cur, 3, before, `   alpha   ${E}32m● healthy${E}m   13s`, 80);
    expect(out).toBe(`${E}3B${E}24C3`);
  });

  it('a cell added to a coloured strip: its colour and the cell', () => {
    const strip = (n: number): string => `x ${E}32m${'▁'.repeat(n)}${E}m`;
    const { out } = drawRow(at(1, 0), 1, rowOf(strip(5)), strip(6), 80);
    expect(out).toBe(`${E}7C${E}32m▁`);
  });

  it('a shorter line erases what is left; a gap is written through when cheaper than a move', () => {
    expect(drawRow(at(0, 0), 0, rowOf('abcdef'), 'abc', 80).out).toBe(`${E}3C${E}K`);
    expect(drawRow(at(0, 0), 0, rowOf('a-b-c'), 'A-B-C', 80).out).toBe('A-B-C');
    expect(drawRow(at(0, 0), 0, rowOf(`a${'-'.repeat(20)}b`), `A${'-'.repeat(20)}B`, 80).out).toBe(`A${E}20CB`);
  });

  it('a wide character replaced by narrow ones (and back) is written whole', () => {
    expect(drawRow(at(0, 0), 0, rowOf('x日y'), 'xaby', 80).out).toBe(`${E}Cab`);
    expect(drawRow(at(0, 0), 0, rowOf('xaby'), 'x日y', 80).out).toBe(`${E}C日`);
  });

  it('a row it cannot know, or one that was never drawn, is rewritten whole as Ink does', () => {
    expect(drawRow(at(0, 0), 0, rowOf('🦙 a'), '🦙 b', 80).out).toBe('🦙 b\u001b[K');
    expect(drawRow(at(0, 0), 0, { line: 'abc', cells: undefined, trust: 'none' }, 'abd', 80).out).toBe('abd\u001b[K');
    expect(drawRow(at(0, 0), 0, undefined, 'abd', 80).out).toBe('abd\u001b[K');
    // Drawn, but whatever was there before may follow it: erased once.
    expect(drawRow(at(0, 0), 0, { line: 'abc', cells: parseLine('abc'), trust: 'cells' }, 'abd', 80).out).toBe(`${E}2Cd${E}K`);
  });
});

describe('drawRow, text moving sideways', () => {
  const bars = '▁▂▃▅▇▂▁▃▇▅▁▂';
  const strip = (from: number, n: number): string => `b0001  ${' '.repeat(20 - n)}${E}32m${bars.slice(from, from + n)}${E}m  tail`;

  it('a strip taking a step left: one cell deleted in front of it, the new one written', () => {
    const { out } = drawRow(at(0, 0), 0, rowOf(strip(0, 8)), strip(1, 8), 80);
    // DCH at the strip's first cell, then the newest sample where the strip ends.
    expect(out).toMatch(/\u001b\[P/);
    expect(Buffer.byteLength(out)).toBeLessThan(30);
  });

  it('a column growing by a character: inserted in place, what follows not written again', () => {
    const before = rowOf(`x 9.5ms  ${E}32m${'▂▃▅▇'.repeat(10)}${E}m`);
    const { out } = drawRow(at(0, 0), 0, before, `x 10.5ms  ${E}32m${'▂▃▅▇'.repeat(10)}${E}m`, 80);
    expect(out).toMatch(/\u001b\[@/);
    expect(out).not.toMatch(/[▂▃▅▇]/);
    expect(Buffer.byteLength(out)).toBeLessThan(20);
  });
});
