// Drives a program in a real terminal: a detached tmux session (on a private tmux socket, so a user's own tmux
// server is never touched) of a fixed size, keys sent with send-keys, the screen read with capture-pane. Async
// only, so an emulator living in the test process keeps serving while the program runs.
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';

/** Whether a tmux binary runs here. */
export function hasTmux(): boolean {
  const r = spawnSync('tmux', ['-V'], { encoding: 'utf8' });
  return r.status === 0 && /^tmux /.test(r.stdout);
}

/** `s` as one POSIX shell word. */
export function shellQuote(s: string): string {
  return /^[A-Za-z0-9_./=:@%+,-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

function tmux(socket: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('tmux', ['-L', socket, ...args], { encoding: 'utf8', timeout: 10_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`tmux ${args[0]}: ${stderr.trim() || err.message}`));
      else resolve(stdout);
    });
  });
}

export interface TmuxStartOptions {
  /** Unique per test run: names both the tmux socket and the session. */
  name: string;
  argv: string[];
  env: Record<string, string>;
  cwd: string;
  /** The program's exit code is written here when it ends (the pane then stays, showing the last screen). */
  exitFile: string;
  width?: number;
  height?: number;
}

export class TmuxSession {
  private constructor(
    readonly name: string,
    private readonly exitFile: string,
    private readonly socketPath: string,
  ) {}

  /** Starts `argv` with exactly `env` (plus PATH) in a new width x height terminal. */
  static async start(o: TmuxStartOptions): Promise<TmuxSession> {
    const envWords = Object.entries({ PATH: process.env.PATH ?? '/usr/bin:/bin', ...o.env }).map(([k, v]) => shellQuote(`${k}=${v}`));
    const cmd =
      `cd ${shellQuote(o.cwd)} && env -i ${envWords.join(' ')} ${o.argv.map(shellQuote).join(' ')}; ` +
      `code=$?; echo $code > ${shellQuote(o.exitFile)}; echo "[exited $code]"; sleep 600`;
    await tmux(o.name, ['-f', '/dev/null', 'new-session', '-d', '-s', o.name, '-x', String(o.width ?? 100), '-y', String(o.height ?? 30), cmd]);
    const socketPath = (await tmux(o.name, ['display-message', '-p', '-t', o.name, '#{socket_path}']).catch(() => '')).trim();
    return new TmuxSession(o.name, o.exitFile, socketPath);
  }

  /** The visible screen as plain text (no styling), one line per row. */
  capture(): Promise<string> {
    return tmux(this.name, ['capture-pane', '-p', '-t', this.name]);
  }

  /** Keys as tmux names them: 'q', 'Enter', 'C-c', ... (each a separate key press). */
  async sendKeys(...keys: string[]): Promise<void> {
    for (const k of keys) await tmux(this.name, ['send-keys', '-t', this.name, k]);
  }

  /** Resizes the terminal (the program gets SIGWINCH, as when a user drags the window). */
  async resize(width: number, height: number): Promise<void> {
    await tmux(this.name, ['resize-window', '-t', this.name, '-x', String(width), '-y', String(height)]);
  }

  /** Polls the screen until `test` accepts it (bounded); the screen it accepted. */
  async waitForScreen(test: (screen: string) => boolean, what: string, timeoutMs = 20_000): Promise<string> {
    const end = Date.now() + timeoutMs;
    let screen = '';
    for (;;) {
      screen = await this.capture();
      if (test(screen)) return screen;
      if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; the screen:\n${screen}`);
      await new Promise((r) => setTimeout(r, 150));
    }
  }

  /** The program's exit code once it has ended (bounded wait). */
  async exitCode(timeoutMs = 20_000): Promise<number> {
    const end = Date.now() + timeoutMs;
    while (!existsSync(this.exitFile) || readFileSync(this.exitFile, 'utf8').trim() === '') {
      if (Date.now() > end) throw new Error(`the program in tmux session ${this.name} did not exit within ${timeoutMs} ms; the screen:\n${await this.capture()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    return Number(readFileSync(this.exitFile, 'utf8').trim());
  }

  /** Ends the session and its private tmux server, and removes the server's socket (idempotent). */
  async kill(): Promise<void> {
    await tmux(this.name, ['kill-server']).catch(() => {});
    if (this.socketPath.includes(this.name)) rmSync(this.socketPath, { force: true });
  }
}

/** A unique session name for this process. */
export function sessionName(tag: string): string {
  return `snatscope-${tag}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
}
