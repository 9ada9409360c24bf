// Colours and short labels per address class, and the row-segment type the components render. Every
// colour is paired with text (a label, a bar glyph) so the view still reads on a monochrome terminal.

import type { AddressClass } from '../src/types.js';

export const CLASS_COLOR: Record<AddressClass, string> = {
  node: 'red',
  pod: 'cyan',
  private: 'blue',
  external: 'green',
  unknown: 'gray',
};

export const CLASS_LABEL: Record<AddressClass, string> = {
  node: 'node',
  pod: 'pod',
  private: 'priv',
  external: 'ext',
  unknown: 'unk',
};

/** One styled run of text inside a line. */
export interface Seg {
  text: string;
  color?: string;
  bold?: boolean;
  dim?: boolean;
  inverse?: boolean;
}
