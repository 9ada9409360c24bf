// Shared by the lines and json sinks: batched writes to a stream (one write per event-loop turn or per 64 KiB,
// not per row) and the colour decision (a TTY, and NO_COLOR not set: https://no-color.org).

export interface TextOut {
  write(chunk: string): unknown;
  isTTY?: boolean;
}

export function useColor(out: TextOut, env: NodeJS.ProcessEnv = process.env): boolean {
  return out.isTTY === true && !env.NO_COLOR;
}

export class BatchWriter {
  private buf = '';
  private scheduled = false;

  constructor(private readonly out: TextOut) {}

  push(text: string): void {
    this.buf += text;
    if (this.buf.length >= 65536) this.flush();
    else if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.flushBound);
    }
  }

  private readonly flushBound = (): void => {
    this.scheduled = false;
    this.flush();
  };

  flush(): void {
    if (this.buf === '') return;
    const text = this.buf;
    this.buf = '';
    this.out.write(text);
  }
}
