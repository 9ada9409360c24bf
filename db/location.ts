// Where a store lives: a SQLite file path, or a PostgreSQL URL (postgres:// or postgresql://, libpq's syntax;
// what the URL leaves out comes from libpq's PG* environment: PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE,
// PGSSLMODE, PGSSLROOTCERT, PGSSLCERT, PGSSLKEY, PGAPPNAME, PGCONNECT_TIMEOUT; and ~/.pgpass through pg).
// A password is never part of what is shown: `display` is the URL without it, for messages and DEBUG output.
import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import { UserError } from '../src/errors.js';

export interface PgConnection {
  host?: string;
  port?: number;
  user?: string;
  /** Kept off `display`; never logged. */
  password?: string;
  database?: string;
  ssl?: false | ConnectionOptions;
  application_name?: string;
  options?: string;
  connectionTimeoutMillis: number;
}

export type StoreLocation =
  | { kind: 'sqlite'; path: string; display: string }
  | { kind: 'postgres'; display: string; connection: PgConnection };

const PG_SCHEMES = /^postgres(?:ql)?:\/\//i;
const KNOWN_PARAMS = new Set([
  'host', 'hostaddr', 'port', 'user', 'password', 'dbname', 'sslmode', 'sslrootcert', 'sslcert', 'sslkey',
  'application_name', 'options', 'connect_timeout',
]);
const SSL_MODES = new Set(['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full']);
const HINT = 'a URL like postgresql://USER@HOST:5432/DB?sslmode=verify-full (password from PGPASSWORD or ~/.pgpass)';

export function isPostgresUrl(value: string): boolean {
  return PG_SCHEMES.test(value);
}

/** The URL without its password (user info kept), for any message. */
export function redactUrl(value: string): string {
  if (!isPostgresUrl(value)) return value;
  const scheme = value.slice(0, value.indexOf('//') + 2);
  let rest = value.slice(scheme.length);
  const q = rest.indexOf('?');
  const at = rest.lastIndexOf('@', q === -1 ? rest.length : q);
  if (at !== -1) {
    const colon = rest.indexOf(':');
    if (colon !== -1 && colon < at) rest = rest.slice(0, colon) + rest.slice(at);
  }
  return scheme + rest.replace(/([?&])password=[^&]*/gi, '$1password=redacted');
}

/** Parses --db / $SNATSCOPE_DB. Throws a UserError naming the problem (never the password). */
export function parseLocation(value: string, env: NodeJS.ProcessEnv = process.env): StoreLocation {
  if (!isPostgresUrl(value)) return { kind: 'sqlite', path: value, display: value };
  const display = redactUrl(value);
  let url: URL;
  let noHost = false;
  try {
    url = new URL(value.replace(PG_SCHEMES, 'postgresql://'));
  } catch {
    // libpq allows user@ with no host (postgresql://alice@/db?host=/run/postgresql); WHATWG URLs do not.
    try {
      url = new URL(value.replace(PG_SCHEMES, 'postgresql://').replace('@/', '@no-host/'));
      noHost = true;
    } catch {
      throw new UserError(`--db ${display} is not a valid PostgreSQL URL`, HINT);
    }
  }
  const params = new Map<string, string>();
  for (const [k, v] of url.searchParams) {
    if (!KNOWN_PARAMS.has(k)) throw new UserError(`--db ${display}: unknown connection parameter ${k}`, `one of ${[...KNOWN_PARAMS].join(', ')}`);
    params.set(k, v);
  }
  const pick = (param: string, envName: string): string | undefined => params.get(param) ?? (env[envName] || undefined);
  const hostPart = url.hostname && !noHost ? decodeURIComponent(url.hostname).replace(/^\[(.*)\]$/, '$1') : undefined;
  const host = params.get('host') ?? params.get('hostaddr') ?? hostPart ?? (env.PGHOST || undefined);
  if (host?.includes(',')) throw new UserError(`--db ${display}: several hosts are not supported`, 'one host per URL');
  const portText = params.get('port') ?? (url.port || undefined) ?? (env.PGPORT || undefined);
  const port = portText === undefined ? undefined : Number(portText);
  if (port !== undefined && !(Number.isInteger(port) && port > 0 && port < 65536)) {
    throw new UserError(`--db ${display}: port ${portText} is not a port number`, HINT);
  }
  const user = params.get('user') ?? (url.username ? decodeURIComponent(url.username) : undefined) ?? (env.PGUSER || undefined);
  const password = params.get('password') ?? (url.password ? decodeURIComponent(url.password) : undefined) ?? (env.PGPASSWORD || undefined);
  const path = url.pathname.length > 1 ? decodeURIComponent(url.pathname.slice(1)) : undefined;
  const database = params.get('dbname') ?? path ?? (env.PGDATABASE || undefined);
  const timeoutText = pick('connect_timeout', 'PGCONNECT_TIMEOUT');
  const timeout = timeoutText === undefined ? 10 : Number(timeoutText);
  if (!(timeout >= 0)) throw new UserError(`--db ${display}: connect_timeout ${timeoutText} is not a number of seconds`, HINT);
  const connection: PgConnection = {
    host,
    port,
    user,
    password,
    database,
    ssl: tls(params, env, display, host),
    application_name: pick('application_name', 'PGAPPNAME') ?? 'snatscope',
    options: params.get('options'),
    connectionTimeoutMillis: timeout === 0 ? 0 : Math.max(2, timeout) * 1000,
  };
  Object.defineProperty(connection, 'password', { enumerable: false, value: password, writable: false });
  return { kind: 'postgres', display, connection };
}

/**
 * libpq's sslmode, as libpq means it: disable (and allow/prefer, which pg cannot fall back from, so they connect
 * without TLS, as libpq does against a server without it); require: encrypted, not verified (verified against
 * sslrootcert when one is given, as libpq does); verify-ca: the chain; verify-full: the chain and the host name.
 */
function tls(params: Map<string, string>, env: NodeJS.ProcessEnv, display: string, host: string | undefined): false | ConnectionOptions {
  const mode = params.get('sslmode') ?? (env.PGSSLMODE || undefined) ?? 'disable';
  if (!SSL_MODES.has(mode)) throw new UserError(`--db ${display}: sslmode ${mode} is not one of ${[...SSL_MODES].join(', ')}`, HINT);
  if (mode === 'disable' || mode === 'allow' || mode === 'prefer') return false;
  const read = (param: string, envName: string): string | undefined => {
    const file = params.get(param) ?? (env[envName] || undefined);
    if (file === undefined) return undefined;
    try {
      return readFileSync(file, 'utf8');
    } catch (err) {
      throw new UserError(`--db ${display}: cannot read ${param} ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, `a readable ${param} file`);
    }
  };
  const ca = read('sslrootcert', 'PGSSLROOTCERT');
  const cert = read('sslcert', 'PGSSLCERT');
  const key = read('sslkey', 'PGSSLKEY');
  const opts: ConnectionOptions = {};
  if (ca !== undefined) opts.ca = ca;
  if (cert !== undefined) opts.cert = cert;
  if (key !== undefined) Object.defineProperty(opts, 'key', { enumerable: false, value: key });
  if (mode === 'require' && ca === undefined) opts.rejectUnauthorized = false;
  else if (mode === 'require' || mode === 'verify-ca') {
    if (ca === undefined) throw new UserError(`--db ${display}: sslmode verify-ca needs sslrootcert`, 'sslrootcert=/path/to/ca.pem, or sslmode=verify-full');
    opts.checkServerIdentity = () => undefined;
  } else if (host !== undefined && !host.startsWith('/')) opts.servername = host;
  return opts;
}
