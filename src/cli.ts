// The command line: parses flags (commander), runs one command, and turns errors into exit codes.
// A UserError is printed as one line with a hint; anything else is a bug and is printed with its stack.
// Commands that pull in heavy modules (Ink, the Kubernetes client) are loaded only when they run.
import { Command, CommanderError } from 'commander';
import { readFileSync } from 'node:fs';
import { UserError, formatUserError } from './errors.js';
import { registerIngest } from './commands/ingest.js';
import { registerReport } from './commands/report.js';

function version(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    return pkg.version;
  } catch {
    return '0.0.0';
  }
}

export async function buildProgram(): Promise<Command> {
  const program = new Command();
  program
    .name('snatscope')
    .description(
      'See, per pod and live, how much nginx traffic arrives SNAT\'d by kube-proxy (node addresses) and how much carries the real client address.',
    )
    .version(version())
    .showSuggestionAfterError()
    .exitOverride()
    .configureOutput({ outputError: (str, write) => write(str) });
  registerIngest(program);
  registerReport(program);
  const optional: Array<[string, string]> = [
    ['./commands/watch.js', 'registerWatch'],
    ['./commands/demo.js', 'registerDemo'],
    ['./commands/audit.js', 'registerAudit'],
    ['./commands/prune.js', 'registerPrune'],
  ];
  for (const [path, fn] of optional) {
    let mod: Record<string, unknown>;
    try {
      mod = (await import(path)) as Record<string, unknown>;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND' && String((err as Error).message).includes(path.slice(2, -3))) continue;
      throw err;
    }
    (mod[fn] as (p: Command) => void)(program);
  }
  return program;
}

/** Runs the CLI; resolves to the process exit code. */
export async function main(argv: string[]): Promise<number> {
  process.exitCode = 0;
  try {
    const program = await buildProgram();
    await program.parseAsync(argv, { from: 'user' });
    return Number(process.exitCode ?? 0);
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end here too, with code 0; usage errors were already printed on one line.
      if (err.exitCode !== 0 && !err.message.includes('(outputHelp)')) {
        process.stderr.write(`  (try snatscope --help, or snatscope COMMAND --help)\n`);
      }
      return err.exitCode === 0 ? 0 : 2;
    }
    if (err instanceof UserError) {
      process.stderr.write(formatUserError(err) + '\n');
      return err.exitCode;
    }
    const e = err as Error;
    process.stderr.write(
      `snatscope: internal error (this is a bug, please report it with the command you ran):\n${e?.stack ?? String(err)}\n`,
    );
    return 70;
  }
}
