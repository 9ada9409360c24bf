// The SQLite store of snatscope: the store (Store, implementing StoreWriter of db/interface.ts), the schema, the
// read-side queries and the store's error messages.

export { Store } from './store.js';
export type {
  StoreWriter,
  StoreOptions,
  SourceKind,
  SourceDetails,
  SourceState,
  PodEventRecord,
  PodEventKind,
  PruneOptions,
  PruneResult,
} from './interface.js';
export { openStoreAt } from './connect.js';
export { parseLocation, isPostgresUrl, redactUrl, type StoreLocation } from './location.js';
export { MIGRATIONS, SCHEMA_VERSION } from './schema.js';
export { INSERT_COLUMNS, requestsViewSql } from './row-columns.js';
export { report, unparsedSummary, sources, setRatios, zeroCounts, REQUESTS_IN_WINDOW } from './queries.js';
export type {
  Report,
  ReportFilter,
  ReportPod,
  ReportTotals,
  RequestCounts,
  ClassCounts,
  UnparsedEntry,
  SourceRow,
} from './queries.js';
export { isStoreFailure, storeFailure, dbHolders, SourceBusyError, writerBusy, describeHolder, EXIT_DB_BUSY } from './errors.js';
export { snapshotsFor, type StoredSnapshot } from './history.js';
export { WriterLock, type LockHolder } from './lock.js';
