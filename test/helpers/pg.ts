// A real PostgreSQL for tests: initdb in a temp folder, a server on a unix socket in that folder and on a loopback
// port, stopped and removed afterwards. PostgreSQL refuses to run as root: as root the server runs as the
// `postgres` user (Debian's package creates it; else `nobody`) through runuser, with the folder chowned to it.
// Binaries: the newest /usr/lib/postgresql/*/bin (Debian's layout), else initdb/pg_ctl on PATH.
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { freePort } from './net.js';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';

export interface PgServer {
  /** URL of the superuser over the unix socket (trust auth), for a given database. */
  url(db?: string): string;
  /** URL with a password over loopback TCP (scram-sha-256), as a remote user would connect. */
  tcpUrl(db?: string): string;
  readonly port: number;
  readonly socketDir: string;
  readonly password: string;
  /** A fresh empty database; returns its URL. */
  createDb(name: string): string;
  /** Runs SQL through psql as the superuser; returns stdout (tuples only, unaligned). */
  psql(db: string, sql: string): string;
  stop(mode?: 'fast' | 'immediate'): void;
  start(): void;
  /** Stops the server and removes the folder. */
  destroy(): void;
}

/** The folder holding initdb, pg_ctl and postgres, or null when PostgreSQL is not installed. */
export function findPgBin(): string | null {
  const base = '/usr/lib/postgresql';
  if (existsSync(base)) {
    const versions = readdirSync(base)
      .filter((v) => existsSync(join(base, v, 'bin', 'initdb')))
      .sort((a, b) => Number(b) - Number(a));
    if (versions.length) return join(base, versions[0], 'bin');
  }
  const which = spawnSync('sh', ['-c', 'command -v initdb'], { encoding: 'utf8' });
  const p = which.stdout.trim();
  return which.status === 0 && p ? join(p, '..') : null;
}

/** What is missing to run a test PostgreSQL here (empty when nothing). */
export function pgMissing(): string[] {
  const bin = findPgBin();
  if (bin === null) return ['PostgreSQL server binaries (Debian package postgresql: /usr/lib/postgresql/*/bin)'];
  if (!existsSync(join(bin, 'pg_ctl')) || !existsSync(join(bin, 'psql')) && !existsSync('/usr/bin/psql')) return [`pg_ctl and psql in ${bin}`];
  if (process.getuid?.() === 0 && runAsUser() === null) return ['an unprivileged user to run postgres as (postgres or nobody)'];
  return [];
}

function runAsUser(): { name: string; uid: number; gid: number } | null {
  for (const name of ['postgres', 'nobody']) {
    const r = spawnSync('id', ['-u', name], { encoding: 'utf8' });
    const g = spawnSync('id', ['-g', name], { encoding: 'utf8' });
    if (r.status === 0 && g.status === 0) return { name, uid: Number(r.stdout.trim()), gid: Number(g.stdout.trim()) };
  }
  return null;
}


/** Starts a fresh server. Throws when the binaries are missing (gate tests with pgMissing() first). */
export async function startPg(): Promise<PgServer> {
  const bin = findPgBin();
  if (bin === null) throw new Error('PostgreSQL binaries not found');
  const asRoot = process.getuid?.() === 0;
  const user = asRoot ? runAsUser() : null;
  const dir = mkdtempSync(join(tmpdir(), 'snatscope-pg-'));
  const data = join(dir, 'data');
  const password = 'pw-' + Math.random().toString(36).slice(2, 12);
  const superuser = asRoot ? 'postgres' : userInfo().username;
  writeFileSync(join(dir, 'pwfile'), password + '\n');
  if (user) {
    chownSync(dir, user.uid, user.gid);
    chownSync(join(dir, 'pwfile'), user.uid, user.gid);
  }
  chmodSync(dir, 0o755);
  const run = (cmd: string, args: string[]) => {
    const [file, argv] = user ? ['runuser', ['-u', user.name, '--', join(bin, cmd), ...args]] : [join(bin, cmd), args];
    return execFileSync(file, argv, { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  };
  run('initdb', ['-D', data, '-U', superuser, '-E', 'UTF8', '--locale=C.UTF-8', '--auth-local=trust', '--auth-host=scram-sha-256', '--pwfile', join(dir, 'pwfile'), '-N']);
  const port = await freePort();
  const opts = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=50 -c shared_buffers=64MB`;
  const start = () => run('pg_ctl', ['-D', data, '-l', join(dir, 'server.log'), '-o', opts, '-w', '-t', '60', 'start']);
  const stop = (mode: 'fast' | 'immediate' = 'fast') => {
    try {
      run('pg_ctl', ['-D', data, '-m', mode, '-w', 'stop']);
    } catch {
      /* not running */
    }
  };
  start();
  const psqlBin = existsSync(join(bin, 'psql')) ? join(bin, 'psql') : '/usr/bin/psql';
  const url = (db = 'postgres') => `postgresql://${encodeURIComponent(superuser)}@localhost:${port}/${db}?host=${encodeURIComponent(dir)}`;
  const psql = (db: string, sql: string) =>
    execFileSync(psqlBin, ['-X', '-q', '-t', '-A', '-v', 'ON_ERROR_STOP=1', '-h', dir, '-p', String(port), '-U', superuser, '-d', db, '-c', sql], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  return {
    port,
    socketDir: dir,
    password,
    url,
    tcpUrl: (db = 'postgres') => `postgresql://${encodeURIComponent(superuser)}:${encodeURIComponent(password)}@127.0.0.1:${port}/${db}`,
    createDb(name) {
      psql('postgres', `CREATE DATABASE "${name.replace(/"/g, '')}"`);
      return url(name);
    },
    psql,
    stop,
    start: () => void start(),
    destroy() {
      stop('immediate');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The server's log (for a failing test's message). */
export function pgLog(server: PgServer): string {
  try {
    return readFileSync(join(server.socketDir, 'server.log'), 'utf8');
  } catch {
    return '';
  }
}
