// A reclassify run: the stored rows' class, owner and recovered client recomputed from their stored remote address,
// X-Forwarded-For and user agent with the flags given (--trust, --topology, ...), the rollups moved with them, in
// bounded transactions (db/reclassify.ts) with progress on stderr. Without --topology the newest stored topology
// snapshot is used. Interrupted (Ctrl-C, kill -9), every committed chunk is consistent; a re-run finishes the job.
import { openWriter } from '../../db/cli-open.js';
import { latestTopology, prunedBefore } from '../../db/stored.js';
import { CLASSES } from '../classes.js';
import { buildClassifier, flagsRecord, type ClassifyFlags } from '../classify/flags.js';
import { Topology, type TopologySnapshot } from '../classify/index.js';
import { UserError } from '../errors.js';
import { parseTime } from '../time.js';

export interface ReclassifyFlags extends ClassifyFlags {
  db?: string;
  from?: string;
  until?: string;
  quiet?: boolean;
  chunk?: string;
  /** Wait for another writer of the database instead of exiting 6. */
  wait?: boolean;
}

export async function runReclassify(flags: ReclassifyFlags, now = Date.now()): Promise<{ stdout: string; code: number }> {
  const from = flags.from === undefined ? undefined : parseTime(flags.from, '--from', now);
  const until = flags.until === undefined ? undefined : parseTime(flags.until, '--until', now);
  if (from !== undefined && until !== undefined && until <= from) {
    throw new UserError('--until is not after --from', 'an --until later than --from, or leave one out');
  }
  const store = (await openWriter(flags.db, 'reclassify', { mustExist: true, wait: flags.wait, say: (m) => process.stderr.write(`snatscope: ${m}\n`) }))!;
  const err = process.stderr;
  try {
    let base = new Topology();
    let source = 'no topology';
    if (flags.topology?.length) {
      source = `topology from ${flags.topology.length} file${flags.topology.length === 1 ? '' : 's'}`;
    } else {
      const snap = latestTopology(store) as TopologySnapshot | null;
      if (snap !== null) {
        base = Topology.fromSnapshot(snap);
        source = `the stored topology (${base.nodes.size} nodes, ${base.pods.size} pods)`;
      }
    }
    const { topology, classifier } = buildClassifier(flags, base);
    if (topology.nodes.size === 0 && topology.nodeIps.size === 0 && topology.podCidrs.size === 0) {
      throw new UserError(
        'reclassify has no topology: no --topology, --node-ip or --pod-cidr, and the database stores none',
        'snatscope reclassify --topology topology.json (kubectl get nodes,pods,services -A -o json)',
      );
    }
    if (!flags.quiet) err.write(`snatscope reclassify: ${store.path}, with ${source}${flags.trust.length ? `, --trust ${flags.trust.join(' ')}` : ''}\n`);
    const tty = err.isTTY === true && !flags.quiet;
    let lastPct = -1;
    const r = store.reclassify((addr, xff, ua) => classifier.request(addr, xff, ua), {
      from,
      until,
      chunk: flags.chunk === undefined ? undefined : Math.max(1, Number(flags.chunk) || 1),
      progress: (read, changed, total) => {
        const pct = total === 0 ? 100 : Math.floor((read / total) * 100);
        if (flags.quiet || pct === lastPct) return;
        lastPct = pct;
        const text = `reclassify: ${read}/${total} rows (${pct}%), ${changed} changed`;
        err.write(tty ? `\r${text}\x1b[K` : `${text}\n`);
      },
    });
    if (tty) err.write('\r\x1b[K');
    // A whole-database run makes every stored row agree with these flags: ingest compares against them.
    if (from === undefined && until === undefined) {
      const record = JSON.parse(flagsRecord(flags)) as { topology: string | null };
      // Without --topology the stored topology was used: the one the stored record names.
      if (!flags.topology?.length) record.topology = (JSON.parse(store.classifyFlags() ?? '{}') as { topology?: string | null }).topology ?? null;
      store.setClassifyFlags(JSON.stringify(record));
    }
    const moves = CLASSES.filter((c) => (r.before[c] ?? 0) !== (r.after[c] ?? 0)).map((c) => `${c} ${r.before[c] ?? 0} -> ${r.after[c] ?? 0}`);
    const lines = [`reclassified: ${r.rows} rows, ${r.changed} changed${moves.length ? ` (${moves.join(', ')})` : ''}; rollups updated`];
    const pruned = prunedBefore(store);
    if (pruned !== null) {
      lines.push(`note: rows before ${new Date(pruned).toISOString()} were pruned; their minute rollups keep the classes they were stored with`);
    }
    return { stdout: lines.join('\n') + '\n', code: 0 };
  } finally {
    store.close();
  }
}
