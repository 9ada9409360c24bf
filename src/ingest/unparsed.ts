// Unparsed lines, loud: after an ingest, the note of src/output/unparsed.ts per source with unparsed lines (from what
// the store holds for it), and the `snatscope unparsed` listing of every stored sample, escaped.
import type { Readable } from '../../db/sql.js';
import { unparsedSummary, type UnparsedEntry } from '../../db/index.js';
import { openStore } from '../../db/cli-open.js';
import type { JsonFields } from '../parse/index.js';
import { reasonText, unparsedNotes } from '../output/unparsed.js';
import { safeText } from '../text.js';

/** The notes ingest prints for one stored source's unparsed lines (empty when it has none). */
export function storedUnparsedNotes(db: Readable, sourceId: number, name: string, format: string, jsonFields: JsonFields = {}): string[] {
  const entries = unparsedSummary(db).filter((x) => x.sourceId === sourceId);
  return unparsedNotes(name, entries.map((e) => ({ reason: e.reason, count: e.count, sample: e.samples[0] })), format, jsonFields);
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
