// Colours and short labels per address class, and the row-segment type the components render. Every
// colour is paired with text (a label, a bar glyph) so the view still reads on a monochrome terminal.

import { CLASS_INFO, perClass } from '../src/classes.js';

/** Ink colour per class (from the class registry). */
export const CLASS_COLOR = perClass((c) => CLASS_INFO[c].color);

/** Short label per class for narrow columns (from the class registry). */
export const CLASS_LABEL = perClass((c) => CLASS_INFO[c].label);

/** One styled run of text inside a line. */
export interface Seg {
  text: string;
  color?: string;
  bold?: boolean;
  dim?: boolean;
  inverse?: boolean;
}
