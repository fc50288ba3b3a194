import stringWidth from 'string-width';
import { describe, expect, it } from 'vitest';
import { textWidth } from './width.js';

describe('textWidth', () => {
  it('is string-width: ASCII, wide characters, emoji, glyphs, combining marks, escapes', () => {
    const texts = ['', 'b0001', 'http: HTTP 500: flip (2s ago)', '日本語', 'ｗｉｄｅ', '🦙 llama', '● healthy', '▁▂✖◌', 'e\u0301', '\u001b[31mred\u001b[39m', 'tab\there', '\u0000'];
    for (const text of texts) {
      expect(textWidth(text), JSON.stringify(text)).toBe(stringWidth(text));
      // Again, from what it remembered.
      expect(textWidth(text), JSON.stringify(text)).toBe(stringWidth(text));
    }
  });

  it('stays right past its memory', () => {
    for (let i = 0; i < 10_000; i++) {
      const text = `${'日'.repeat(i % 5)}${i}`;
      expect(textWidth(text)).toBe(stringWidth(text));
    }
  });
});
