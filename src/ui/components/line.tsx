import cliTruncate from 'cli-truncate';
import { Text } from 'ink';
import React, { memo } from 'react';
import stringWidth from 'string-width';
import type { Segment } from '../layout.js';
import { useScreen } from '../screen-context.js';

/** Cut segments to `width` display columns, marking the cut with the theme's ellipsis (ASCII under LANG=C). */
export function fitSegments(segments: readonly Segment[], width: number, ellipsis: string): readonly Segment[] {
  if (segments.reduce((n, s) => n + stringWidth(s.text), 0) <= width) return segments;
  const out: Segment[] = [];
  let room = width;
  for (const s of segments) {
    const w = stringWidth(s.text);
    if (w < room) {
      out.push(s);
      room -= w;
      continue;
    }
    // The cut falls in this segment; the extra character makes cli-truncate mark it even at an exact fit.
    out.push({ ...s, text: cliTruncate(`${s.text}.`, room, { truncationCharacter: ellipsis }) });
    break;
  }
  return out;
}

/**
 * One screen line made of segments, never wider than the terminal. Without colour no style at all is
 * applied (no SGR escapes), so NO_COLOR output carries its meaning in words and glyphs alone.
 */
export const Line = memo(function Line({ segments, inverse = false }: { segments: readonly Segment[]; inverse?: boolean }) {
  const { width, theme } = useScreen();
  const color = theme.color;
  const fitted = fitSegments(segments, width, theme.glyph.ellipsis);
  if (!color) return <Text wrap="truncate">{fitted.map((s) => s.text).join('')}</Text>;
  return (
    <Text wrap="truncate" inverse={inverse}>
      {fitted.map((s, i) =>
        s.colour || s.dim || s.bold ? (
          <Text key={i} {...(s.colour ? { color: s.colour } : {})} dimColor={s.dim === true} bold={s.bold === true}>
            {s.text}
          </Text>
        ) : (
          s.text
        ),
      )}
    </Text>
  );
});
