/** A run of text in one style: the unit every view (table, GPU panel, events, first frame) is drawn from. */
import type { Colour } from './theme.js';

export interface Segment {
  text: string;
  colour?: Colour;
  dim?: boolean;
  bold?: boolean;
}

/** A table cell: one or more differently styled segments (the status word and FLAPPING, the history bars). */
export type Cell = readonly Segment[];
