// The command line: parses flags (commander), runs one command, and turns errors into exit codes.
// A UserError is printed as one line with a hint; anything else is a bug and is printed with its stack.
// Commands that pull in heavy modules (Ink, the Kubernetes client) are loaded only when they run.
import { Command, CommanderError, Option } from 'commander';
import { UserError, formatUserError } from './errors.js';
import { safeText } from './text.js';
import { registerIngest } from './commands/ingest.js';
import { registerReport } from './commands/report.js';
import { normalizeArgv } from './commands/argv.js';
import { version } from './version.js';

/** Text that quotes user input (an unknown option, a stack), line by line through safeText. */
/**
 * A usage error from commander ("error: unknown option '--x'" and maybe "(Did you mean --y?)") as the one line every
 * other user error is: "snatscope: <problem> (try ...)", escaped.
 */
function usageLine(text: string, command: string | undefined): string {
  const lines = text.trim().split('\n').map((l) => safeText(l.trim())).filter(Boolean);
  const problem = (lines[0] ?? 'usage error').replace(/^error: /, '');
  const suggestion = /^\(Did you mean (.+)\?\)$/.exec(lines[1] ?? '');
  const hint = suggestion ? suggestion[1] : command ? `snatscope ${command} --help` : 'snatscope --help';
  return `snatscope: ${problem} (try ${hint})\n`;
}

/** The commands in the order help lists them (watch, the main job, first); `module` ones load only when they run. */
const COMMANDS = [
  { name: 'watch', args: '[targets...]', module: './commands/watch.js', register: 'registerWatch', description: 'follow the nginx logs of matching pods through the Kubernetes API, classify and store every request' },
  { name: 'demo', args: '', module: './commands/demo.js', register: 'registerDemo', description: 'run the SNAT experiment on a built-in simulated cluster (what npm start runs)' },
  { name: 'agent', args: '', module: './commands/agent.js', register: 'registerAgent', description: 'on one node (a DaemonSet): read the kubelet\'s log files of the node\'s pods, classify and store every request' },
  { name: 'ingest', args: '', register: registerIngest },
  { name: 'report', args: '', register: registerReport },
  { name: 'audit', args: '', module: './commands/audit.js', register: 'registerAudit', description: 'post-incident audit of a time window: timeline, top clients, SNAT sources, gaps, findings' },
  { name: 'prune', args: '', module: './commands/prune.js', register: 'registerPrune', description: 'delete old request rows, keeping the per-minute rollups' },
  { name: 'unparsed', args: '', module: './commands/unparsed.js', register: 'registerUnparsed', description: 'show the stored samples of lines that were not parsed' },
  { name: 'reclassify', args: '', module: './commands/reclassify.js', register: 'registerReclassify', description: "recompute the stored requests' classes and recovered clients with new --trust/--topology/... flags" },
] as const;

export async function buildProgram(argv: string[] = []): Promise<Command> {
  const program = new Command();
  program
    .name('snatscope')
    .description(
      'See, per pod and live, how much nginx traffic arrives SNAT\'d by kube-proxy (node addresses) and how much carries the real client address.',
    )
    .version(version())
    .showSuggestionAfterError()
    .exitOverride()
    .addHelpText('after', '\nStart with `npx snatscope demo` (a simulated cluster), then `npx snatscope watch deploy/NAME -n NAMESPACE`.\nEvery command: npx snatscope COMMAND --help');
  // Commands with heavy dependencies (the Kubernetes client, Ink) are imported only when they run; for every
  // other invocation they are registered as a stub with their description, so `--help` still lists them.
  const positional = argv.filter((a) => !a.startsWith('-'));
  const invoked = positional[0] === 'help' ? positional[1] : positional[0];
  const known = COMMANDS.some((c) => c.name === invoked) ? invoked : undefined;
  program.configureOutput({ outputError: (str, write) => write(usageLine(str, known)) });
  for (const c of COMMANDS) {
    if (!('module' in c)) c.register(program);
    else if (invoked === c.name) {
      const mod = (await import(c.module)) as Record<string, (p: Command) => void>;
      mod[c.register](program);
    } else {
      // A stub: its options are not known here, but help says it has some, like every other command.
      const stub = program.command(c.name).description(c.description).allowUnknownOption().helpOption(false)
        .addOption(new Option('--options').hideHelp());
      if (c.args) stub.argument(c.args);
    }
  }
  return program;
}

/** A bug's stack, followed by the stack of each error it was caused by (`new Error(msg, { cause })`). */
function bugText(err: unknown): string {
  let text = String((err as Error)?.stack ?? err);
  let cause = (err as Error)?.cause;
  for (let depth = 0; cause !== undefined && cause !== null && depth < 5; depth++) {
    text += `\ncaused by: ${String((cause as Error).stack ?? cause)}`;
    cause = (cause as Error).cause;
  }
  return text;
}

/** Runs the CLI; resolves to the process exit code. */
export async function main(rawArgv: string[]): Promise<number> {
  process.exitCode = 0;
  const argv = normalizeArgv(rawArgv);
  // `snatscope watch | head`: a reader that goes away ends the run quietly, as with any Unix tool.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });
  try {
    const program = await buildProgram(argv);
    await program.parseAsync(argv, { from: 'user' });
    return Number(process.exitCode ?? 0);
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end here too, with code 0; usage errors were already printed on one line.
      return err.exitCode === 0 ? 0 : 2;
    }
    if (err instanceof UserError) {
      process.stderr.write(formatUserError(err) + '\n');
      return err.exitCode;
    }
    process.stderr.write(
      `snatscope: internal error (this is a bug, please report it with the command you ran):\n${bugText(err).split('\n').map(safeText).join('\n')}\n`,
    );
    return 70;
  }
}
