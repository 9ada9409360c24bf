// Options shared by several commands (database, format, classification), and how they become a Store,
// a Topology and a Classifier. Everything is validated before the first write.
import { Option, type Command } from 'commander';
import { resolveFormat } from '../parse/index.js';

export const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

export function addDbOption(cmd: Command): Command {
  return cmd.addOption(
    new Option('--db <path|url>', 'SQLite file or PostgreSQL URL postgresql://USER@HOST/DB (default ./snatscope.db, or $SNATSCOPE_DB)'),
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
    .option('--trust <cidr>', 'trusted proxy: recover the client from X-Forwarded-For like nginx realip (repeatable; nodes = every node address)', collect, [])
    .option('--internal-cidr <cidr>', 'an internal network counted as private (repeatable)', collect, []);
}

export { buildClassifier, type ClassifyFlags } from '../classify/flags.js';

/** Validates a --format value early (UserError for an unknown name or a malformed log_format). */
export function checkFormat(format: string): void {
  resolveFormat(format);
}

export { defaultDbPath, openStore, openWriter } from '../../db/cli-open.js';

export function addWaitOption(cmd: Command): Command {
  return cmd.option('--wait', 'when another snatscope is writing the database, wait for it to finish instead of exiting (6)');
}
