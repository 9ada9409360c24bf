import { describe, expect, it } from 'vitest';
import { LineSplitter } from '../src/sources/lines.js';

function split(chunks: (string | Buffer)[], max = 64) {
  const lines: string[] = [];
  const long: string[] = [];
  const s = new LineSplitter(max, (l) => lines.push(l), (h) => long.push(h));
  for (const c of chunks) s.write(typeof c === 'string' ? Buffer.from(c) : c);
  s.end();
  return { lines, long };
}

describe('line splitter', () => {
  it('splits lines across chunk boundaries and keeps a last line without newline', () => {
    expect(split(['a b\nc', 'd\ne', 'f']).lines).toEqual(['a b', 'cd', 'ef']);
  });
  it('keeps empty lines: they are lines of the source and count for its position', () => {
    expect(split(['a\n\nb\n']).lines).toEqual(['a', '', 'b']);
  });
  it('cuts a line longer than the maximum, reports its head and goes on with the next line', () => {
    const { lines, long } = split(['x'.repeat(100) + '\nok\n'], 64);
    expect(lines).toEqual(['ok']);
    expect(long).toHaveLength(1);
    expect(long[0].startsWith('xxxx')).toBe(true);
  });
  it('cuts an over-long line that arrives in many small chunks without holding all of it', () => {
    const chunks = Array.from({ length: 1000 }, () => 'y'.repeat(50));
    const { lines, long } = split([...chunks, '\nnext\n'], 1000);
    expect(long).toHaveLength(1);
    expect(long[0].length).toBeLessThanOrEqual(200);
    expect(lines).toEqual(['next']);
  });
  it('decodes a UTF-8 character split between two chunks', () => {
    const e = Buffer.from('é');
    expect(split([Buffer.concat([Buffer.from('caf'), e.subarray(0, 1)]), Buffer.concat([e.subarray(1), Buffer.from('\n')])]).lines).toEqual(['café']);
  });
  it('leaves CR of CRLF endings to the line stage', () => {
    expect(split(['a\r\nb\r\n']).lines).toEqual(['a\r', 'b\r']);
  });
});
