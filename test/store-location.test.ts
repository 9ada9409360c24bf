// --db values: a path stays a SQLite file; a postgres:// or postgresql:// URL is parsed like libpq does (what it
// leaves out from the PG* environment), TLS from sslmode/sslrootcert, and the password never in what is shown.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseLocation, redactUrl, type PgConnection } from '../db/location.js';
import { UserError } from '../src/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'snatscope-loc-'));
const ca = join(dir, 'ca.pem');
writeFileSync(ca, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function pgOf(value: string, env: NodeJS.ProcessEnv = {}): PgConnection {
  const loc = parseLocation(value, env);
  if (loc.kind !== 'postgres') throw new Error('not postgres');
  return loc.connection;
}

describe('which store a --db value names', () => {
  it.each([
    ['./snatscope.db', 'sqlite'],
    ['/data/postgres.db', 'sqlite'],
    ['postgres://db/snat', 'postgres'],
    ['postgresql://u@db:5433/snat', 'postgres'],
    ['POSTGRESQL://db/snat', 'postgres'],
  ])('%s is %s', (value, kind) => {
    expect(parseLocation(value, {}).kind).toBe(kind);
  });
});

describe('PostgreSQL URLs', () => {
  it.each([
    ['postgresql://alice:s3cret@db.example:5433/snat', { host: 'db.example', port: 5433, user: 'alice', database: 'snat' }],
    ['postgresql://alice@/snat?host=/var/run/postgresql', { host: '/var/run/postgresql', user: 'alice', database: 'snat' }],
    ['postgresql://%2Fvar%2Frun%2Fpostgresql/snat', { host: '/var/run/postgresql', database: 'snat' }],
    ['postgresql://[2001:db8::5]:6000/snat', { host: '2001:db8::5', port: 6000 }],
    ['postgresql://db/snat?application_name=agent-1&connect_timeout=3', { application_name: 'agent-1', connectionTimeoutMillis: 3000 }],
  ])('%s', (url, expected) => {
    expect(pgOf(url)).toMatchObject(expected);
  });

  it('takes what the URL leaves out from the PG* environment', () => {
    const c = pgOf('postgresql://', { PGHOST: 'pg.internal', PGPORT: '6432', PGUSER: 'agent', PGDATABASE: 'snat', PGPASSWORD: 'pw' });
    expect(c).toMatchObject({ host: 'pg.internal', port: 6432, user: 'agent', database: 'snat' });
    expect(c.password).toBe('pw');
    expect(pgOf('postgresql://other/db', { PGHOST: 'pg.internal' }).host).toBe('other');
  });

  it.each([
    ['disable', false],
    ['prefer', false],
    ['require', { rejectUnauthorized: false }],
  ])('sslmode=%s', (mode, ssl) => {
    expect(pgOf(`postgresql://db/snat?sslmode=${mode}`).ssl).toEqual(ssl);
  });

  it('verifies the chain and host name with verify-full and sslrootcert, the chain only with verify-ca', () => {
    const full = pgOf(`postgresql://db.example/snat?sslmode=verify-full&sslrootcert=${ca}`).ssl as Record<string, unknown>;
    expect(full.ca).toContain('BEGIN CERTIFICATE');
    expect(full.servername).toBe('db.example');
    expect(full.rejectUnauthorized).toBeUndefined();
    const chain = pgOf(`postgresql://db/snat?sslmode=verify-ca&sslrootcert=${ca}`).ssl as Record<string, unknown>;
    expect(typeof chain.checkServerIdentity).toBe('function');
    expect(pgOf('postgresql://db/snat', { PGSSLMODE: 'require' }).ssl).toEqual({ rejectUnauthorized: false });
  });

  it.each([
    ['postgresql://u:pw@db/snat?sslmode=sometimes', /sslmode sometimes is not one of/],
    ['postgresql://u:pw@db/snat?sslmode=verify-ca', /verify-ca needs sslrootcert/],
    ['postgresql://u:pw@db/snat?sslmode=verify-full&sslrootcert=/nonexistent/ca.pem', /cannot read sslrootcert \/nonexistent\/ca.pem: ENOENT/],
    ['postgresql://u:pw@db/snat?port=99999', /port 99999 is not a port number/],
    ['postgresql://u:pw@db:99999/snat', /is not a valid PostgreSQL URL/],
    ['postgresql://u:pw@db/snat?pool=9', /unknown connection parameter pool/],
    ['postgresql://u:pw@a,b/snat', /several hosts are not supported/],
  ])('%s is a user error that does not show the password', (url, message) => {
    let err: unknown;
    try {
      parseLocation(url, {});
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toMatch(message);
    expect((err as Error).message).not.toContain('pw@');
    expect((err as UserError).hint).toBeTruthy();
  });

  it.each([
    ['postgresql://alice:s3cret@db:5432/snat', 'postgresql://alice@db:5432/snat'],
    ['postgres://alice:p%40ss@db/snat?sslmode=require', 'postgres://alice@db/snat?sslmode=require'],
    ['postgresql://db/snat?user=a&password=s3cret', 'postgresql://db/snat?user=a&password=redacted'],
    ['./file.db', './file.db'],
  ])('%s is shown as %s', (url, shown) => {
    expect(redactUrl(url)).toBe(shown);
    expect(parseLocation(url, {}).display).toBe(shown);
  });

  it('keeps the password out of JSON and inspection of the connection', () => {
    const c = pgOf('postgresql://alice:s3cret@db/snat');
    expect(c.password).toBe('s3cret');
    expect(JSON.stringify(c)).not.toContain('s3cret');
  });
});
