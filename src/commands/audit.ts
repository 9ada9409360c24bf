// `snatscope audit`: what happened in a window, after an incident: per-minute timeline by class, top remote
// addresses with their owner, SNAT sources, recovered clients, status codes, first/last seen per client,
// coverage gaps (so it never claims completeness it does not have) and findings in plain words.
import type { Command } from 'commander';
import { UserError } from '../errors.js';
import { buildAudit, parseClientFilter } from '../report/audit.js';
import { DEFAULT_LIMIT, renderAuditJson, renderAuditMarkdown, renderAuditTable } from '../report/audit-render.js';
import { windowOf } from '../report/run.js';
import { addDbOption, addOutputOption, openStore, outputFormat } from './common.js';

interface AuditFlags {
  db?: string;
  from?: string;
  until?: string;
  namespace?: string;
  pod?: string;
  node?: string;
  client?: string;
  format: 'table' | 'json' | 'markdown';
  limit?: string;
}

/** --limit N: a whole number >= 1. */
export function parseLimit(text: string | undefined): number {
  if (text === undefined) return DEFAULT_LIMIT;
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(n) || n < 1) {
    throw new UserError(`--limit "${text}" is not a whole number of rows`, '--limit 10 (rows per section; -o json keeps everything)');
  }
  return n;
}

export function registerAudit(program: Command): void {
  const cmd = program
    .command('audit')
    .description('what happened in a time window: who the clients were, where SNAT came from, and what the data does not cover');
  addDbOption(cmd);
  cmd
    .option('--from <time>', 'window start (RFC3339, "YYYY-MM-DD HH:MM" local, or a duration ago); required')
    .option('--until <time>', 'window end (same forms; default now)')
    .option('-n, --namespace <ns>', 'only this namespace')
    .option('--pod <name>', 'only this pod')
    .option('--node <name>', 'only pods on this node')
    .option('--client <ip|cidr>', 'only requests from this address or network (remote address or recovered client)')
    .option('--limit <n>', `rows per section in table and markdown (top N; default ${DEFAULT_LIMIT}); json keeps everything`);
  addOutputOption(cmd, ['table', 'json', 'markdown']);
  cmd
    .addHelpText(
      'after',
      `
Examples:
  npx snatscope audit --from "2026-11-27 02:10" --until "2026-11-27 02:40"
  npx snatscope audit --from 2h --client 203.0.113.0/24 -o markdown
  npx snatscope audit --from 24h --limit 25`,
    )
    .action((flags: AuditFlags & { output?: string }) => {
      process.stdout.write(runAudit({ ...flags, format: outputFormat(flags) as AuditFlags['format'] }));
    });
}

export function runAudit(flags: AuditFlags, now = Date.now()): string {
  if (!flags.from) throw new UserError('audit needs --from', 'snatscope audit --from "2026-11-27 02:10" --until "2026-11-27 02:40"');
  const w = windowOf({ from: flags.from, until: flags.until }, now);
  if (flags.client) parseClientFilter(flags.client);
  const limit = parseLimit(flags.limit);
  const store = openStore(flags.db, { readonly: true, mustExist: true });
  try {
    const a = buildAudit(store, {
      from: w.from!,
      until: w.until ?? now,
      namespace: flags.namespace,
      pod: flags.pod,
      node: flags.node,
      client: flags.client,
    });
    if (flags.format === 'json') return renderAuditJson(a);
    if (flags.format === 'markdown') return renderAuditMarkdown(a, limit);
    return renderAuditTable(a, limit);
  } finally {
    store.close();
  }
}
