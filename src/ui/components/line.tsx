import { Text } from 'ink';
import React, { memo } from 'react';
import { fitSegments, type Segment } from '../layout.js';
import { useScreen } from '../screen-context.js';

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
