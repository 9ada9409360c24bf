// Unparsed lines, loud: after an ingest, per source with unparsed lines, the count, the reason, one escaped sample and
// a hint (the preset `--format auto` would have parsed it with, or `--format '<your log_format>'`); and the
// `snatscope unparsed` listing of every stored sample. Samples are log text: escaped before any terminal.
import type { Readable } from '../../db/sql.js';
import { unparsedSummary, type UnparsedEntry } from '../../db/index.js';
import { openStore } from '../../db/cli-open.js';
import { jsonKeysHint, LineStage, type JsonFields } from '../parse/index.js';
import { safeText } from '../text.js';

const REASON_TEXT: Record<string, string> = {
  format: 'did not match the log format',
  envelope: 'broken envelope (docker json or CRI prefix)',
  'too-long': 'longer than the maximum line length',
  binary: 'binary data, not text',
  partial: 'a CRI partial line never completed',
};

/** One line saying why, for a stored reason. */
export function reasonText(reason: string): string {
  return REASON_TEXT[reason] ?? reason;
}

/**
 * What to try for a sample that `format` did not parse: another preset that parses it, --json-field for JSON whose
 * address key is not known (naming the keys it has), else your own log_format.
 */
export function formatHint(sample: string, format: string, jsonFields: JsonFields = {}): string {
  const stage = new LineStage({ format: 'auto', jsonFields });
  if (stage.push(sample) !== null && stage.format !== null && stage.format !== format) return `--format ${stage.format}`;
  const json = jsonKeysHint(sample, jsonFields);
  if (json !== null) return json;
  return "--format '<your log_format>', the log_format line from nginx.conf";
}

/** The notes ingest prints for one source's unparsed lines (empty when it has none). */
export function unparsedNotes(db: Readable, sourceId: number, name: string, format: string, jsonFields: JsonFields = {}): string[] {
  const out: string[] = [];
  for (const e of unparsedSummary(db).filter((x) => x.sourceId === sourceId)) {
    const sample = e.samples[0];
    const hint = e.reason === 'format' && sample !== undefined ? ` (try ${safeText(formatHint(sample, format, jsonFields))})` : '';
    out.push(`snatscope: ${safeText(name)}: ${e.count} unparsed line${e.count === 1 ? '' : 's'}: ${reasonText(e.reason)}${hint}`);
    if (sample !== undefined) out.push(`  e.g. ${safeText(sample.length > 160 ? `${sample.slice(0, 160)}...` : sample)}`);
  }
  return out;
}

/** `snatscope unparsed`: every stored sample per source and reason, escaped. */
export function runUnparsed(flags: { db?: string; source?: string }): string {
  const store = openStore(flags.db, { mustExist: true, readonly: true });
  try {
    let entries: UnparsedEntry[] = unparsedSummary(store.sql);
    if (flags.source !== undefined) {
      const want = flags.source;
      entries = entries.filter((e) => e.source === want || e.pod === want || e.source.includes(want));
    }
    if (entries.length === 0) return flags.source === undefined ? 'no unparsed lines stored\n' : `no unparsed lines stored for ${safeText(flags.source)}\n`;
    const out: string[] = [];
    for (const e of entries) {
      const who = [e.namespace, e.pod, e.container].filter((x) => x).join('/') || e.source;
      out.push(`${safeText(who)} (${e.kind}): ${e.count} unparsed, ${reasonText(e.reason)}`);
      for (const s of e.samples) out.push(`  ${safeText(s)}`);
    }
    return out.join('\n') + '\n';
  } finally {
    store.close();
  }
}
