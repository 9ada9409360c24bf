// Unparsed lines, loud: the note every run (ingest, watch, agent) prints for a source with unparsed lines: per
// reason the count, why, the hint (the preset `--format auto` would have parsed it with, --json-field, or
// `--format '<your log_format>'`) and one sample. Samples are log text: escaped before any terminal.
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

/** A source's unparsed lines of one reason, with one sample (the first kept) when there is one. */
export interface UnparsedCount {
  reason: string;
  count: number;
  sample?: string;
}

/** The note lines for one source's unparsed lines (empty when it has none), each line escaped. */
export function unparsedNotes(name: string, entries: readonly UnparsedCount[], format: string, jsonFields: JsonFields = {}): string[] {
  const out: string[] = [];
  for (const e of entries) {
    if (e.count === 0) continue;
    const sample = e.sample;
    const hint = e.reason === 'format' && sample !== undefined ? ` (try ${safeText(formatHint(sample, format, jsonFields))})` : '';
    out.push(`snatscope: ${safeText(name)}: ${e.count} unparsed line${e.count === 1 ? '' : 's'}: ${reasonText(e.reason)}${hint}`);
    if (sample !== undefined) out.push(`  e.g. ${safeText(sample.length > 160 ? `${sample.slice(0, 160)}...` : sample)}`);
  }
  return out;
}
