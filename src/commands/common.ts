// Options shared by several commands (database, format, classification), and how they become a Store,
// a Topology and a Classifier. Everything is validated before the first write.
import { Option, type Command } from 'commander';
import { UserError } from '../errors.js';
import { JSON_FIELDS, PRESET_NAMES, resolveFormat } from '../parse/index.js';
import { safeText } from '../text.js';

export const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

export function addDbOption(cmd: Command): Command {
  return cmd.addOption(
    new Option('--db <path|url>', 'SQLite file or PostgreSQL URL postgresql://USER@HOST/DB (default ./snatscope.db, or $SNATSCOPE_DB)'),
  );
}

/** Which pods a live run (watch, agent) reads: -n, -A, -l, -c. */
export function addPodOptions(cmd: Command): Command {
  return cmd
    .option('-n, --namespace <ns>', 'namespace (default: the context\'s, else default)')
    .option('-A, --all-namespaces', 'pods in every namespace')
    .option('-l, --selector <selector>', 'label selector, e.g. app=nginx')
    .option('-c, --container <name>', 'container name or regex (default: all containers)');
}

/** The cluster, as kubectl finds it. */
export function addKubeconfigOptions(cmd: Command): Command {
  return cmd
    .option('--context <name>', 'kubeconfig context')
    .option('--kubeconfig <path>', 'kubeconfig file (default: $KUBECONFIG, ~/.kube/config, in-cluster)');
}

/** A live run's view. */
export function addViewOption(cmd: Command): Command {
  return cmd.addOption(new Option('-o, --output <mode>', 'tui (default on a terminal), lines, json (NDJSON) or none').choices(['tui', 'lines', 'json', 'none']));
}

export function addMetricsOption(cmd: Command): Command {
  return cmd.option('--metrics <[host:]port>', 'serve Prometheus metrics on /metrics (and /healthz, /readyz)');
}

export function addFormatOption(cmd: Command): Command {
  return cmd
    .option('--format <format>', `nginx log format: auto, a preset (${PRESET_NAMES.join(', ')}) or a log_format string`, 'auto')
    .option(
      '--json-field <field=key>',
      `JSON logs: read FIELD from KEY, e.g. addr=peer (repeatable; fields: addr, ${JSON_FIELDS.join(', ')})`,
      collect,
      [],
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

/**
 * The output format flag of report and audit: `-o, --output` as everywhere (kubectl's), and for one release the old
 * `--format`, hidden, with a deprecation notice (on ingest and watch --format is the nginx log format).
 */
export function addOutputOption(cmd: Command, choices: readonly string[]): Command {
  return cmd
    .addOption(new Option('-o, --output <format>', `output format (default: table)`).choices([...choices]))
    .addOption(new Option('--format <format>', 'deprecated: -o/--output').choices([...choices]).hideHelp());
}

/** The chosen output format; an old --format is said to be deprecated, on stderr. */
export function outputFormat(flags: { output?: string; format?: string }, stderr: { write(s: string): unknown } = process.stderr): string {
  if (flags.format === undefined) return flags.output ?? 'table';
  if (flags.output !== undefined && flags.output !== flags.format) {
    throw new UserError(`-o ${safeText(flags.output)} and --format ${safeText(flags.format)} disagree`, `-o ${safeText(flags.output)} alone`);
  }
  stderr.write(`snatscope: --format for the output format is deprecated and goes in the next release; use -o ${safeText(flags.format)}\n`);
  return flags.format;
}
