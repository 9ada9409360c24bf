// The SQLite store of snatscope: the writer (Store), the schema and the read-side queries.

export { Store } from './store.js';
export type { StoreOptions, SourceKind, SourceMeta, SourceState, PodEvent, PodEventKind } from './store.js';
export { MIGRATIONS, SCHEMA_VERSION, CLASS_NAMES, CLASS_IDS } from './schema.js';
export { report, unparsedSummary, sources, REQUESTS_IN_WINDOW } from './queries.js';
export type {
  Report,
  ReportFilter,
  ReportPod,
  ReportTotals,
  ClassCounts,
  UnparsedEntry,
  SourceRow,
} from './queries.js';
