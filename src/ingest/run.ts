// An ingest run: saved logs (plain or gzip) or stdin through the same pipeline as live streams. Validates every flag
// and input before the first write; prints which format each source was read as, progress on a TTY, and a one-line
// summary. SIGINT/SIGTERM stop at a chunk boundary, commit what was read and exit 130/143. Files of 16 MB or more are
// parsed and classified in a worker thread while this thread writes SQLite (same result; hidden `--threads 1|2`
// forces one path).
import { openWriter } from '../../db/cli-open.js';
import { buildClassifier, flagsDiffer, flagsRecord } from '../classify/flags.js';
import { UserError } from '../errors.js';
import { checkFormatFlags } from '../parse/index.js';
import { Pipeline } from '../pipeline.js';
import { formatRatio } from '../report/table.js';
import { snatRatioOf } from '../classes.js';
import { storedUnparsedNotes } from './unparsed.js';
import { hasRequests, lastRequestId, untrustedProxies } from '../../db/ingest-queries.js';
import { trustHint, type UntrustedProxy } from '../classify/trust-hint.js';
import { SIGNAL_EXIT, untilSignal, type StopSignal } from '../shutdown.js';
import { checkInput, ingestInput } from '../sources/file.js';
import { safeText } from '../text.js';
import { inputSize, progressText } from './progress.js';
import { isStoreFailure, storeFailure } from '../../db/errors.js';

/** Exit code of an ingest in which a source had lines but no request (README, exit codes). */
export const NO_REQUESTS_EXIT = 4;

