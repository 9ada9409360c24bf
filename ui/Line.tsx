// One terminal line made of styled segments, cut to a width so nothing ever wraps.

import { Text } from 'ink';
import { charWidth, type Glyphs } from './text.js';
import type { Seg } from './theme.js';

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

export function Line({ segs, width, g }: { segs: readonly Seg[]; width: number; g: Glyphs }) {
  const cut = cutSegs(segs, width, g);
  return (
    <Text wrap="truncate-end">
      {cut.length === 0 ? ' ' : cut.map((s, i) => (
        <Text key={i} color={s.color} bold={s.bold} dimColor={s.dim} inverse={s.inverse}>
          {s.text}
        </Text>
      ))}
    </Text>
  );
}
