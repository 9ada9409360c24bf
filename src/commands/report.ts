// `snatscope report`: per-pod SNAT ratios and class counts from the store, for a window.
import type { Command } from 'commander';
import { Option } from 'commander';
import { report } from '../../db/index.js';
import { UserError } from '../errors.js';
import { parseTime } from '../time.js';
import { renderReportTable } from '../report/table.js';
import { addDbOption, openStore } from './common.js';

interface ReportFlags {
  db?: string;
  since?: string;
  from?: string;
  until?: string;
  namespace?: string;
  pod?: string;
  format: string;
}

export function registerReport(program: Command): void {
  const cmd = program.command('report').description('per-pod SNAT ratio and client-address classes from the database');
  addDbOption(cmd);
  cmd
    .option('--since <duration>', 'only the last DURATION (90m, 24h, 7d)')
    .option('--from <time>', 'window start (RFC3339, "YYYY-MM-DD HH:MM" local, or a duration ago)')
    .option('--until <time>', 'window end (same forms)')
    .option('--namespace <ns>', 'only this namespace')
    .option('--pod <name>', 'only this pod')
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json']).default('table'))
    .addHelpText(
      'after',
      `
Examples:
  snatscope report
  snatscope report --since 24h --format json
  snatscope report --from "2026-11-27 02:10" --until "2026-11-27 02:40" --pod nginx-7c5d`,
    )
    .action((flags: ReportFlags) => {
      process.stdout.write(runReport(flags));
    });
}

export function windowOf(flags: { since?: string; from?: string; until?: string }, now = Date.now()): { from?: number; until?: number } {
  if (flags.since && flags.from) throw new UserError('--since and --from both give the window start', 'only one of them');
  const from = flags.since ? parseTime(flags.since, '--since', now) : flags.from ? parseTime(flags.from, '--from', now) : undefined;
  const until = flags.until ? parseTime(flags.until, '--until', now) : undefined;
  if (from !== undefined && until !== undefined && until <= from) {
    throw new UserError('--until is not after the window start', 'an --until later than --from/--since');
  }
  return { from, until };
}

export function runReport(flags: ReportFlags): string {
  const window = windowOf(flags);
  const store = openStore(flags.db, { readonly: true, mustExist: true });
  try {
    const r = report(store.db, { ...window, namespace: flags.namespace, pod: flags.pod });
    return flags.format === 'json' ? JSON.stringify(r, null, 2) + '\n' : renderReportTable(r);
  } finally {
    store.close();
  }
}