export interface IngestFlags {
  db?: string;
  /** Wait for another writer of the database instead of exiting 6. */
  wait?: boolean;
  format: string;
  jsonField?: string[];
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
  if (files.length === 0) files = ['-'];
  if (files.includes('-') && process.stdin.isTTY) {
    // Nothing piped in: lines typed (or pasted) are read; say so, or the command looks hung.
    process.stderr.write('snatscope: reading nginx log lines from stdin (the terminal); end with Ctrl-D, stop with Ctrl-C ' +
      '(or give files: npx snatscope ingest access.log, or pipe: kubectl logs POD | npx snatscope ingest -)\n');
  }
  // Everything that can be wrong with the command line fails here, before the database is touched.
  // A UserError for an unknown preset, a malformed log_format or --json-field.
  const jsonFields = checkFormatFlags(flags.format, flags.jsonField);
  for (const f of files) checkInput(f);
  const { topology, classifier } = buildClassifier(flags);
  const store = (await openWriter(flags.db, 'ingest', { wait: flags.wait, say: (m) => process.stderr.write(`snatscope: ${m}\n`) }))!;
  const flagsNow = flagsRecord(flags);
  const flagsStored = store.classifyFlags();
  const hadRows = hasRequests(store.sql);
  const firstNewId = lastRequestId(store.sql);
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
    jsonFields,
    onDetect: (feed, description) => {
      // On a terminal the progress line is cleared first, so the note gets a line of its own.
      if (!flags.quiet) err.write(`${tty ? '\r\x1b[K' : ''}${safeText(feed.meta.path ?? 'stdin')}: ${description}\n`);
    },
  });
  // A pipe may be a live log (`kubectl logs -f ... | snatscope ingest -`): its rows become visible to reports within
  // a quarter second, as watch's do, not only when a batch fills up.
  if (files.includes('-')) pipeline.autoFlush(250);
  if (topology.nodes.size || topology.pods.size || topology.nodeIps.size || topology.podCidrs.size) store.topology(topology.snapshot());
  // The flags the stored rows were classified with: recorded for a database without rows (or without a record),
  // so a later ingest with other flags can say that reclassify is needed.
  if (flagsStored === null || !hadRows) store.setClassifyFlags(flagsNow);

  let skippedTotal = 0;
  let untrustedRows: UntrustedProxy[] = [];
  /** Sources that had new lines and not one request among them: the run exits 4. */
  const noRequests: string[] = [];
  let failed: unknown = null;
  let stopped: StopSignal | null = null;
  try {
    ({ received: stopped } = await untilSignal(async (signal) => {
      for (const path of files) {
        const linesBefore = pipeline.stats.lines;
        const requestsBefore = pipeline.stats.requests;
        let last = 0;
        const started = Date.now();
        const size = tty ? inputSize(path) : null;
        const res = await ingestInput(pipeline, { path, pod: flags.pod, namespace: flags.namespace }, {
          signal,
          parallel: { classify: flags, threads: flags.threads === undefined ? undefined : Number(flags.threads) },
          progress: tty
            ? (bytes) => {
                const now = Date.now();
                if (now - last < 250) return;
                last = now;
                err.write(`\r${progressText(safeText(path === '-' ? 'stdin' : path), bytes, size, pipeline.stats.lines, now - started)}\x1b[K`);
              }
            : undefined,
        });
        if (tty && last) err.write('\r\x1b[K');
        skippedTotal += res.skipped;
        if (res.skipped > 0 && !flags.quiet) {
          err.write(`${safeText(path)}: skipped ${res.skipped} lines already stored\n`);
        }
        const differ = res.skipped > 0 && flagsStored !== null ? flagsDiffer(flagsStored, flagsNow) : [];
        if (differ.length > 0) {
          // Re-ingesting does not classify stored lines again: say so, and how to.
          err.write(
            `snatscope: ${safeText(path)} is already stored, classified with other ${differ.join(', ')} than now: its stored ` +
              `rows keep their classes (try snatscope reclassify${flags.db ? ` --db ${safeText(flags.db)}` : ''}${reclassifyArgs(flags, differ)})\n`,
          );
        }
        pipeline.flush();
        if (res.feed !== null) {
          const name = path === '-' ? 'stdin' : path;
          for (const note of storedUnparsedNotes(store.sql, res.feed.sourceId, name, flags.format, jsonFields)) err.write(`${note}
`);
          if (pipeline.stats.lines > linesBefore && pipeline.stats.requests === requestsBefore) noRequests.push(name);
        }
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
        untrustedRows = untrustedProxies(store.sql, firstNewId);
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
  const hint = trustHint(untrustedRows);
  if (hint !== null) process.stdout.write(`hint: ${hint}\n`);
  if (stopped) return SIGNAL_EXIT[stopped];
  if (noRequests.length > 0) {
    process.stderr.write(`snatscope: no request in ${noRequests.map(safeText).join(', ')}: every line was unparsed (see the notes above, or snatscope unparsed)\n`);
    return NO_REQUESTS_EXIT;
  }
  return 0;
}

function summaryLine(lines: number, requests: number, unparsed: number, skipped: number, pipeline: Pipeline): string {
  const nodeShare = snatRatioOf(requests, pipeline.stats.classes);
  const parts = [`${lines} lines`, `${requests} requests`, `${unparsed} unparsed`];
  if (skipped) parts.push(`${skipped} already stored`);
  parts.push(`SNAT ratio ${formatRatio(nodeShare)}`);
  if (pipeline.stats.classes.probe > 0) parts.push(`${pipeline.stats.classes.probe} kubelet probes (not client traffic)`);
  return `ingested: ${parts.join(', ')}`;
}

/** The flags of a `reclassify` command line that applies what changed (`differ`: flag names from flagsDiffer). */
function reclassifyArgs(flags: IngestFlags, differ: string[]): string {
  const lists: Record<string, string[]> = {
    '--topology': flags.topology,
    '--node-ip': flags.nodeIp,
    '--pod-cidr': flags.podCidr,
    '--internal-cidr': flags.internalCidr,
    '--trust': flags.trust,
  };
  const out: string[] = [];
  for (const [flag, values] of Object.entries(lists)) {
    if (differ.includes(flag) || (flag === '--topology' && values.length > 0)) for (const v of values) out.push(` ${flag} ${safeText(v)}`);
  }
  return out.length ? out.join('') : ' with the new flags';
}
