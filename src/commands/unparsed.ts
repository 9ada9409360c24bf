// `snatscope unparsed [--db] [--source]`: the stored samples of unparsed lines per source and reason (escaped).
import type { Command } from 'commander';
import { runUnparsed } from '../ingest/unparsed.js';
import { addDbOption } from './common.js';

export function registerUnparsed(program: Command): void {
  const cmd = program.command('unparsed').description('show the stored samples of lines that were not parsed, per source and reason');
  addDbOption(cmd);
  cmd
    .option('--source <name>', 'only this source (its key, pod name, or part of its path)')
    .addHelpText('after', '\nExamples:\n  snatscope unparsed\n  snatscope unparsed --source nginx-7c5d8f9b4-a1b2c')
    .action((flags: { db?: string; source?: string }) => {
      process.stdout.write(runUnparsed(flags));
    });
}
