// The TUI is part of the build: a TUI that fails to load is a bug (exit 70, the cause printed), never a silent
// switch to the lines view. Without a terminal and without --output, lines is a choice, not a fallback.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventEmitter } from 'node:events';
import { afterAll, describe, expect, it } from 'vitest';
import { writeKubeconfigFile } from '../src/emulator/kubeconfig.js';
import { UserError } from '../src/errors.js';
import { SIGNAL_EXIT, untilSignal } from '../src/shutdown.js';
import { chooseView } from '../src/watch/options.js';
import { loadTui } from '../src/watch/tui.js';
import { ROOT } from './helpers/cli.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('loading the TUI', () => {
  it('throws a bug with the cause when the TUI module cannot be loaded', async () => {
    const cause = new Error("Cannot find package 'ink' imported from ui/run.js");
    const err = await loadTui(() => Promise.reject(cause)).then(
      () => null,
      (e: unknown) => e as Error,
    );
    expect(err).toBeInstanceOf(Error);
    expect(err).not.toBeInstanceOf(UserError);
    expect(err!.message).toBe("the terminal UI (ui/run.js) failed to load: Cannot find package 'ink' imported from ui/run.js");
    expect(err!.cause).toBe(cause);
  });

  it('loads the real TUI with a fresh LiveStats', async () => {
    const live = await loadTui();
    expect(live.stats.snapshot().streams).toEqual({ connected: 0, connecting: 0, queued: 0, retrying: 0, ended: 0 });
  });

  it('a watch whose TUI is broken exits 70 and prints the cause, with no lines view instead', () => {
    // A copy of the built CLI whose ui/run.js throws at import, as in a broken install.
    const dir = mkdtempSync(join(tmpdir(), 'snatscope-tui-'));
    dirs.push(dir);
    for (const p of ['dist', 'bin', 'package.json']) cpSync(join(ROOT, p), join(dir, p), { recursive: true });
    symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
    writeFileSync(join(dir, 'dist/ui/run.js'), "throw new Error('ink could not start (simulated broken install)');\n");
    const kubeconfig = join(dir, 'kubeconfig');
    writeKubeconfigFile(kubeconfig, 'https://127.0.0.1:1'); // never reached: the TUI loads first
    const r = spawnSync(process.execPath, [join(dir, 'bin/snatscope.js'), 'watch', 'web', '--output', 'tui', '--kubeconfig', kubeconfig, '--db', join(dir, 'w.db')], {
      cwd: dir,
      env: { ...process.env, NO_COLOR: '1', KUBECONFIG: '', HOME: dir },
      encoding: 'utf8',
    });
    expect(r.status).toBe(70);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^snatscope: internal error \(this is a bug, please report it/);
    expect(r.stderr).toContain('the terminal UI (ui/run.js) failed to load: ink could not start (simulated broken install)');
    expect(r.stderr).toMatch(/caused by: Error: ink could not start \(simulated broken install\)/);
  }, 30_000);
});

describe('choosing the view', () => {
  it.each([
    [undefined, false, 'lines'],
    [undefined, true, 'tui'],
    ['lines', true, 'lines'],
    ['json', false, 'json'],
    ['tui', false, 'tui'],
  ] as const)('--output %s on a terminal %s: %s', (requested, tty, view) => {
    expect(chooseView(requested, tty)).toBe(view);
  });
});

describe('the shutdown helper', () => {
  function fakeProcess() {
    const p = new EventEmitter() as EventEmitter & { exitCode: number | null; exit(code: number): void };
    p.exitCode = null;
    p.exit = (code) => {
      p.exitCode = code;
    };
    return p;
  }

  it('aborts the run on the first signal, exits at once on the second, and removes its handlers after', async () => {
    const proc = fakeProcess();
    const res = await untilSignal(async (signal) => {
      proc.emit('SIGTERM', 'SIGTERM');
      expect(signal.aborted).toBe(true);
      expect(proc.exitCode).toBeNull();
      proc.emit('SIGINT', 'SIGINT');
      expect(proc.exitCode).toBe(130);
      return 'stopped';
    }, proc as unknown as NodeJS.Process);
    expect(res).toEqual({ result: 'stopped', received: 'SIGTERM' });
    expect(proc.listenerCount('SIGINT') + proc.listenerCount('SIGTERM')).toBe(0);
    expect(SIGNAL_EXIT).toEqual({ SIGINT: 130, SIGTERM: 143 });
  });

  it('says no signal arrived when the run ended by itself', async () => {
    const proc = fakeProcess();
    expect(await untilSignal(async (signal) => signal.aborted, proc as unknown as NodeJS.Process)).toEqual({ result: false, received: null });
  });
});
