// A response the emulator holds open and writes to over time (a log stream, a watch): its clean end, its reset, and
// what it lets go of once it is closed by either side.
import type { ServerResponse } from 'node:http';

export abstract class HeldResponse {
  protected done = false;

  constructor(readonly res: ServerResponse) {
    res.on('close', () => this.detach());
  }

  /** Clean end of the stream (the terminating chunk). */
  protected close(): void {
    if (this.done) return;
    this.detach();
    this.res.end();
  }

  /** Reset: the socket is destroyed mid-stream (the client sees a premature close). */
  cut(): void {
    this.detach();
    this.res.socket?.destroy();
    this.res.destroy();
  }

  /** Lets go of its timers, listeners and registry entry; called once. */
  protected abstract release(): void;

  private detach(): void {
    if (this.done) return;
    this.done = true;
    this.release();
  }
}
