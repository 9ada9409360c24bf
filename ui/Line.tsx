// One terminal line made of styled segments, cut to a width so nothing ever wraps. A line is rendered as
// one Ink <Text> holding SGR-styled text (one React element per line, not per segment: keeps a frame cheap).
// Colour is off when NO_COLOR is set; bold/dim/inverse stay, so the view still reads.

import { Text } from 'ink';
import { charWidth, type Glyphs } from './text.js';
import type { Seg } from './theme.js';

const COLOR_CODE: Record<string, number> = { red: 31, green: 32, yellow: 33, blue: 34, magenta: 35, cyan: 36, gray: 90 };
const useColor = !('NO_COLOR' in process.env && process.env.NO_COLOR !== '');

/** Cuts the segments so their total width is at most `width` (the last kept one ends in an ellipsis). */
export function cutSegs(segs: readonly Seg[], width: number, g: Glyphs): Seg[] {
  const out: Seg[] = [];
  let used = 0;
  for (const s of segs) {
    let text = '';
    let cut = false;
    for (const ch of s.text) {
      const cw = charWidth(ch.codePointAt(0)!);
      if (used + cw > width) {
        cut = true;
        break;
      }
      text += ch;
      used += cw;
    }
    if (cut) {
      if (text.length > 0) text = text.slice(0, -1) + g.ellipsis;
      else if (out.length > 0) {
        const prev = out[out.length - 1];
        out[out.length - 1] = { ...prev, text: prev.text.slice(0, -1) + g.ellipsis };
      }
      if (text) out.push({ ...s, text });
      return out;
    }
    out.push({ ...s, text });
  }
  return out;
}

/** The segments as one string with SGR styling. Segment text must already be safe (see safeText). */
export function styled(segs: readonly Seg[]): string {
  let out = '';
  for (const s of segs) {
    let codes = '';
    if (s.bold) codes += ';1';
    if (s.dim) codes += ';2';
    if (s.inverse) codes += ';7';
    if (useColor && s.color && COLOR_CODE[s.color]) codes += `;${COLOR_CODE[s.color]}`;
    out += codes ? `\x1b[${codes.slice(1)}m${s.text}\x1b[0m` : s.text;
  }
  return out;
}

export function Line({ segs, width, g }: { segs: readonly Seg[]; width: number; g: Glyphs }) {
  const text = styled(cutSegs(segs, width, g));
  return <Text>{text === '' ? ' ' : text}</Text>;
}
