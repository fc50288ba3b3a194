import { Text } from 'ink';
import React, { memo } from 'react';
import type { Segment } from '../layout.js';

/**
 * One screen line made of segments. Without colour no style at all is applied (no SGR escapes),
 * so NO_COLOR output carries its meaning in words and glyphs alone.
 */
export const Line = memo(function Line({ segments, color, inverse = false }: { segments: readonly Segment[]; color: boolean; inverse?: boolean }) {
  if (!color) return <Text wrap="truncate">{segments.map((s) => s.text).join('')}</Text>;
  return (
    <Text wrap="truncate" inverse={inverse}>
      {segments.map((s, i) =>
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
