// An ingest run: saved logs (plain or gzip) or stdin through the same pipeline as live streams. Validates every flag
// and input before the first write; prints which format each source was read as, progress on a TTY, and a one-line
// summary. SIGINT/SIGTERM stop at a chunk boundary, commit what was read and exit 130/143. Files of 16 MB or more are
// parsed and classified in a worker thread while this thread writes SQLite (same result; hidden `--threads 1|2`
// forces one path).
import { openWriter } from '../../db/cli-open.js';
import { buildClassifier } from '../classify/flags.js';
import { UserError } from '../errors.js';
import { resolveFormat } from '../parse/index.js';
import { Pipeline } from '../pipeline.js';
import { formatRatio } from '../report/table.js';
import { SIGNAL_EXIT, untilSignal, type StopSignal } from '../shutdown.js';
import { checkInput, ingestInput } from '../sources/file.js';
import { safeText } from '../text.js';
import { isStoreFailure, storeFailure } from '../../db/errors.js';

export interface IngestFlags {
  db?: string;
  /** Wait for another writer of the database instead of exiting 6. */
  wait?: boolean;
  format: string;
  topology: string[];
  nodeIp: string[];
  podCidr: string[];
  internalCidr: string[];
  trust: string[];
  pod?: string;
  namespace?: string;
  quiet?: boolean;
  threads?: string;
}

export async function runIngest(files: string[], flags: IngestFlags): Promise<number> {
  if (files.length === 0) {
    if (process.stdin.isTTY) {
      throw new UserError('no log files given and stdin is a terminal', 'snatscope ingest access.log, or pipe logs in: kubectl logs POD | snatscope ingest -');
    }
    files = ['-'];
  }
  // Everything that can be wrong with the command line fails here, before the database is touched.
  resolveFormat(flags.format); // a UserError for an unknown preset or a malformed log_format
  for (const f of files) checkInput(f);
  const { topology, classifier } = buildClassifier(flags);
  const store = (await openWriter(flags.db, 'ingest', { wait: flags.wait, say: (m) => process.stderr.write(`snatscope: ${m}\n`) }))!;
  if (!flags.quiet && topology.nodes.size === 0 && flags.nodeIp.length === 0 && flags.podCidr.length === 0) {
    // Without nodes nothing can be classed `node`: say so rather than report a SNAT ratio of 0% as if it were measured.
    process.stderr.write(
      'snatscope: note: no nodes known, so SNAT\'d requests cannot be recognised (try --topology with the output of ' +
        'kubectl get nodes,pods -A -o json, or --node-ip)\n',
    );
  }
  const err = process.stderr;
  const tty = err.isTTY === true && !flags.quiet;
  const pipeline = new Pipeline({
    store,
    classifier,
    topology,
    format: flags.format,
    onDetect: (feed, description) => {
      // On a terminal the progress line is cleared first, so the note gets a line of its own.
      if (!flags.quiet) err.write(`${tty ? '\r\x1b[K' : ''}${safeText(feed.meta.path ?? 'stdin')}: ${description}\n`);
    },
  });
  if (topology.nodes.size || topology.pods.size) store.topology(topology.snapshot());

  let skippedTotal = 0;
  let failed: unknown = null;
  let stopped: StopSignal | null = null;
  try {
    ({ received: stopped } = await untilSignal(async (signal) => {
      for (const path of files) {
        let last = 0;
        const started = Date.now();
        const res = await ingestInput(pipeline, { path, pod: flags.pod, namespace: flags.namespace }, {
          shouldStop: () => signal.aborted,
          parallel: { classify: flags, threads: flags.threads === undefined ? undefined : Number(flags.threads) },
          progress: tty
            ? (bytes) => {
                const now = Date.now();
                if (now - last < 250) return;
                last = now;
                const mb = bytes / 1e6;
                err.write(`\r${safeText(path)}: ${mb.toFixed(1)} MB, ${pipeline.stats.lines} lines, ${(mb / ((now - started) / 1000)).toFixed(1)} MB/s `);
              }
            : undefined,
        });
        if (tty && last) err.write('\r\x1b[K');
        skippedTotal += res.skipped;
        if (res.skipped > 0 && !flags.quiet) {
          err.write(`${safeText(path)}: skipped ${res.skipped} lines already stored\n`);
        }
        pipeline.flush();
        if (res.interrupted) break;
      }
    }));
  } catch (err) {
    failed = err;
    throw isStoreFailure(err) ? storeFailure(err, store.path) : err;
  } finally {
    if (isStoreFailure(failed)) {
      store.abandon(); // nothing of the failed batch (rows or position) is stored

    } else {
      try {
        await pipeline.close();
        store.close(); // PostgreSQL: waits for the commits still in flight, and throws one that failed
      } catch (err) {
        if (failed === null && isStoreFailure(err)) throw storeFailure(err, store.path);
        if (failed === null) throw err;
      }
    }
  }
  const s = pipeline.stats;
  const summary = summaryLine(s.lines, s.requests, s.unparsed, skippedTotal, pipeline);
  process.stdout.write(summary + '\n');
  if (stopped) return SIGNAL_EXIT[stopped];
  return 0;
}

function summaryLine(lines: number, requests: number, unparsed: number, skipped: number, pipeline: Pipeline): string {
  const nodeShare = requests ? pipeline.stats.classes.node / requests : 0;
  const parts = [`${lines} lines`, `${requests} requests`, `${unparsed} unparsed`];
  if (skipped) parts.push(`${skipped} already stored`);
  parts.push(`SNAT ratio ${formatRatio(nodeShare)}`);
  return `ingested: ${parts.join(', ')}`;
}
