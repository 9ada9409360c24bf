// `snatscope report`: per-pod (or per node/service/class) SNAT ratios and class counts from the store, for a
// window, as a terminal table, JSON (the README contract, extended), CSV, Markdown or one self-contained HTML file.
// `--fail-above` turns it into an alert (exit 3), `--every` into a scheduler writing timestamped reports; the work
// is src/report/run.ts.
import type { Command } from 'commander';
import { Option } from 'commander';
import { GROUP_BY } from '../report/model.js';
import { REPORT_FORMATS, runReportCommand, type ReportFlags } from '../report/run.js';
import { addDbOption, addOutputOption, outputFormat } from './common.js';

export function registerReport(program: Command): void {
  const cmd = program.command('report').description('per-pod SNAT ratio and client-address classes from the database');
  addDbOption(cmd);
  cmd
    .option('--since <duration>', 'only the last DURATION (90m, 24h, 7d)')
    .option('--from <time>', 'window start (RFC3339, "YYYY-MM-DD HH:MM" local, or a duration ago)')
    .option('--until <time>', 'window end (same forms)')
    .addOption(new Option('--by <what>', 'one row per pod, node, service or class').choices([...GROUP_BY]).default('pod'))
    .option('-n, --namespace <ns>', 'only this namespace')
    .option('--pod <name>', 'only this pod');
  addOutputOption(cmd, REPORT_FORMATS);
  cmd
    .option('--out <path>', 'write to this file instead of stdout (with --every: a directory)')
    .option('--fail-above <ratio>', 'exit 3 when a pod\'s SNAT ratio is above RATIO (0.2 or 20%), after writing the report')
    .option('--every <schedule>', "keep running and write a report into --out DIR every DURATION (1h) or on a cron expression ('0 6 * * *')")
    .addHelpText(
      'after',
      `
Examples:
  npx snatscope report
  npx snatscope report --since 24h -o json
  npx snatscope report --from "2026-11-27 02:10" --until "2026-11-27 02:40" --pod nginx-7c5d
  npx snatscope report --since 24h --by service -o html --out report.html
  npx snatscope report --since 1h -o markdown --fail-above 0.2
  npx snatscope report --since 1h --every 1h -o html --out reports/`,
    )
    .action(async (flags: ReportFlags & { output?: string }) => {
      process.exitCode = await runReportCommand({ ...flags, format: outputFormat(flags) });
    });
}
