// `snatscope prune --older-than 30d`: deletes request rows older than that, keeping their counts per second (and
// the per-minute rollups), so a long history stays small while a report over any window gives the same totals.
// --vacuum returns the space to the file system (rewrites the file; takes a while on a big database).
import type { Command } from 'commander';
import { parseDuration } from '../time.js';
import { addDbOption, addWaitOption, openWriter } from './common.js';
import { UserError } from '../errors.js';

interface PruneFlags {
  db?: string;
  olderThan?: string;
  vacuum?: boolean;
  wait?: boolean;
}

export function registerPrune(program: Command): void {
  const cmd = program.command('prune').description('delete old request rows but keep their counts per second (every report total stays)');
  addDbOption(cmd);
  addWaitOption(cmd);
  cmd
    .option('--older-than <duration>', 'delete request rows older than this (30d, 12h); required')
    .option('--vacuum', 'then VACUUM, so the file shrinks')
    .addHelpText('after', '\nExamples:\n  npx snatscope prune --older-than 30d\n  npx snatscope prune --older-than 7d --vacuum --db /data/snatscope.db')
    .action(async (flags: PruneFlags) => {
      process.stdout.write(await runPrune(flags));
    });
}

export async function runPrune(flags: PruneFlags, now = Date.now()): Promise<string> {
  if (!flags.olderThan) throw new UserError('prune needs --older-than', 'snatscope prune --older-than 30d');
  const age = parseDuration(flags.olderThan, '--older-than');
  const store = (await openWriter(flags.db, 'prune', { mustExist: true, wait: flags.wait, say: (m) => process.stderr.write(`snatscope: ${m}\n`) }))!;
  try {
    const r = store.prune(now - age, { vacuum: flags.vacuum });
    return `pruned: ${r.deleted} request rows before ${new Date(r.cutoff).toISOString()} (per-minute rollups kept)${r.vacuumed ? ', vacuumed' : ''}\n`;
  } finally {
    store.close();
  }
}
