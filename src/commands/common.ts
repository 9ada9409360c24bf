// Options shared by several commands (database, format, classification), and how they become a Store,
// a Topology and a Classifier. Everything is validated before the first write.
import { Option, type Command } from 'commander';
import { existsSync } from 'node:fs';
import { resolveFormat } from '../parse/index.js';
import { Store } from '../../db/index.js';
import { UserError } from '../errors.js';

export const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

export function defaultDbPath(): string {
  return process.env.SNATSCOPE_DB || './snatscope.db';
}

export function addDbOption(cmd: Command): Command {
  return cmd.addOption(
    new Option('--db <path>', 'SQLite database (default ./snatscope.db, or $SNATSCOPE_DB)'),
  );
}

export function addFormatOption(cmd: Command): Command {
  return cmd.option(
    '--format <format>',
    "nginx log format: auto, a preset (combined, main, upstreaminfo, upstreaminfo-realip, json) or a log_format string",
    'auto',
  );
}

export function addClassifyOptions(cmd: Command): Command {
  return cmd
    .option('--trust <cidr>', 'trusted proxy: recover the client from X-Forwarded-For like nginx realip (repeatable)', collect, [])
    .option('--internal-cidr <cidr>', 'an internal network counted as private (repeatable)', collect, []);
}

export { buildClassifier, type ClassifyFlags } from '../classify/flags.js';

/** Validates a --format value early (UserError for an unknown name or a malformed log_format). */
export function checkFormat(format: string): void {
  resolveFormat(format);
}

export function openStore(path: string | undefined, opts: { readonly?: boolean; mustExist?: boolean } = {}): Store {
  const p = path ?? defaultDbPath();
  if (opts.mustExist && !existsSync(p)) {
    throw new UserError(`database ${p} does not exist`, `snatscope ingest FILE --db ${p} first, or --db PATH of an existing database`);
  }
  try {
    return Store.open(p, { readonly: opts.readonly });
  } catch (err) {
    // A WAL database read on a read-only file system: SQLite cannot create its -shm file next to it.
    if (opts.readonly && (err as { code?: unknown }).code === 'SQLITE_CANTOPEN') {
      throw new UserError(`cannot read database ${p}: its directory is read-only and SQLite needs to create ${p}-shm there`, 'copying it to a writable directory, then --db PATH of the copy');
    }
    throw err;
  }
}
